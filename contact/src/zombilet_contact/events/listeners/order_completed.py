"""`contact-order-completed`: tell the buyer the payment arrived."""

from zombilet_common.bus import Answer, Delivery
from zombilet_common.events import OrderCompletedEvent
from zombilet_contact.events.listeners.base import MailListener


class OrderCompletedListener(MailListener[OrderCompletedEvent]):
    async def on_message(self, event: OrderCompletedEvent, delivery: Delivery) -> Answer:
        return self.answer(await self.use_cases.confirm_order_paid(event, delivery))
