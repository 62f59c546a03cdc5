"""expiration-order-cancelled: the order is over, so its pending expiry is aborted."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import OrderCancelledEvent
from zombilet_expiration.service import ExpirationService


class OrderCancelledListener(ServiceListener[OrderCancelledEvent, ExpirationService]):
    async def on_message(self, event: OrderCancelledEvent, delivery: Delivery) -> Answer:
        # Optional in SPEC.md §8.3 (orders ignores expiry of an order that is over), but it
        # saves the job's publish; nothing pending is fine too.
        await self.use_cases.drop_expiry(event.id)
        return Ack()
