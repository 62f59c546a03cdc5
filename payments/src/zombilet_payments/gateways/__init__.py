"""The payment gateway: one small interface, Stripe behind it or the offline stand-in.

A payment is one PaymentIntent, created and confirmed at once (SPEC.md §7.5). Outcomes are
values, not exceptions, so the use case answers each one explicitly and nothing a provider
raises leaks past the gateway.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class Succeeded:
    intent_id: str


@dataclass(frozen=True)
class RequiresAction:
    """The card asks for authentication (3-D Secure); the buyer finishes it at `next_action_url`."""

    intent_id: str
    client_secret: str
    next_action_url: str


DECLINE_MESSAGE = "Your card was declined."
"""Shown when the provider declines without a message of its own."""


@dataclass(frozen=True)
class Declined:
    """The card was refused; `message` is the provider's, shown to the buyer."""

    message: str


@dataclass(frozen=True)
class InvalidToken:
    """The payment method or token is unknown, used or malformed."""


@dataclass(frozen=True)
class Refused:
    """Any other refusal by the provider (e.g. an amount under its minimum)."""

    message: str


@dataclass(frozen=True)
class Unreachable:
    """Unreachable, timed out, 5xx, rate limited or our key rejected: try again later."""

    reason: str


PaymentOutcome = Succeeded | RequiresAction | Declined | InvalidToken | Refused | Unreachable


class IntentStatus(StrEnum):
    """Where an intent stands, in Stripe's words, folded to what payments acts on."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"  # requires_payment_method after an attempt, or canceled
    PENDING = "pending"  # requires_action, processing, ...


@dataclass(frozen=True)
class Intent:
    """An intent as the provider reports it now."""

    id: str
    status: IntentStatus
    amount: int
    currency: str
    order_id: str


@dataclass(frozen=True)
class Refunded:
    refund_id: str


@dataclass(frozen=True)
class RefundFailed:
    reason: str


RefundOutcome = Refunded | RefundFailed


class PaymentGateway(Protocol):
    async def pay(
        self,
        *,
        amount: int,
        currency: str,
        token: str,
        idempotency_key: str,
        metadata: dict[str, str],
        description: str,
        return_url: str,
    ) -> PaymentOutcome:
        """Create and confirm one intent for `amount` minor units, once per key."""
        ...

    async def retrieve(self, intent_id: str) -> Intent | Unreachable:
        """The intent as it stands now."""
        ...

    async def cancel(self, intent_id: str) -> Intent | Unreachable:
        """Cancel an intent nobody finished; a settled one is answered as it is."""
        ...

    async def refund(self, *, intent_id: str, idempotency_key: str) -> RefundOutcome:
        """Refund a succeeded intent in full, once per key."""
        ...

    async def close(self) -> None: ...


__all__ = [
    "Declined",
    "Intent",
    "IntentStatus",
    "InvalidToken",
    "PaymentGateway",
    "PaymentOutcome",
    "RefundFailed",
    "RefundOutcome",
    "Refunded",
    "Refused",
    "RequiresAction",
    "Succeeded",
    "Unreachable",
]
