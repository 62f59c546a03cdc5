"""`contact-order-completed`: tell the buyer the payment arrived."""

from zombilet_common.bus import Ack, Delivery, Nak
from zombilet_common.events import OrderCompletedEvent
from zombilet_contact.events.listeners.base import MailListener


class OrderCompletedListener(MailListener[OrderCompletedEvent]):
    payload = OrderCompletedEvent

    async def on_message(self, event: OrderCompletedEvent, delivery: Delivery) -> Ack | Nak:
        return self.answer(await self._contact.confirm_order_paid(event, delivery))
