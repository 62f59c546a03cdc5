"""`contact-order-cancelled`: tell the buyer the order is cancelled."""

from zombilet_common.bus import Ack, Delivery, Nak
from zombilet_common.events import OrderCancelledEvent
from zombilet_contact.events.listeners.base import MailListener


class OrderCancelledListener(MailListener[OrderCancelledEvent]):
    payload = OrderCancelledEvent

    async def on_message(self, event: OrderCancelledEvent, delivery: Delivery) -> Ack | Nak:
        return self.answer(await self._contact.report_order_cancelled(event, delivery))
