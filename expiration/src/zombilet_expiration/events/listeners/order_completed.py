"""expiration-order-completed: the order is over, so its pending expiry is aborted."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import OrderCompletedEvent
from zombilet_expiration.events import SERVICE_NAME
from zombilet_expiration.service import ExpirationService


class OrderCompletedListener(Listener[OrderCompletedEvent]):
    payload = OrderCompletedEvent
    service = SERVICE_NAME

    def __init__(self, expiration: ExpirationService) -> None:
        super().__init__()
        self._expiration = expiration

    async def on_message(self, event: OrderCompletedEvent, delivery: Delivery) -> Ack | Nak:
        # Optional in SPEC.md §8.3 (orders ignores expiry of an order that is over), but it
        # saves the job's publish; nothing pending is fine too.
        await self._expiration.drop_expiry(event.id)
        return Ack()
