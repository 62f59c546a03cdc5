"""`orders-ticket-updated`: the replica follows the ticket's title and price, in version order."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import TicketUpdatedEvent
from zombilet_orders.service import OrderService


class TicketUpdatedListener(ServiceListener[TicketUpdatedEvent, OrderService]):
    async def on_message(self, event: TicketUpdatedEvent, delivery: Delivery) -> Answer:
        return await self.use_cases.sync_ticket_updated(event) or Ack()
