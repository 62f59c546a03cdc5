"""expiration-order-created: schedule the order's expiry; ack once Redis holds the job."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import OrderCreatedEvent
from zombilet_expiration.events import SERVICE_NAME
from zombilet_expiration.service import ExpirationService


class OrderCreatedListener(Listener[OrderCreatedEvent]):
    payload = OrderCreatedEvent
    service = SERVICE_NAME

    def __init__(self, expiration: ExpirationService) -> None:
        super().__init__()
        self._expiration = expiration

    async def on_message(self, event: OrderCreatedEvent, delivery: Delivery) -> Ack | Nak:
        # Newly scheduled or already there: either way Redis holds the job. A Redis failure
        # raises, and the base class naks with back-off.
        await self._expiration.schedule_expiry(event)
        return Ack()
