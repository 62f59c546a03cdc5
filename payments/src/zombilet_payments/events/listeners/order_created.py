"""payments-order-created: a replica of each new order, so it can be paid."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import OrderCreatedEvent
from zombilet_payments.service import PaymentService


class OrderCreatedListener(ServiceListener[OrderCreatedEvent, PaymentService]):
    async def on_message(self, event: OrderCreatedEvent, delivery: Delivery) -> Answer:
        # Applied or already there: either way the replica holds this order.
        return await self.use_cases.record_order(event) or Ack()
