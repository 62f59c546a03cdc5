"""payments-order-cancelled: the replica becomes `cancelled`, and a charge is refunded."""

import logging

from zombilet_common.bus import Ack, Answer, Delivery, Nak, ServiceListener
from zombilet_common.events import OrderCancelledEvent
from zombilet_payments.compensation import RefundFailure
from zombilet_payments.service import PaymentService

log = logging.getLogger(__name__)


class OrderCancelledListener(ServiceListener[OrderCancelledEvent, PaymentService]):
    async def on_message(self, event: OrderCancelledEvent, delivery: Delivery) -> Answer:
        try:
            return await self.use_cases.settle_order_cancelled(event) or Ack()
        except RefundFailure as exc:
            # Redelivered after the back-off; the replica is already cancelled, so the next
            # delivery is a duplicate that tries the refund again (so does the sweep).
            log.warning("refund failed", extra={"order_id": event.id, "error": str(exc)})
            return Nak()
