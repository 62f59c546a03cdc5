"""Tickets as tickets stores them, and the changes a ticket can go through."""

from dataclasses import dataclass, replace
from typing import Any

from bson import ObjectId

from zombilet_common.errors import BadRequestError, NotAuthorizedError
from zombilet_common.events import TicketCreatedEvent, TicketUpdatedEvent
from zombilet_common.mongo import Document


class ReservedTicket(BadRequestError):
    message = "Cannot edit a reserved ticket"


@dataclass(frozen=True)
class Ticket:
    """A ticket; `released` holds the ids of orders whose reservation is over (internal)."""

    id: str
    title: str
    price: float
    user_id: str
    version: int
    order_id: str | None = None
    released: tuple[str, ...] = ()

    @classmethod
    def list(cls, *, user_id: str, title: str, price: float) -> tuple["Ticket", TicketCreatedEvent]:
        """A new ticket for sale by `user_id`."""
        ticket = cls(id=str(ObjectId()), title=title, price=price, user_id=user_id, version=0)
        event = TicketCreatedEvent(
            id=ticket.id, version=0, title=title, price=price, user_id=user_id
        )
        return ticket, event

    def edit(
        self, *, user_id: str, title: str | None, price: float | None
    ) -> tuple["Ticket", TicketUpdatedEvent]:
        """The owner's change of title and/or price, refused while the ticket is reserved."""
        if self.user_id != user_id:
            raise NotAuthorizedError()
        if self.order_id is not None:
            raise ReservedTicket()
        return self._next(
            title=self.title if title is None else title,
            price=self.price if price is None else price,
        )

    def reserve(self, order_id: str) -> tuple["Ticket", TicketUpdatedEvent] | None:
        """Held by `order_id` from now on; None when it already is, or that order is over."""
        if self.order_id == order_id or order_id in self.released:
            return None
        return self._next(order_id=order_id)

    def release(self, order_id: str) -> tuple["Ticket", TicketUpdatedEvent | None] | None:
        """`order_id`'s reservation is over: None when that is known already; a new version
        with its event when the order held the ticket; else only remembered, with no event."""
        if order_id in self.released:
            return None
        remembered = replace(self, released=(*self.released, order_id))
        if self.order_id != order_id:
            return remembered, None
        return replace(remembered, order_id=None)._next()

    def _next(self, **changes: Any) -> tuple["Ticket", TicketUpdatedEvent]:
        ticket = replace(self, version=self.version + 1, **changes)
        event = TicketUpdatedEvent(
            id=ticket.id,
            version=ticket.version,
            title=ticket.title,
            price=ticket.price,
            user_id=ticket.user_id,
            order_id=ticket.order_id,
        )
        return ticket, event

    @classmethod
    def from_document(cls, doc: Document) -> "Ticket":
        return cls(
            id=doc["id"],
            title=doc["title"],
            price=float(doc["price"]),
            user_id=doc["user_id"],
            version=doc["version"],
            order_id=doc.get("order_id"),
            released=tuple(doc.get("released") or ()),
        )

    def document(self) -> Document:
        """The stored fields of a new ticket; `released` starts as an empty array because the
        local store's `$addToSet` does not create a missing one."""
        return {
            "title": self.title,
            "price": self.price,
            "user_id": self.user_id,
            "order_id": self.order_id,
            "released": list(self.released),
        }
