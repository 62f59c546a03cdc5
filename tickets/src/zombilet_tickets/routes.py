"""/api/tickets: thin handlers over TicketService."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from zombilet_common.auth import CurrentUser
from zombilet_common.body import JsonBody, JsonObject
from zombilet_tickets.schemas import (
    CreateTicketBody,
    TicketPublic,
    ticket_id_rule,
    validate_page,
    validate_update,
)
from zombilet_tickets.service import TicketService

router = APIRouter(prefix="/api/tickets")


async def ticket_service(request: Request) -> TicketService:
    service: TicketService = request.app.state.tickets
    return service


Tickets = Annotated[TicketService, Depends(ticket_service)]


@router.get("")
async def list_tickets(request: Request, tickets: Tickets) -> list[TicketPublic]:
    """Every ticket, reserved ones included, newest first, a page at a time."""
    limit, before = validate_page(
        request.query_params.get("limit"), request.query_params.get("before")
    )
    return [TicketPublic.of(t) for t in await tickets.list_tickets(limit, before)]


@router.get("/{ticket_id}")
async def show_ticket(ticket_id: str, tickets: Tickets) -> TicketPublic:
    return TicketPublic.of(await tickets.show_ticket(ticket_id_rule(ticket_id)))


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_ticket(
    user: CurrentUser,
    body: Annotated[CreateTicketBody, JsonBody(CreateTicketBody)],
    tickets: Tickets,
) -> TicketPublic:
    """List a ticket for sale by the signed-in user."""
    ticket = await tickets.create_ticket(user_id=user.id, title=body.title, price=body.price)
    return TicketPublic.of(ticket)


@router.put("/{ticket_id}")
async def update_ticket(
    ticket_id: str, user: CurrentUser, data: JsonObject, tickets: Tickets
) -> TicketPublic:
    """Change the title and/or the price of one's own free ticket."""
    valid_id, body = validate_update(ticket_id, data)
    ticket = await tickets.update_ticket(
        user_id=user.id, ticket_id=valid_id, title=body.title, price=body.price
    )
    return TicketPublic.of(ticket)
