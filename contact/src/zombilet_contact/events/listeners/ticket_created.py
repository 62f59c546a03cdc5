"""`contact-ticket-created`: tell the seller the ticket is listed."""

from zombilet_common.bus import Ack, Delivery, Nak
from zombilet_common.events import TicketCreatedEvent
from zombilet_contact.events.listeners.base import MailListener


class TicketCreatedListener(MailListener[TicketCreatedEvent]):
    payload = TicketCreatedEvent

    async def on_message(self, event: TicketCreatedEvent, delivery: Delivery) -> Ack | Nak:
        return self.answer(await self._contact.confirm_ticket_listed(event, delivery))
