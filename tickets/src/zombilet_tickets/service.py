"""Tickets' use cases: load, let the ticket decide, save; domain errors for the routes."""

from zombilet_common.bus import NotYet
from zombilet_common.errors import ConflictError, NotFoundError
from zombilet_common.events import OrderCancelledEvent, OrderCreatedEvent
from zombilet_common.versioning import retry_on_conflict
from zombilet_tickets.models import Ticket
from zombilet_tickets.repository import TicketRepository

# SPEC.md §5.3: a losing edit re-reads and tries again, five tries in all, then 409.
EDIT_TRIES = 5
# An order event that keeps losing to concurrent writes is redelivered rather than spun on.
EVENT_TRIES = 5
KEPT_CHANGING = NotYet("the ticket kept changing")
# Its `ticket.created` write may be on its way; let the event come back later.
NOT_FOUND = NotYet("ticket not found")


class EditConflict(ConflictError):
    message = "The ticket was changed by another request. Please try again."


class TicketService:
    def __init__(self, tickets: TicketRepository) -> None:
        self._tickets = tickets

    async def list_tickets(self, limit: int, before: str | None) -> list[Ticket]:
        return await self._tickets.page(limit, before)

    async def show_ticket(self, ticket_id: str) -> Ticket:
        ticket = await self._tickets.get(ticket_id)
        if ticket is None:
            raise NotFoundError()
        return ticket

    async def create_ticket(self, *, user_id: str, title: str, price: float) -> Ticket:
        ticket, event = Ticket.list(user_id=user_id, title=title, price=price)
        await self._tickets.insert(ticket, event)
        return ticket

    async def update_ticket(
        self, *, user_id: str, ticket_id: str, title: str | None, price: float | None
    ) -> Ticket:
        """Steps 3–6 of SPEC.md §5.3, repeated on a lost write."""

        async def attempt() -> Ticket:
            read = await self.show_ticket(ticket_id)
            changed, event = read.edit(user_id=user_id, title=title, price=price)
            # Conditional on the version read, so a reservation in between makes it lose.
            await self._tickets.change(read, changed, event)
            return changed

        return await retry_on_conflict(attempt, tries=EDIT_TRIES, exhausted=EditConflict())

    async def reserve_ticket(self, event: OrderCreatedEvent) -> NotYet | None:
        """`tickets-order-created`: the ticket now belongs to the order (SPEC.md §8.3)."""

        async def attempt() -> NotYet | None:
            read = await self._tickets.get(event.ticket.id)
            if read is None:
                return NOT_FOUND
            change = read.reserve(event.id)
            if change is not None:
                await self._tickets.reserve(read, *change)
            return None

        return await retry_on_conflict(attempt, tries=EVENT_TRIES, exhausted=KEPT_CHANGING)

    async def release_ticket(self, event: OrderCancelledEvent) -> NotYet | None:
        """`tickets-order-cancelled`: the order's reservation is over (SPEC.md §8.3); a late
        `order.created` for it will find it released and be ignored."""

        async def attempt() -> NotYet | None:
            read = await self._tickets.get(event.ticket.id)
            if read is None:
                return NOT_FOUND
            change = read.release(event.id)
            if change is not None:
                await self._tickets.release(read, *change)
            return None

        return await retry_on_conflict(attempt, tries=EVENT_TRIES, exhausted=KEPT_CHANGING)
