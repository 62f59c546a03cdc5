"""The stand-ins answer the official client libraries as the real providers do."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from zombilet_common.standins.sendgrid import SendGridStandIn
from zombilet_common.standins.stripe import StripeStandIn

# common declares neither library: payments brings stripe and contact brings sendgrid into the
# workspace environment.
stripe = pytest.importorskip("stripe")
sendgrid = pytest.importorskip("sendgrid")
sendgrid_mail = pytest.importorskip("sendgrid.helpers.mail")


@pytest.fixture
async def stripe_standin() -> AsyncIterator[StripeStandIn]:
    async with StripeStandIn().running() as standin:
        yield standin


@pytest.fixture
async def sendgrid_standin() -> AsyncIterator[SendGridStandIn]:
    async with SendGridStandIn().running() as standin:
        yield standin


def _stripe_client(standin: StripeStandIn) -> Any:
    # The synchronous client, run in a worker thread: the stand-in serves on this test's loop.
    return stripe.StripeClient(
        StripeStandIn.API_KEY, base_addresses={"api": standin.url}, max_network_retries=0
    )


def _pay(standin: StripeStandIn, payment_method: str, idempotency_key: str) -> Any:
    return _stripe_client(standin).v1.payment_intents.create(
        {
            "amount": 1699,
            "currency": "gbp",
            "payment_method": payment_method,
            "confirm": True,
            "return_url": "http://shop.test/orders/o1",
            "metadata": {"orderId": "o1"},
        },
        options={"idempotency_key": idempotency_key},
    )


async def test_stripe_pays_an_intent_once_per_idempotency_key(
    stripe_standin: StripeStandIn,
) -> None:
    first = await asyncio.to_thread(_pay, stripe_standin, "pm_card_visa", "order-o1")
    again = await asyncio.to_thread(_pay, stripe_standin, "pm_card_visa", "order-o1")

    assert (first.id, first.status, first.amount) == (again.id, "succeeded", 1699)
    assert list(stripe_standin.intents) == [first.id]
    requests = stripe_standin.of("/v1/payment_intents")
    assert [r.headers["idempotency-key"] for r in requests] == ["order-o1", "order-o1"]
    assert requests[0].form["metadata[orderId]"] == "o1"
    assert [e["type"] for e in stripe_standin.events_of(first.id)] == ["payment_intent.succeeded"]


async def test_stripe_declines_a_declined_card(stripe_standin: StripeStandIn) -> None:
    with pytest.raises(stripe.CardError) as declined:
        await asyncio.to_thread(_pay, stripe_standin, "pm_card_chargeDeclined", "order-o2")

    assert (declined.value.http_status, declined.value.code) == (402, "card_declined")
    (intent,) = stripe_standin.intents.values()
    assert intent["status"] == "requires_payment_method"


async def test_stripe_asks_for_authentication_then_settles_the_intent(
    stripe_standin: StripeStandIn,
) -> None:
    waiting = await asyncio.to_thread(
        _pay, stripe_standin, "pm_card_authenticationRequired", "order-o3"
    )
    assert waiting.status == "requires_action"
    assert waiting.next_action.redirect_to_url.url.endswith(f"/authenticate/{waiting.id}")

    await stripe_standin.authenticate(waiting.id, completed=True)

    settled = await asyncio.to_thread(
        _stripe_client(stripe_standin).v1.payment_intents.retrieve, waiting.id
    )
    assert settled.status == "succeeded"
    assert [e["type"] for e in stripe_standin.events_of(waiting.id)] == [
        "payment_intent.requires_action",
        "payment_intent.succeeded",
    ]


async def test_sendgrid_send_is_recorded_and_accepted(sendgrid_standin: SendGridStandIn) -> None:
    mail = sendgrid_mail.Mail(
        from_email="tickets@zombilet.test",
        to_emails="buyer@example.com",
        subject="Ticket Created | Zombilet",
        plain_text_content="Ghouls, £16.99",
    )
    client = sendgrid.SendGridAPIClient("SG.stand-in-key", host=sendgrid_standin.host)

    # The library is synchronous; a worker thread keeps this test's loop free to serve it.
    response = await asyncio.to_thread(client.send, mail)

    assert response.status_code == 202
    (request,) = sendgrid_standin.requests
    assert request.path == "/v3/mail/send"
    assert request.headers["authorization"] == "Bearer SG.stand-in-key"
    assert request.body == mail.get()
