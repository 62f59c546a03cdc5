"""payments-order-completed: the replica becomes `complete` under the version rule."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import OrderCompletedEvent
from zombilet_payments.service import PaymentService


class OrderCompletedListener(ServiceListener[OrderCompletedEvent, PaymentService]):
    async def on_message(self, event: OrderCompletedEvent, delivery: Delivery) -> Answer:
        # Not yet while the replica (or an earlier version of it) has not arrived.
        return await self.use_cases.sync_order_completed(event) or Ack()
