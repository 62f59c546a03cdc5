"""`contact-ticket-created`: tell the seller the ticket is listed."""

from zombilet_common.bus import Answer, Delivery
from zombilet_common.events import TicketCreatedEvent
from zombilet_contact.events.listeners.base import MailListener


class TicketCreatedListener(MailListener[TicketCreatedEvent]):
    async def on_message(self, event: TicketCreatedEvent, delivery: Delivery) -> Answer:
        return self.answer(await self.use_cases.confirm_ticket_listed(event, delivery))
