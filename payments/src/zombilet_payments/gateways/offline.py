"""The gateway used without STRIPE_KEY: Stripe's test tokens, answered locally (SPEC.md §7.3).

Idempotency keys are kept in payments' own database, so the same key gives the same result
and charge id, across restarts too, as Stripe's would.
"""

import logging
import secrets

from zombilet_payments.gateways import (
    Charged,
    ChargeOutcome,
    Declined,
    InvalidToken,
    Refunded,
    RefundOutcome,
)
from zombilet_payments.repository import GatewayLedgerRepository, LedgerEntry

log = logging.getLogger(__name__)

SUCCEEDING_TOKEN = "tok_visa"
DECLINED_TOKEN = "tok_chargeDeclined"
DECLINE_MESSAGE = "Your card was declined."


def _charge_entry(token: str) -> LedgerEntry:
    if token == SUCCEEDING_TOKEN:
        return LedgerEntry(outcome="charged", object_id=f"ch_offline_{secrets.token_hex(12)}")
    if token == DECLINED_TOKEN:
        return LedgerEntry(outcome="declined", message=DECLINE_MESSAGE)
    return LedgerEntry(outcome="invalid")


class OfflineGateway:
    def __init__(self, ledger: GatewayLedgerRepository) -> None:
        self._ledger = ledger

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
        entry = await self._ledger.remember(idempotency_key, "charge", _charge_entry(token))
        log.info(
            "offline charge",
            extra={
                "idempotency_key": idempotency_key,
                "amount": amount,
                "currency": currency,
                "outcome": entry.outcome,
                "charge_id": entry.object_id,
                "description": description,
                "metadata": metadata,
            },
        )
        match entry.outcome:
            case "charged":
                return Charged(entry.object_id or "")
            case "declined":
                return Declined(entry.message or DECLINE_MESSAGE)
            case _:
                return InvalidToken()

    async def refund(self, *, charge_id: str, idempotency_key: str) -> RefundOutcome:
        fresh = LedgerEntry(outcome="refunded", object_id=f"re_offline_{secrets.token_hex(12)}")
        entry = await self._ledger.remember(idempotency_key, "refund", fresh, charge_id=charge_id)
        log.info(
            "offline refund",
            extra={
                "idempotency_key": idempotency_key,
                "charge_id": charge_id,
                "refund_id": entry.object_id,
            },
        )
        return Refunded(entry.object_id or "")

    async def close(self) -> None:
        return None
