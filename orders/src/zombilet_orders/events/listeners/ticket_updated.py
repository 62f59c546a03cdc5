"""`orders-ticket-updated`: the replica follows the ticket's title and price, in version order."""

from zombilet_common.bus import Ack, Delivery, Listener, Nak
from zombilet_common.events import TicketUpdatedEvent
from zombilet_common.versioning import Verdict
from zombilet_orders.events import SERVICE_NAME
from zombilet_orders.service import OrderService


class TicketUpdatedListener(Listener[TicketUpdatedEvent]):
    payload = TicketUpdatedEvent
    service = SERVICE_NAME

    def __init__(self, orders: OrderService) -> None:
        super().__init__()
        self._orders = orders

    async def on_message(self, event: TicketUpdatedEvent, delivery: Delivery) -> Ack | Nak:
        match await self._orders.sync_ticket_updated(event):
            case Verdict.APPLIED | Verdict.DUPLICATE:
                return Ack()
            case Verdict.AHEAD:
                # An earlier version (or the ticket's creation) is still on its way.
                return Nak()
