"""`tickets-order-created`: the order's ticket becomes reserved by it."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import OrderCreatedEvent
from zombilet_tickets.events import SERVICE_NAME
from zombilet_tickets.service import TicketService


class OrderCreatedListener(Listener[OrderCreatedEvent]):
    payload = OrderCreatedEvent
    service = SERVICE_NAME

    def __init__(self, tickets: TicketService) -> None:
        super().__init__()
        self._tickets = tickets

    async def on_message(self, event: OrderCreatedEvent, delivery: Delivery) -> Ack | Nak:
        # A missing ticket raises NotYet (nak with delay); a duplicate or a released order is a
        # no-op, so every path that returns is an ack.
        await self._tickets.reserve_ticket(event)
        return Ack()
