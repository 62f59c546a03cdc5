"""`contact-order-cancelled`: tell the buyer the order is cancelled."""

from zombilet_common.bus import Answer, Delivery
from zombilet_common.events import OrderCancelledEvent
from zombilet_contact.events.listeners.base import MailListener


class OrderCancelledListener(MailListener[OrderCancelledEvent]):
    async def on_message(self, event: OrderCancelledEvent, delivery: Delivery) -> Answer:
        return self.answer(await self.use_cases.report_order_cancelled(event, delivery))
