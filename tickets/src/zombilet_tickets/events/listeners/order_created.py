"""`tickets-order-created`: the order's ticket becomes reserved by it."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import OrderCreatedEvent
from zombilet_tickets.service import TicketService


class OrderCreatedListener(ServiceListener[OrderCreatedEvent, TicketService]):
    async def on_message(self, event: OrderCreatedEvent, delivery: Delivery) -> Answer:
        # Not yet while the ticket is unknown; a duplicate or a released order is a no-op.
        return await self.use_cases.reserve_ticket(event) or Ack()
