"""The ticket list, selling, showing, purchasing and editing a ticket (SPEC 11.2)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from zombilet_client.api import ApiAnswer
from zombilet_client.forms import form_fields, price_value
from zombilet_client.patience import until_found
from zombilet_client.rendering import redirect, render
from zombilet_client.visitor import Visitor, visitor
from zombilet_common.ids import is_object_id

router = APIRouter()
CurrentVisitor = Annotated[Visitor, Depends(visitor)]

PAGE_SIZE = 100
NOT_AUTHORIZED = "Not authorized"


@router.get("/")
async def home(request: Request, you: CurrentVisitor) -> Response:
    params = {"limit": str(PAGE_SIZE)}
    before = request.query_params.get("before")
    if before is not None:
        params["before"] = before
    answer = await you.api.get("/api/tickets", params=params)
    if not answer.ok or not isinstance(answer.body, list):
        return render(
            request, you, "home.html", status=answer.page_status, errors=answer.messages, tickets=[]
        )
    tickets: list[dict[str, Any]] = answer.body
    older = tickets[-1]["id"] if len(tickets) == PAGE_SIZE else None
    return render(request, you, "home.html", tickets=tickets, older=older)


@router.get("/tickets/new")
async def new_ticket_page(request: Request, you: CurrentVisitor) -> Response:
    you.require_user(request.url.path)
    return render(request, you, "ticket_new.html", private=True)


@router.post("/tickets/new")
async def sell_ticket(request: Request, you: CurrentVisitor) -> Response:
    you.require_user("/tickets/new")
    fields = await form_fields(request)
    title, price = fields.get("title", ""), fields.get("price", "")
    answer = await you.api.post("/api/tickets", {"title": title, "price": price_value(price)})
    if not answer.ok:
        return render(
            request,
            you,
            "ticket_new.html",
            status=answer.page_status,
            private=True,
            errors=answer.messages,
            title=title,
            price=price,
        )
    return redirect(you, f"/tickets/{answer.body['id']}")


async def _ticket(you: Visitor, ticket_id: str) -> ApiAnswer:
    # A malformed id is as unknown as a missing one; it never reaches the API's path.
    if not is_object_id(ticket_id):
        return ApiAnswer(404, {"errors": [{"message": "Not Found"}]})
    return await you.api.get(f"/api/tickets/{ticket_id}")


def _ticket_missing(request: Request, you: Visitor, answer: ApiAnswer) -> Response:
    if answer.status in (400, 404):
        return render(request, you, "not_found.html", status=404, heading="Ticket not found")
    return render(request, you, "error.html", status=answer.page_status, errors=answer.messages)


@router.get("/tickets/{ticket_id}")
async def show_ticket(request: Request, you: CurrentVisitor, ticket_id: str) -> Response:
    answer = await _ticket(you, ticket_id)
    if not answer.ok:
        return _ticket_missing(request, you, answer)
    return render(request, you, "ticket.html", ticket=answer.body)


@router.post("/tickets/{ticket_id}/purchase")
async def purchase(request: Request, you: CurrentVisitor, ticket_id: str) -> Response:
    you.require_user(f"/tickets/{ticket_id}")
    answer = await _ticket(you, ticket_id)
    if not answer.ok:
        return _ticket_missing(request, you, answer)
    # Orders hears of a new ticket a moment after tickets stores it, and answers 404 until then.
    placed = await until_found(lambda: you.api.post("/api/orders", {"ticketId": ticket_id}))
    if placed.ok:
        return redirect(you, f"/orders/{placed.body['id']}")
    return render(
        request,
        you,
        "ticket.html",
        status=placed.page_status,
        errors=placed.messages,
        ticket=answer.body,
    )


@router.get("/tickets/{ticket_id}/edit")
async def edit_ticket_page(request: Request, you: CurrentVisitor, ticket_id: str) -> Response:
    user = you.require_user(request.url.path)
    answer = await _ticket(you, ticket_id)
    if not answer.ok:
        return _ticket_missing(request, you, answer)
    ticket = answer.body
    if ticket["userId"] != user.id:
        return render(
            request, you, "ticket_edit.html", status=401, private=True, errors=[NOT_AUTHORIZED]
        )
    return render(
        request,
        you,
        "ticket_edit.html",
        private=True,
        ticket=ticket,
        title=ticket["title"],
        price=ticket["price"],
    )


@router.post("/tickets/{ticket_id}/edit")
async def edit_ticket(request: Request, you: CurrentVisitor, ticket_id: str) -> Response:
    you.require_user(f"/tickets/{ticket_id}/edit")
    fields = await form_fields(request)
    title, price = fields.get("title", ""), fields.get("price", "")
    if not is_object_id(ticket_id):
        return render(request, you, "not_found.html", status=404, heading="Ticket not found")
    answer = await you.api.put(
        f"/api/tickets/{ticket_id}", {"title": title, "price": price_value(price)}
    )
    if answer.ok:
        return redirect(you, f"/tickets/{ticket_id}")
    if answer.status == 404:
        return render(request, you, "not_found.html", status=404, heading="Ticket not found")
    form_shown = answer.status != 401
    return render(
        request,
        you,
        "ticket_edit.html",
        status=answer.page_status,
        private=True,
        errors=answer.messages,
        ticket={"id": ticket_id} if form_shown else None,
        title=title,
        price=price,
    )
