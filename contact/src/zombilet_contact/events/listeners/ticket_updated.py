"""`contact-ticket-updated`: tell the seller what changed and whether it is reserved."""

from zombilet_common.bus import Ack, Delivery, Nak
from zombilet_common.events import TicketUpdatedEvent
from zombilet_contact.events.listeners.base import MailListener


class TicketUpdatedListener(MailListener[TicketUpdatedEvent]):
    payload = TicketUpdatedEvent

    async def on_message(self, event: TicketUpdatedEvent, delivery: Delivery) -> Ack | Nak:
        return self.answer(await self._contact.report_ticket_update(event, delivery))
