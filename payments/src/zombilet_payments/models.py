"""Documents as payments stores them: the order replica and the payment."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId

from zombilet_common.dialect import as_bool, as_utc
from zombilet_common.events import OrderCreatedEvent, OrderStatus, PaymentCreatedEvent
from zombilet_common.mongo import Document


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
    def from_document(cls, doc: Document) -> "OrderReplica":
        return cls(
            id=doc["id"],
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
    def new(
        cls, *, order_id: str, stripe_id: str, amount: int, currency: str
    ) -> tuple["Payment", PaymentCreatedEvent]:
        payment = cls(
            id=str(ObjectId()),
            order_id=order_id,
            stripe_id=stripe_id,
            amount=amount,
            currency=currency,
            refunded=False,
            refund_id=None,
            version=0,
        )
        event = PaymentCreatedEvent(
            id=payment.id, version=0, order_id=order_id, stripe_id=stripe_id
        )
        return payment, event

    def document(self) -> Document:
        """The fields stored at insert; `version` and the outbox are added by the insert."""
        return {
            "order_id": self.order_id,
            "stripe_id": self.stripe_id,
            "amount": self.amount,
            "currency": self.currency,
            "refunded": self.refunded,
            "refund_id": self.refund_id,
            "created_at": datetime.now(UTC),
        }

    @classmethod
    def from_document(cls, doc: Document) -> "Payment":
        return cls(
            id=doc["id"],
            order_id=str(doc["order_id"]),
            stripe_id=doc["stripe_id"],
            amount=doc["amount"],
            currency=doc["currency"],
            refunded=as_bool(doc["refunded"]),
            refund_id=doc.get("refund_id"),
            version=doc["version"],
        )


def order_replica_fields(event: OrderCreatedEvent) -> Document:
    """A new order replica: what `order.created` says, and a free charge claim."""
    return {
        "user_id": event.user_id,
        "status": event.status,
        "price": event.ticket.price,
        "expires_at": event.expires_at,
        "claim_at": 0,
        "claim_id": "",
        "intent_id": "",
        "intent_at": 0,
        "reconcile": False,
    }


def minor_units(price: float) -> int:
    """`round(price × 100)`: £16.99 is 1699 pence."""
    return round(price * 100)


def payment_key(order_id: str, token: str) -> str:
    """Stripe's idempotency key of an intent: repeating a request with one token pays once."""
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]
    return f"zombilet-{order_id}-{digest}"


def refund_key(payment_id: str) -> str:
    """Stripe's idempotency key of a payment's refund: however often it is tried, one refund."""
    return f"zombilet-refund-{payment_id}"
