"""`orders-ticket-created`: a new ticket joins the replica, unclaimed."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import TicketCreatedEvent
from zombilet_orders.service import OrderService


class TicketCreatedListener(ServiceListener[TicketCreatedEvent, OrderService]):
    async def on_message(self, event: TicketCreatedEvent, delivery: Delivery) -> Answer:
        return await self.use_cases.sync_ticket_created(event) or Ack()
