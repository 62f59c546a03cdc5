"""`contact-ticket-updated`: tell the seller what changed and whether it is reserved."""

from zombilet_common.bus import Answer, Delivery
from zombilet_common.events import TicketUpdatedEvent
from zombilet_contact.events.listeners.base import MailListener


class TicketUpdatedListener(MailListener[TicketUpdatedEvent]):
    async def on_message(self, event: TicketUpdatedEvent, delivery: Delivery) -> Answer:
        return self.answer(await self.use_cases.report_ticket_update(event, delivery))
