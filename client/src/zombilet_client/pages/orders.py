"""My orders and the order page: countdown, payment and cancelling (SPEC 11.2, 11.3)."""

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from zombilet_client.api import ApiAnswer
from zombilet_client.forms import form_fields
from zombilet_client.patience import until_found
from zombilet_client.payment_tokens import DEFAULT_CARD, TEST_MODE_CARDS
from zombilet_client.rendering import redirect, render
from zombilet_client.visitor import Visitor, visitor
from zombilet_common.ids import is_object_id

router = APIRouter(prefix="/orders")
CurrentVisitor = Annotated[Visitor, Depends(visitor)]

NOT_FOUND = ApiAnswer(404, {"errors": [{"message": "Not Found"}]})
AUTHENTICATION_FAILED = "Your payment could not be authenticated. Please try again."


@router.get("")
async def my_orders(request: Request, you: CurrentVisitor) -> Response:
    you.require_user(request.url.path)
    answer = await you.api.get("/api/orders")
    if not answer.ok or not isinstance(answer.body, list):
        return render(
            request,
            you,
            "orders.html",
            status=answer.page_status,
            private=True,
            errors=answer.messages,
            orders=[],
        )
    return render(request, you, "orders.html", private=True, orders=answer.body)


def seconds_left(expires_at: str, now: datetime | None = None) -> int:
    """Whole seconds from now until `expires_at` (ISO 8601), never below 0."""
    try:
        deadline = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        return 0
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)
    remaining = (deadline - (now or datetime.now(UTC))).total_seconds()
    return max(0, math.floor(remaining))


async def _order(you: Visitor, order_id: str) -> ApiAnswer:
    if not is_object_id(order_id):
        return NOT_FOUND
    return await you.api.get(f"/api/orders/{order_id}")


async def _order_page(
    request: Request,
    you: Visitor,
    order_id: str,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    client_secret: str | None = None,
    card: str = DEFAULT_CARD,
) -> Response:
    answer = await _order(you, order_id)
    if answer.status in (400, 404):
        return render(
            request, you, "not_found.html", status=404, private=True, heading="Order not found"
        )
    if not answer.ok:
        return render(
            request,
            you,
            "order.html",
            status=answer.page_status,
            private=True,
            errors=answer.messages,
            order=None,
        )
    order: dict[str, Any] = answer.body
    # Back from authentication, the return URL carries what Stripe (or payments' offline page)
    # adds to it: `redirect_status` succeeded or failed.
    returned = request.query_params.get("redirect_status")
    if returned == "failed" and not errors:
        errors = [AUTHENTICATION_FAILED]
    return render(
        request,
        you,
        "order.html",
        status=status,
        private=True,
        errors=errors or [],
        order=order,
        seconds_left=seconds_left(str(order.get("expiresAt", ""))),
        cards=TEST_MODE_CARDS,
        card=card,
        authenticating=request.query_params.get("authenticating") == "1" or returned == "succeeded",
        client_secret=client_secret,
    )


@router.get("/{order_id}")
async def show_order(request: Request, you: CurrentVisitor, order_id: str) -> Response:
    you.require_user(request.url.path)
    return await _order_page(request, you, order_id)


@router.post("/{order_id}/pay")
async def pay(request: Request, you: CurrentVisitor, order_id: str) -> Response:
    you.require_user(f"/orders/{order_id}")
    token = (await form_fields(request)).get("token", "")
    # Payments hears of a new order a moment after orders stores it, and answers 404 until then.
    paid = await until_found(
        lambda: you.api.post("/api/payments", {"token": token, "orderId": order_id})
    )
    if paid.status == 201:
        return redirect(you, "/orders")
    body = paid.body if isinstance(paid.body, dict) else {}
    if paid.status == 202:
        if request.app.state.settings.stripe_publishable_key:
            # Stripe.js finishes the authentication on the order page, then comes back.
            return await _order_page(
                request, you, order_id, client_secret=str(body.get("clientSecret", ""))
            )
        next_action = str(body.get("nextActionUrl", ""))
        if next_action.startswith("/") and not next_action.startswith("//"):
            return redirect(you, next_action)
        return redirect(you, f"/orders/{order_id}?authenticating=1")
    if paid.ok:
        return redirect(you, "/orders")
    return await _order_page(
        request, you, order_id, status=paid.page_status, errors=paid.messages, card=token
    )


@router.post("/{order_id}/cancel")
async def cancel(request: Request, you: CurrentVisitor, order_id: str) -> Response:
    you.require_user(f"/orders/{order_id}")
    answer = await _order(you, order_id)
    if answer.ok:
        answer = await you.api.delete(f"/api/orders/{order_id}")
    if answer.ok:
        return redirect(you, f"/orders/{order_id}")
    return await _order_page(
        request, you, order_id, status=answer.page_status, errors=answer.messages
    )
