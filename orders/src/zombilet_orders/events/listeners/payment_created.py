"""`orders-payment-created`: a paid `created` order is complete."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import PaymentCreatedEvent
from zombilet_orders.service import OrderService


class PaymentCreatedListener(ServiceListener[PaymentCreatedEvent, OrderService]):
    async def on_message(self, event: PaymentCreatedEvent, delivery: Delivery) -> Answer:
        return await self.use_cases.complete_paid_order(event) or Ack()
