"""HTTP shapes of payments and the body rules of SPEC.md §7.2."""

from typing import Any

from pydantic import field_validator

from zombilet_common.body import Required
from zombilet_common.events import WireModel
from zombilet_common.ids import is_object_id
from zombilet_payments.models import Payment


class CreatePaymentBody(WireModel):
    token: str = Required()
    order_id: str = Required()

    @field_validator("token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("token is required.")
        return value.strip()

    @field_validator("order_id", mode="before")
    @classmethod
    def _order_id(cls, value: Any) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("orderId is required.")
        if not is_object_id(value):
            raise ValueError("orderId must be valid.")
        return value.lower()


class PaymentPublic(WireModel):
    id: str
    order_id: str
    stripe_id: str

    @classmethod
    def of(cls, payment: Payment) -> "PaymentPublic":
        return cls(id=payment.id, order_id=payment.order_id, stripe_id=payment.stripe_id)


class AwaitingAuthenticationPublic(WireModel):
    order_id: str
    status: str = "requires_action"
    client_secret: str
    next_action_url: str
