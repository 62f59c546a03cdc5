"""`orders-ticket-created`: a new ticket joins the replica, unclaimed."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import TicketCreatedEvent
from zombilet_orders.events import SERVICE_NAME
from zombilet_orders.service import OrderService


class TicketCreatedListener(Listener[TicketCreatedEvent]):
    payload = TicketCreatedEvent
    service = SERVICE_NAME

    def __init__(self, orders: OrderService) -> None:
        super().__init__()
        self._orders = orders

    async def on_message(self, event: TicketCreatedEvent, delivery: Delivery) -> Ack | Nak:
        # Applied, or the replica already exists (a redelivery, or a later version got there
        # first): either way there is nothing left to do, so it never waits.
        await self._orders.sync_ticket_created(event)
        return Ack()
