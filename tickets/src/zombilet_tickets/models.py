"""Documents as tickets stores them."""

from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from zombilet_common.events import TicketCreatedEvent, TicketUpdatedEvent


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
    def from_document(cls, doc: dict[str, Any]) -> "Ticket":
        return cls(
            id=str(doc["_id"]),
            title=doc["title"],
            price=float(doc["price"]),
            user_id=doc["user_id"],
            version=doc["version"],
            order_id=doc.get("order_id"),
            released=tuple(doc.get("released") or ()),
        )

    def document(self) -> dict[str, Any]:
        """The stored fields of a new ticket (the version and outbox are added on insert)."""
        # Ids other than `_id` are stored as strings: the local store cannot match an ObjectId
        # held in any other field. `released` starts as an empty array because the local store's
        # `$addToSet` does not create a missing one.
        return {
            "_id": ObjectId(self.id),
            "title": self.title,
            "price": self.price,
            "user_id": self.user_id,
            "order_id": self.order_id,
            "released": list(self.released),
        }

    def created_event(self) -> TicketCreatedEvent:
        return TicketCreatedEvent(
            id=self.id,
            version=self.version,
            title=self.title,
            price=self.price,
            user_id=self.user_id,
        )

    def updated_event(self) -> TicketUpdatedEvent:
        return TicketUpdatedEvent(
            id=self.id,
            version=self.version,
            title=self.title,
            price=self.price,
            user_id=self.user_id,
            order_id=self.order_id,
        )
