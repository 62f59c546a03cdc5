"""payments-order-cancelled: the replica becomes `cancelled`, and a charge is refunded."""

import logging

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import OrderCancelledEvent
from zombilet_common.versioning import Verdict
from zombilet_payments.compensation import RefundFailure
from zombilet_payments.events import SERVICE_NAME
from zombilet_payments.service import PaymentService

log = logging.getLogger(__name__)


class OrderCancelledListener(Listener[OrderCancelledEvent]):
    payload = OrderCancelledEvent
    service = SERVICE_NAME

    def __init__(self, payments: PaymentService) -> None:
        super().__init__()
        self._payments = payments

    async def on_message(self, event: OrderCancelledEvent, delivery: Delivery) -> Ack | Nak:
        try:
            verdict = await self._payments.cancel_order(event)
        except RefundFailure as exc:
            # Redelivered after the back-off; the replica is already cancelled, so the next
            # delivery is a duplicate that tries the refund again (so does the sweep).
            log.warning("refund failed", extra={"order_id": event.id, "error": str(exc)})
            return Nak()
        if verdict is Verdict.AHEAD:
            return Nak()
        return Ack()
