"""Refunds (SPEC.md §7.4): a charge for an order that was cancelled is given back, once.

Three paths lead here: the `order.cancelled` listener (applied or re-received), the payment
route when it finds the order cancelled right after storing a charge, and the sweep that
finishes whatever those two could not (a failed refund, a crash between charge and refund).
The refund's idempotency key is fixed per payment, so every path refunds the same refund.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from zombilet_common.dialect import epoch_ms
from zombilet_payments.gateways import PaymentGateway, Refunded, RefundFailed
from zombilet_payments.models import Payment, refund_key
from zombilet_payments.repository import OrderReplicaRepository, PaymentRepository

log = logging.getLogger(__name__)

SWEEP_BATCH = 100


class RefundFailure(Exception):
    """The gateway did not refund; the caller retries (the listener naks, the sweep returns)."""


class Compensation:
    def __init__(
        self,
        replicas: OrderReplicaRepository,
        payments: PaymentRepository,
        gateway: PaymentGateway,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._replicas = replicas
        self._payments = payments
        self._gateway = gateway
        self._now = clock

    async def settle_cancelled(self, order_id: str) -> None:
        """Refund a cancelled order's unrefunded payment, then stop the sweep looking at it."""
        payment = await self._payments.by_order(order_id)
        if payment is not None and not payment.refunded:
            await self.refund(payment)
        await self._replicas.mark_reconciled(order_id, epoch_ms(self._now()))

    async def refund(self, payment: Payment) -> None:
        """Refund `payment` in full and record it (version +1); nothing is published."""
        outcome = await self._gateway.refund(
            intent_id=payment.stripe_id, idempotency_key=refund_key(payment.id)
        )
        match outcome:
            case Refunded(refund_id=refund_id):
                recorded = await self._payments.mark_refunded(payment, refund_id)
                log.info(
                    "payment refunded",
                    extra={
                        "payment_id": payment.id,
                        "order_id": payment.order_id,
                        "refund_id": refund_id,
                        # False: a concurrent path recorded the same refund first.
                        "recorded": recorded,
                    },
                )
            case RefundFailed(reason=reason):
                raise RefundFailure(f"refund of payment {payment.id} failed: {reason}")

    async def refund_stray_charge(self, order_id: str, charge_id: str) -> None:
        """A charge that lost the unique index to another payment of the same order.

        The same charge (a repeated token, same idempotency key) is the stored payment and
        stays; a different one would be a second charge for one order and goes back.
        """
        stored = await self._payments.by_order(order_id)
        if stored is not None and stored.stripe_id == charge_id:
            return
        outcome = await self._gateway.refund(
            intent_id=charge_id, idempotency_key=f"zombilet-refund-{charge_id}"
        )
        # No payment records this charge, so no sweep can retry it: an operator must know.
        message = (
            "second charge for one order refunded"
            if isinstance(outcome, Refunded)
            else "second charge for one order NOT refunded: refund it by hand"
        )
        log.error(
            message, extra={"order_id": order_id, "charge_id": charge_id, "outcome": repr(outcome)}
        )

    async def sweep(self) -> int:
        """Settle every cancelled order with an unchecked charge attempt; how many settled."""
        settled, after = 0, None
        while order_ids := await self._replicas.to_reconcile(after=after, limit=SWEEP_BATCH):
            for order_id in order_ids:
                try:
                    await self.settle_cancelled(order_id)
                    settled += 1
                except RefundFailure:
                    log.warning("refund still failing", extra={"order_id": order_id})
            after = order_ids[-1]
        return settled
