"""`contact-order-created`: tell the buyer how long the ticket is held."""

from zombilet_common.bus import Answer, Delivery
from zombilet_common.events import OrderCreatedEvent
from zombilet_contact.events.listeners.base import MailListener


class OrderCreatedListener(MailListener[OrderCreatedEvent]):
    async def on_message(self, event: OrderCreatedEvent, delivery: Delivery) -> Answer:
        return self.answer(await self.use_cases.confirm_order(event, delivery))
