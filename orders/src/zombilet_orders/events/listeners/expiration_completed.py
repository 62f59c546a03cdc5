"""`orders-expiration-completed`: a `created` order whose window is over is cancelled."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import ExpirationCompletedEvent
from zombilet_orders.events import SERVICE_NAME
from zombilet_orders.service import OrderService


class ExpirationCompletedListener(Listener[ExpirationCompletedEvent]):
    payload = ExpirationCompletedEvent
    service = SERVICE_NAME

    def __init__(self, orders: OrderService) -> None:
        super().__init__()
        self._orders = orders

    async def on_message(self, event: ExpirationCompletedEvent, delivery: Delivery) -> Ack | Nak:
        # An early expiry raises NotYet with a delay until `expiresAt`; an unknown or final
        # order is left alone.
        await self._orders.expire_order(event)
        return Ack()
