"""`tickets-order-cancelled`: the order's reservation is over."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import OrderCancelledEvent
from zombilet_tickets.events import SERVICE_NAME
from zombilet_tickets.service import TicketService


class OrderCancelledListener(Listener[OrderCancelledEvent]):
    payload = OrderCancelledEvent
    service = SERVICE_NAME

    def __init__(self, tickets: TicketService) -> None:
        super().__init__()
        self._tickets = tickets

    async def on_message(self, event: OrderCancelledEvent, delivery: Delivery) -> Ack | Nak:
        # A missing ticket raises NotYet (nak with delay); an order already released is a no-op.
        await self._tickets.release_ticket(event)
        return Ack()
