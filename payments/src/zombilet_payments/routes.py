"""/api/payments: thin handlers over PaymentService, Stripe's webhook and the offline
authentication page."""

import html
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from zombilet_common.auth import CurrentUser
from zombilet_common.body import JsonBody
from zombilet_common.errors import NotFoundError
from zombilet_payments.gateways import IntentStatus
from zombilet_payments.schemas import (
    AwaitingAuthenticationPublic,
    CreatePaymentBody,
    PaymentPublic,
)
from zombilet_payments.service import AwaitingAuthentication, PaymentService
from zombilet_payments.webhooks import WebhookReceiver

router = APIRouter(prefix="/api/payments")


async def payment_service(request: Request) -> PaymentService:
    service: PaymentService = request.app.state.payments
    return service


async def webhook_receiver(request: Request) -> WebhookReceiver:
    receiver: WebhookReceiver = request.app.state.payments.webhooks
    return receiver


Payments = Annotated[PaymentService, Depends(payment_service)]
Webhooks = Annotated[WebhookReceiver, Depends(webhook_receiver)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentPublic,
    responses={202: {"model": AwaitingAuthenticationPublic}},
)
async def create_payment(
    user: CurrentUser,
    body: Annotated[CreatePaymentBody, JsonBody(CreatePaymentBody)],
    payments: Payments,
) -> PaymentPublic | JSONResponse:
    """Pay for one of the signed-in user's orders; 202 while the card asks for authentication."""
    result = await payments.pay(user_id=user.id, order_id=body.order_id, token=body.token)
    if isinstance(result, AwaitingAuthentication):
        waiting = AwaitingAuthenticationPublic(
            order_id=result.order_id,
            client_secret=result.client_secret,
            next_action_url=result.next_action_url,
        )
        return JSONResponse(waiting.model_dump(mode="json"), status.HTTP_202_ACCEPTED)
    return PaymentPublic.of(result)


@router.post("/webhook")
async def receive_webhook(request: Request, webhooks: Webhooks) -> dict[str, bool]:
    """Stripe's signed events; 400 in the envelope, nothing done, when the signature fails."""
    await webhooks.receive(await request.body(), request.headers.get("stripe-signature"))
    return {"received": True}


_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Authenticate your payment</title></head>
<body>
<h1>Authenticate your payment</h1>
<p>Test mode: this page stands in for your bank's 3-D Secure check of {amount}.</p>
<form method="post">
<button type="submit" name="outcome" value="complete">Complete authentication</button>
<button type="submit" name="outcome" value="fail">Fail authentication</button>
</form>
</body>
</html>
"""


@router.get("/authenticate/{intent_id}")
async def show_authentication(intent_id: str, payments: Payments) -> Response:
    """The offline gateway's stand-in for the bank's 3-D Secure page."""
    stored = await payments.settlement.offline_intent(intent_id)
    if stored is None:
        raise NotFoundError()
    if stored.status is not IntentStatus.PENDING:
        return RedirectResponse(
            payments.settlement.return_to(stored.return_url, stored.intent()),
            status.HTTP_303_SEE_OTHER,
        )
    amount = f"{stored.amount / 100:.2f} {stored.currency.upper()}"
    return HTMLResponse(_PAGE.format(amount=html.escape(amount)))


@router.post("/authenticate/{intent_id}")
async def answer_authentication(intent_id: str, request: Request, payments: Payments) -> Response:
    """Settles the intent as the bank's answer would, then back to the return URL."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    completed = form.get("outcome", [""])[0] == "complete"
    target = await payments.settlement.authenticate_offline(intent_id, completed=completed)
    if target is None:
        raise NotFoundError()
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)
