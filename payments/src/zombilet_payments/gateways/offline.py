"""The gateway used without STRIPE_KEY: Stripe's test payment methods, answered locally
(SPEC.md §7.5).

Idempotency keys are kept in payments' own database, so the same key gives the same result
and intent id, across restarts too, as Stripe's would. An intent that asks for authentication
waits in `offline_intents` until the buyer answers the authentication page.
"""

import logging
import secrets

from zombilet_payments.gateways import (
    DECLINE_MESSAGE,
    Declined,
    Intent,
    IntentStatus,
    InvalidToken,
    PaymentOutcome,
    Refunded,
    RefundOutcome,
    RequiresAction,
    Succeeded,
    Unreachable,
)
from zombilet_payments.repository import GatewayLedgerRepository, LedgerEntry, OfflineIntent

log = logging.getLogger(__name__)

SUCCEEDING = frozenset({"pm_card_visa", "tok_visa"})
DECLINED = frozenset({"pm_card_chargeDeclined", "tok_chargeDeclined"})
AUTHENTICATING = frozenset({"pm_card_authenticationRequired"})
AUTHENTICATE_PATH = "/api/payments/authenticate/"


def _intent_entry(token: str) -> LedgerEntry:
    intent_id = f"pi_offline_{secrets.token_hex(12)}"
    if token in SUCCEEDING:
        return LedgerEntry(outcome="succeeded", object_id=intent_id)
    if token in AUTHENTICATING:
        secret = f"{intent_id}_secret_{secrets.token_hex(12)}"
        return LedgerEntry(outcome="requires_action", object_id=intent_id, message=secret)
    if token in DECLINED:
        return LedgerEntry(outcome="declined", message=DECLINE_MESSAGE)
    return LedgerEntry(outcome="invalid")


def _status(entry: LedgerEntry) -> IntentStatus:
    return IntentStatus.SUCCEEDED if entry.outcome == "succeeded" else IntentStatus.PENDING


class OfflineGateway:
    def __init__(self, ledger: GatewayLedgerRepository) -> None:
        self._ledger = ledger

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
        fresh = _intent_entry(token)
        entry = await self._ledger.remember(idempotency_key, "intent", fresh)
        if entry is fresh and entry.object_id is not None:
            await self._ledger.save_intent(
                OfflineIntent(
                    id=entry.object_id,
                    status=_status(entry),
                    amount=amount,
                    currency=currency,
                    order_id=metadata.get("orderId", ""),
                    return_url=return_url,
                )
            )
        log.info(
            "offline payment",
            extra={
                "idempotency_key": idempotency_key,
                "amount": amount,
                "currency": currency,
                "outcome": entry.outcome,
                "intent_id": entry.object_id,
                "description": description,
                "metadata": metadata,
            },
        )
        match entry.outcome:
            case "succeeded":
                return Succeeded(entry.object_id or "")
            case "requires_action":
                intent_id = entry.object_id or ""
                return RequiresAction(
                    intent_id, entry.message or "", f"{AUTHENTICATE_PATH}{intent_id}"
                )
            case "declined":
                return Declined(entry.message or DECLINE_MESSAGE)
            case _:
                return InvalidToken()

    async def retrieve(self, intent_id: str) -> Intent | Unreachable:
        stored = await self._ledger.intent(intent_id)
        if stored is None:
            return Unreachable(f"no offline intent {intent_id}")
        return stored.intent()

    async def cancel(self, intent_id: str) -> Intent | Unreachable:
        await self._ledger.settle_intent(intent_id, IntentStatus.FAILED)
        log.info("offline cancel", extra={"intent_id": intent_id})
        return await self.retrieve(intent_id)

    async def offline_intent(self, intent_id: str) -> OfflineIntent | None:
        return await self._ledger.intent(intent_id)

    async def authenticate(self, intent_id: str, *, completed: bool) -> OfflineIntent | None:
        """The buyer's answer on the authentication page: the intent succeeds or fails, once.
        None for an unknown intent; a settled one is answered as it stands."""
        status = IntentStatus.SUCCEEDED if completed else IntentStatus.FAILED
        await self._ledger.settle_intent(intent_id, status)
        stored = await self._ledger.intent(intent_id)
        log.info(
            "offline authentication",
            extra={"intent_id": intent_id, "completed": completed, "found": stored is not None},
        )
        return stored

    async def refund(self, *, intent_id: str, idempotency_key: str) -> RefundOutcome:
        fresh = LedgerEntry(outcome="refunded", object_id=f"re_offline_{secrets.token_hex(12)}")
        entry = await self._ledger.remember(idempotency_key, "refund", fresh, intent_id=intent_id)
        log.info(
            "offline refund",
            extra={
                "idempotency_key": idempotency_key,
                "intent_id": intent_id,
                "refund_id": entry.object_id,
            },
        )
        return Refunded(entry.object_id or "")

    async def close(self) -> None:
        return None
