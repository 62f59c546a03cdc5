"""`orders-payment-created`: a paid `created` order is complete."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import PaymentCreatedEvent
from zombilet_orders.events import SERVICE_NAME
from zombilet_orders.service import OrderService


class PaymentCreatedListener(Listener[PaymentCreatedEvent]):
    payload = PaymentCreatedEvent
    service = SERVICE_NAME

    def __init__(self, orders: OrderService) -> None:
        super().__init__()
        self._orders = orders

    async def on_message(self, event: PaymentCreatedEvent, delivery: Delivery) -> Ack | Nak:
        # An unknown order raises NotYet (its `order.created` write may be in flight); a
        # cancelled or complete order is left alone (payments refunds a cancelled one).
        await self._orders.complete_order(event)
        return Ack()
