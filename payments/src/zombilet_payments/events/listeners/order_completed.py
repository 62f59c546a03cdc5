"""payments-order-completed: the replica becomes `complete` under the version rule."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import OrderCompletedEvent
from zombilet_common.versioning import Verdict
from zombilet_payments.events import SERVICE_NAME
from zombilet_payments.service import PaymentService


class OrderCompletedListener(Listener[OrderCompletedEvent]):
    payload = OrderCompletedEvent
    service = SERVICE_NAME

    def __init__(self, payments: PaymentService) -> None:
        super().__init__()
        self._payments = payments

    async def on_message(self, event: OrderCompletedEvent, delivery: Delivery) -> Ack | Nak:
        if await self._payments.complete_order(event) is Verdict.AHEAD:
            # The replica (or an earlier version of it) has not arrived yet.
            return Nak()
        return Ack()
