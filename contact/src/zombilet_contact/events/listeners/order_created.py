"""`contact-order-created`: tell the buyer how long the ticket is held."""

from zombilet_common.bus import Ack, Delivery, Nak
from zombilet_common.events import OrderCreatedEvent
from zombilet_contact.events.listeners.base import MailListener


class OrderCreatedListener(MailListener[OrderCreatedEvent]):
    payload = OrderCreatedEvent

    async def on_message(self, event: OrderCreatedEvent, delivery: Delivery) -> Ack | Nak:
        return self.answer(await self._contact.confirm_order(event, delivery))
