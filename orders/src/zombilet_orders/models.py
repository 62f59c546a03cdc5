"""Orders and the ticket replica as orders stores them, and the changes an order goes through."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from zombilet_common.dialect import as_utc
from zombilet_common.errors import BadRequestError
from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderStatus,
    OrderTicket,
    OrderTicketRef,
)
from zombilet_common.mongo import Document


class CompletedOrderNotCancellable(BadRequestError):
    message = "A completed order cannot be cancelled."


@dataclass(frozen=True)
class TicketReplica:
    """A ticket as orders knows it, plus the claim: the holding order and when it claimed
    (epoch milliseconds, as every time an update writes)."""

    id: str
    title: str
    price: float
    version: int
    holder: str | None = None
    claimed_at: int | None = None

    @classmethod
    def from_document(cls, doc: Document) -> "TicketReplica":
        return cls(
            id=doc["id"],
            title=doc["title"],
            price=float(doc["price"]),
            version=doc["version"],
            holder=doc.get("holder"),
            claimed_at=doc.get("claimed_at"),
        )


@dataclass(frozen=True)
class Order:
    """An order; `ticket_title` and `ticket_price` are the replica's at creation, kept for
    `order.created` (answers show the replica as it is now)."""

    id: str
    user_id: str
    status: OrderStatus
    expires_at: datetime
    version: int
    ticket_id: str
    ticket_title: str
    ticket_price: float

    @classmethod
    def place(
        cls, *, user_id: str, ticket: TicketReplica, expires_at: datetime
    ) -> tuple["Order", OrderCreatedEvent]:
        order = cls(
            id=str(ObjectId()),
            user_id=user_id,
            status=OrderStatus.CREATED,
            # Stored times keep milliseconds; keeping the same here makes answers match reads.
            expires_at=expires_at.replace(microsecond=expires_at.microsecond // 1000 * 1000),
            version=0,
            ticket_id=ticket.id,
            ticket_title=ticket.title,
            ticket_price=ticket.price,
        )
        event = OrderCreatedEvent(
            id=order.id,
            version=0,
            status="created",
            user_id=order.user_id,
            expires_at=order.expires_at,
            ticket=OrderTicket(id=ticket.id, title=ticket.title, price=ticket.price),
        )
        return order, event

    def cancel(self) -> tuple["Order", OrderCancelledEvent] | None:
        """`created` → `cancelled`; None when already cancelled; a complete order refuses."""
        if self.status is OrderStatus.COMPLETE:
            raise CompletedOrderNotCancellable()
        if self.status is OrderStatus.CANCELLED:
            return None
        order = replace(self, status=OrderStatus.CANCELLED, version=self.version + 1)
        return order, OrderCancelledEvent(status="cancelled", **order._final_event_fields())

    def complete(self) -> tuple["Order", OrderCompletedEvent] | None:
        """`created` → `complete` once paid; a final order stays as it is (None)."""
        if self.status is not OrderStatus.CREATED:
            return None
        order = replace(self, status=OrderStatus.COMPLETE, version=self.version + 1)
        return order, OrderCompletedEvent(status="complete", **order._final_event_fields())

    def _final_event_fields(self) -> dict[str, Any]:
        """What `order.cancelled` and `order.completed` carry besides the status."""
        return {
            "id": self.id,
            "version": self.version,
            "user_id": self.user_id,
            "ticket": OrderTicketRef(id=self.ticket_id),
        }

    def is_due(self, now: datetime) -> bool:
        """SPEC.md §6.2: expiry applies from one second before `expiresAt`."""
        return now >= self.expires_at - timedelta(seconds=1)

    @classmethod
    def from_document(cls, doc: Document) -> "Order":
        return cls(
            id=doc["id"],
            user_id=doc["user_id"],
            status=OrderStatus(doc["status"]),
            expires_at=as_utc(doc["expires_at"]),
            version=doc["version"],
            ticket_id=doc["ticket_id"],
            ticket_title=doc["ticket_title"],
            ticket_price=float(doc["ticket_price"]),
        )

    def document(self) -> Document:
        """The stored fields of a new order."""
        return {
            "user_id": self.user_id,
            "status": self.status.value,
            "expires_at": self.expires_at,
            "ticket_id": self.ticket_id,
            "ticket_title": self.ticket_title,
            "ticket_price": self.ticket_price,
        }
