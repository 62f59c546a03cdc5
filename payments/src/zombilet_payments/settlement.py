"""Settling intents (SPEC.md §7.5): a succeeded intent becomes the order's one payment, a
failed or cancelled one frees the order for another attempt.

Four paths lead here, all idempotent: the payment route when the intent succeeds at once,
Stripe's webhook, the offline authentication page, and the sweep that asks the provider about
intents left waiting longer than ten minutes. The unique index on the payment's order is what
makes the payment, and its `payment.created`, exist once however many of them run.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import urlencode, urlsplit, urlunsplit

from zombilet_common.dialect import epoch_ms
from zombilet_common.events import OrderStatus
from zombilet_payments.compensation import Compensation, RefundFailure
from zombilet_payments.gateways import Intent, IntentStatus, PaymentGateway, Unreachable
from zombilet_payments.gateways.offline import OfflineGateway
from zombilet_payments.models import Payment
from zombilet_payments.repository import (
    OfflineIntent,
    OrderReplicaRepository,
    PaymentExists,
    PaymentRepository,
)

log = logging.getLogger(__name__)

WAITING_LIMIT = timedelta(minutes=10)
SWEEP_BATCH = 100


class Recorded(Enum):
    NEW = "new"  # stored now, with its payment.created
    AGAIN = "again"  # this intent was stored already
    OTHER = "other"  # another intent paid the order; this one was refunded
    CANCELLED = "cancelled"  # stored, and refunded because the order is cancelled


@dataclass(frozen=True)
class Record:
    outcome: Recorded
    payment: Payment | None


class Settlement:
    def __init__(
        self,
        replicas: OrderReplicaRepository,
        payments: PaymentRepository,
        gateway: PaymentGateway,
        compensation: Compensation,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._replicas = replicas
        self._payments = payments
        self._gateway = gateway
        self._compensation = compensation
        self._now = clock

    async def record(self, order_id: str, intent_id: str, amount: int, currency: str) -> Record:
        """Store the succeeded intent as the order's payment, once."""
        payment, event = Payment.new(
            order_id=order_id, stripe_id=intent_id, amount=amount, currency=currency
        )
        try:
            await self._payments.insert(payment, event)
            outcome = Recorded.NEW
        except PaymentExists:
            stored = await self._payments.by_order(order_id)
            if stored is None or stored.stripe_id != intent_id:
                await self._compensation.refund_stray_charge(order_id, intent_id)
                return Record(Recorded.OTHER, stored)
            payment, outcome = stored, Recorded.AGAIN
        current = await self._replicas.get(order_id)
        if current is not None and current.status is OrderStatus.CANCELLED:
            if payment.refunded:
                return Record(Recorded.CANCELLED, payment)
            # Cancelled (expired) while the buyer paid: orders will ignore the payment, so the
            # buyer gets the money back now. A failed refund is left to the sweep.
            try:
                await self._compensation.refund(payment)
            except RefundFailure:
                log.warning("refund after a late payment failed", extra={"order_id": order_id})
            return Record(Recorded.CANCELLED, payment)
        return Record(outcome, payment)

    async def settle(self, intent: Intent) -> None:
        """Act on where `intent` stands now: record it, free its order, or leave it waiting."""
        if not intent.order_id or await self._replicas.get(intent.order_id) is None:
            log.warning("intent for an unknown order", extra={"intent_id": intent.id})
            return
        match intent.status:
            case IntentStatus.SUCCEEDED:
                record = await self.record(
                    intent.order_id, intent.id, intent.amount, intent.currency
                )
                log.info(
                    "intent succeeded",
                    extra={
                        "intent_id": intent.id,
                        "order_id": intent.order_id,
                        "recorded": record.outcome.value,
                    },
                )
            case IntentStatus.FAILED:
                log.info(
                    "intent failed", extra={"intent_id": intent.id, "order_id": intent.order_id}
                )
            case IntentStatus.PENDING:
                return
        await self._replicas.release_intent(intent.order_id, intent.id)

    async def authenticate_offline(self, intent_id: str, *, completed: bool) -> str | None:
        """The offline authentication page's answer; where the buyer goes next, None when the
        gateway is Stripe's or the intent unknown."""
        if not isinstance(self._gateway, OfflineGateway):
            return None
        stored = await self._gateway.authenticate(intent_id, completed=completed)
        if stored is None:
            return None
        await self.settle(stored.intent())
        return self.return_to(stored.return_url, stored.intent())

    async def offline_intent(self, intent_id: str) -> OfflineIntent | None:
        """The offline gateway's intent `intent_id`; None with Stripe's gateway or unknown."""
        if not isinstance(self._gateway, OfflineGateway):
            return None
        return await self._gateway.offline_intent(intent_id)

    @staticmethod
    def return_to(return_url: str, intent: Intent) -> str:
        """Where the offline page sends the buyer: the return URL with what Stripe adds to it
        after authentication. The page is served by the same site as the order page, so the
        location is the path alone and the buyer stays on the host they came by."""
        target = urlsplit(return_url)
        status = "succeeded" if intent.status is IntentStatus.SUCCEEDED else "failed"
        added = urlencode({"payment_intent": intent.id, "redirect_status": status})
        query = f"{target.query}&{added}" if target.query else added
        return urlunsplit(("", "", target.path or "/", query, ""))

    async def sweep(self) -> int:
        """Ask the provider about intents waiting longer than ten minutes: settle the settled,
        cancel the abandoned. How many were settled."""
        before = epoch_ms(self._now() - WAITING_LIMIT)
        settled = 0
        for order_id, intent_id in await self._replicas.waiting_intents(
            before_ms=before, limit=SWEEP_BATCH
        ):
            intent = await self._gateway.retrieve(intent_id)
            if not isinstance(intent, Unreachable) and intent.status is IntentStatus.PENDING:
                # Nobody finished authenticating in ten minutes: give the order back.
                intent = await self._gateway.cancel(intent_id)
            if isinstance(intent, Unreachable):
                log.warning(
                    "intent sweep could not reach the provider", extra={"intent_id": intent_id}
                )
                continue
            if intent.order_id != order_id:
                intent = replace(intent, order_id=order_id)
            await self.settle(intent)
            settled += intent.status is not IntentStatus.PENDING
        return settled
