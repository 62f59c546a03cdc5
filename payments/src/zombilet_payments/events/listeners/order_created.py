"""payments-order-created: a replica of each new order, so it can be paid."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import OrderCreatedEvent
from zombilet_payments.events import SERVICE_NAME
from zombilet_payments.service import PaymentService


class OrderCreatedListener(Listener[OrderCreatedEvent]):
    payload = OrderCreatedEvent
    service = SERVICE_NAME

    def __init__(self, payments: PaymentService) -> None:
        super().__init__()
        self._payments = payments

    async def on_message(self, event: OrderCreatedEvent, delivery: Delivery) -> Ack | Nak:
        # Applied or already there: either way the replica holds this order.
        await self._payments.record_order(event)
        return Ack()
