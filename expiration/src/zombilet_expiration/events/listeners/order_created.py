"""expiration-order-created: schedule the order's expiry; ack once Redis holds the job."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import OrderCreatedEvent
from zombilet_expiration.service import ExpirationService


class OrderCreatedListener(ServiceListener[OrderCreatedEvent, ExpirationService]):
    async def on_message(self, event: OrderCreatedEvent, delivery: Delivery) -> Answer:
        # Newly scheduled or already there: either way Redis holds the job. A Redis failure
        # raises, and the base class naks with back-off.
        await self.use_cases.schedule_expiry(event)
        return Ack()
