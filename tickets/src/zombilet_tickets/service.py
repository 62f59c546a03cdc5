"""Tickets' use cases: one method each, raising domain errors the routes render."""

import logging
from dataclasses import replace

from bson import ObjectId

from zombilet_common.bus import NotYet
from zombilet_common.errors import BadRequestError, ConflictError, NotAuthorizedError, NotFoundError
from zombilet_common.events import OrderCancelledEvent, OrderCreatedEvent
from zombilet_common.outbox import pending
from zombilet_common.versioning import VersionConflict
from zombilet_tickets.models import Ticket
from zombilet_tickets.repository import TicketRepository

log = logging.getLogger(__name__)

# SPEC.md §5.3: a losing edit re-reads and tries again, five tries in all, then 409.
EDIT_TRIES = 5
# An order event that keeps losing to concurrent writes is redelivered rather than spun on.
EVENT_TRIES = 5


class ReservedTicket(BadRequestError):
    message = "Cannot edit a reserved ticket"


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
        ticket = Ticket(id=str(ObjectId()), title=title, price=price, user_id=user_id, version=0)
        event = ticket.created_event()
        await self._tickets.insert(ticket, pending(event, event.message_id()))
        return ticket

    async def update_ticket(
        self, *, user_id: str, ticket_id: str, title: str | None, price: float | None
    ) -> Ticket:
        """Steps 3–6 of SPEC.md §5.3, repeated on a lost write."""
        fields: dict[str, object] = {}
        if title is not None:
            fields["title"] = title
        if price is not None:
            fields["price"] = price
        for _ in range(EDIT_TRIES):
            read = await self.show_ticket(ticket_id)
            if read.user_id != user_id:
                raise NotAuthorizedError()
            if read.order_id is not None:
                raise ReservedTicket()
            changed = replace(
                read,
                version=read.version + 1,
                title=read.title if title is None else title,
                price=read.price if price is None else price,
            )
            event = changed.updated_event()
            try:
                # Conditional on the version read, so a reservation in between makes it lose.
                await self._tickets.change(read, fields, pending(event, event.message_id()))
            except VersionConflict:
                log.info("ticket edit lost a race", extra={"ticket_id": ticket_id})
                continue
            return changed
        raise EditConflict()

    async def reserve_ticket(self, event: OrderCreatedEvent) -> None:
        """`tickets-order-created`: the ticket now belongs to the order (SPEC.md §8.3)."""
        order_id = event.id
        for _ in range(EVENT_TRIES):
            read = await self._ticket_for(event.ticket.id)
            if read.order_id == order_id or order_id in read.released:
                return
            changed = replace(read, version=read.version + 1, order_id=order_id)
            updated = changed.updated_event()
            try:
                await self._tickets.reserve(read, order_id, pending(updated, updated.message_id()))
            except VersionConflict:
                continue
            return
        raise NotYet("the ticket kept changing")

    async def release_ticket(self, event: OrderCancelledEvent) -> None:
        """`tickets-order-cancelled`: the order's reservation is over (SPEC.md §8.3)."""
        order_id = event.id
        for _ in range(EVENT_TRIES):
            read = await self._ticket_for(event.ticket.id)
            if order_id in read.released:
                return
            try:
                if read.order_id == order_id:
                    changed = replace(read, version=read.version + 1, order_id=None)
                    updated = changed.updated_event()
                    await self._tickets.release(
                        read, order_id, pending(updated, updated.message_id())
                    )
                else:
                    # Nothing public changes: no version, no event; a late `order.created` for
                    # this order will find it released and be ignored.
                    await self._tickets.remember_released(read, order_id)
            except VersionConflict:
                continue
            return
        raise NotYet("the ticket kept changing")

    async def _ticket_for(self, ticket_id: str) -> Ticket:
        ticket = await self._tickets.get(ticket_id)
        if ticket is None:
            # Its `ticket.created` write may be on its way; let the event come back later.
            raise NotYet("ticket not found")
        return ticket
