"""`tickets-order-cancelled`: the order's reservation is over."""

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.events import OrderCancelledEvent
from zombilet_tickets.service import TicketService


class OrderCancelledListener(ServiceListener[OrderCancelledEvent, TicketService]):
    async def on_message(self, event: OrderCancelledEvent, delivery: Delivery) -> Answer:
        # Not yet while the ticket is unknown; an order already released is a no-op.
        return await self.use_cases.release_ticket(event) or Ack()
