"""`orders-expiration-completed`: a `created` order whose window is over is cancelled."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import ExpirationCompletedEvent
from zombilet_orders.service import OrderService


class ExpirationCompletedListener(ServiceListener[ExpirationCompletedEvent, OrderService]):
    async def on_message(self, event: ExpirationCompletedEvent, delivery: Delivery) -> Answer:
        return await self.use_cases.expire_order(event) or Ack()
