"""Documents as orders stores them: orders and the ticket replica with orders' own claim."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId

from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
)


class OrderStatus(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"
    COMPLETE = "complete"


@dataclass(frozen=True)
class TicketReplica:
    """A ticket as orders knows it, plus the claim: the holding order and when it claimed
    (epoch milliseconds: the local store keeps a date given to `$set` as a string)."""

    id: str
    title: str
    price: float
    version: int
    holder: str | None = None
    claimed_at: int | None = None

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "TicketReplica":
        return cls(
            id=str(doc["_id"]),
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
    def new(cls, *, user_id: str, ticket: TicketReplica, expires_at: datetime) -> "Order":
        return cls(
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

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "Order":
        return cls(
            id=str(doc["_id"]),
            user_id=doc["user_id"],
            status=OrderStatus(doc["status"]),
            expires_at=as_utc(doc["expires_at"]),
            version=doc["version"],
            ticket_id=doc["ticket_id"],
            ticket_title=doc["ticket_title"],
            ticket_price=float(doc["ticket_price"]),
        )

    def document(self) -> dict[str, Any]:
        """The stored fields of a new order; ids other than `_id` are strings, which the local
        store can match (it cannot match an ObjectId held in another field)."""
        return {
            "_id": ObjectId(self.id),
            "user_id": self.user_id,
            "status": self.status.value,
            "expires_at": self.expires_at,
            "ticket_id": self.ticket_id,
            "ticket_title": self.ticket_title,
            "ticket_price": self.ticket_price,
        }

    def is_due(self, now: datetime) -> bool:
        """SPEC.md §6.2: expiry applies from one second before `expiresAt`."""
        return now >= self.expires_at - timedelta(seconds=1)

    def created_event(self) -> OrderCreatedEvent:
        return OrderCreatedEvent(
            id=self.id,
            version=self.version,
            status="created",
            user_id=self.user_id,
            expires_at=self.expires_at,
            ticket=OrderTicket(id=self.ticket_id, title=self.ticket_title, price=self.ticket_price),
        )

    def cancelled_event(self) -> OrderCancelledEvent:
        return OrderCancelledEvent(
            id=self.id,
            version=self.version,
            status="cancelled",
            user_id=self.user_id,
            ticket=OrderTicketRef(id=self.ticket_id),
        )

    def completed_event(self) -> OrderCompletedEvent:
        return OrderCompletedEvent(
            id=self.id,
            version=self.version,
            status="complete",
            user_id=self.user_id,
            ticket=OrderTicketRef(id=self.ticket_id),
        )


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC time (BSON dates carry no zone)."""
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
