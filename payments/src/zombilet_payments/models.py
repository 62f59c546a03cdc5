"""Documents as payments stores them: the order replica and the payment."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId


class OrderStatus(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"
    COMPLETE = "complete"


@dataclass(frozen=True)
class OrderReplica:
    """What payments knows of an order, from order events (SPEC.md §7.1)."""

    id: str
    user_id: str
    status: OrderStatus
    price: float
    expires_at: datetime
    version: int

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "OrderReplica":
        return cls(
            id=str(doc["_id"]),
            user_id=str(doc["user_id"]),
            status=OrderStatus(doc["status"]),
            price=doc["price"],
            expires_at=as_utc(doc["expires_at"]),
            version=doc["version"],
        )


@dataclass(frozen=True)
class Payment:
    id: str
    order_id: str
    stripe_id: str
    amount: int
    currency: str
    refunded: bool
    refund_id: str | None
    version: int

    @classmethod
    def new(cls, *, order_id: str, stripe_id: str, amount: int, currency: str) -> "Payment":
        return cls(
            id=str(ObjectId()),
            order_id=order_id,
            stripe_id=stripe_id,
            amount=amount,
            currency=currency,
            refunded=False,
            refund_id=None,
            version=0,
        )

    def document(self) -> dict[str, Any]:
        """The fields stored at insert; `version` and the outbox are added by the insert."""
        return {
            "_id": ObjectId(self.id),
            # Reference ids are stored as their 24-hex strings: the local Mongo-wire store
            # cannot match a non-`_id` field holding an ObjectId.
            "order_id": self.order_id,
            "stripe_id": self.stripe_id,
            "amount": self.amount,
            "currency": self.currency,
            "refunded": self.refunded,
            "refund_id": self.refund_id,
            "created_at": datetime.now(UTC),
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "Payment":
        return cls(
            id=str(doc["_id"]),
            order_id=str(doc["order_id"]),
            stripe_id=doc["stripe_id"],
            amount=doc["amount"],
            currency=doc["currency"],
            # The local Mongo-wire store keeps a boolean written by `$set` as 0 / 1.
            refunded=bool(doc["refunded"]),
            refund_id=doc.get("refund_id"),
            version=doc["version"],
        )


def minor_units(price: float) -> int:
    """`round(price × 100)`: £16.99 is 1699 pence."""
    return round(price * 100)


def charge_key(order_id: str, token: str) -> str:
    """Stripe's idempotency key of a charge: repeating a request with one token charges once."""
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]
    return f"zombilet-{order_id}-{digest}"


def refund_key(payment_id: str) -> str:
    """Stripe's idempotency key of a payment's refund: however often it is tried, one refund."""
    return f"zombilet-refund-{payment_id}"


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC time (BSON dates carry no zone)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
