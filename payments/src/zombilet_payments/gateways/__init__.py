"""The payment gateway: one small interface, Stripe behind it or the offline stand-in.

Outcomes are values, not exceptions, so the use case answers each one explicitly (SPEC.md §7.2's
outcome table) and nothing a provider raises leaks past the gateway.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Charged:
    charge_id: str


@dataclass(frozen=True)
class Declined:
    """The card was refused; `message` is the provider's, shown to the buyer."""

    message: str


@dataclass(frozen=True)
class InvalidToken:
    """The token is unknown, used or malformed."""


@dataclass(frozen=True)
class Refused:
    """Any other refusal by the provider (e.g. an amount under its minimum)."""

    message: str


@dataclass(frozen=True)
class Unreachable:
    """Unreachable, timed out, 5xx, rate limited or our key rejected: try again later."""

    reason: str


ChargeOutcome = Charged | Declined | InvalidToken | Refused | Unreachable


@dataclass(frozen=True)
class Refunded:
    refund_id: str


@dataclass(frozen=True)
class RefundFailed:
    reason: str


RefundOutcome = Refunded | RefundFailed


class PaymentGateway(Protocol):
    async def charge(
        self,
        *,
        amount: int,
        currency: str,
        token: str,
        idempotency_key: str,
        metadata: dict[str, str],
        description: str,
    ) -> ChargeOutcome:
        """Charge `amount` minor units of `currency` to the card behind `token`, once per key."""
        ...

    async def refund(self, *, charge_id: str, idempotency_key: str) -> RefundOutcome:
        """Refund a charge in full, once per key."""
        ...

    async def close(self) -> None: ...


__all__ = [
    "ChargeOutcome",
    "Charged",
    "Declined",
    "InvalidToken",
    "PaymentGateway",
    "RefundFailed",
    "RefundOutcome",
    "Refunded",
    "Refused",
    "Unreachable",
]
