"""The offline gateway's authentication page (SPEC.md §7.5): pm_card_authenticationRequired
answers 202 with a next action on payments' own page, whose two buttons settle the intent as a
webhook would and send the buyer back to the order page."""

import json
from urllib.parse import parse_qs, urlsplit

from zombilet_payments.settlement import WAITING_LIMIT

NOT_FOUND = {"errors": [{"message": "Not Found"}]}


async def _waiting(payments, order_id: str) -> str:
    """Pay with the card that asks for authentication; the next action's path."""
    response = await payments.pay(order_id, "pm_card_authenticationRequired")
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"orderId", "status", "clientSecret", "nextActionUrl"}
    assert (body["orderId"], body["status"]) == (order_id, "requires_action")
    return str(body["nextActionUrl"])


def _form_answer(outcome: str) -> dict[str, object]:
    return {
        "content": f"outcome={outcome}".encode(),
        "headers": {"content-type": "application/x-www-form-urlencoded"},
    }


async def test_the_page_offers_both_answers_in_a_form_without_javascript(payments) -> None:
    order_id = await payments.order(price=16.99)
    path = await _waiting(payments, order_id)
    assert path.startswith("/api/payments/authenticate/pi_offline_")

    page = await payments.client.get(path)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<form method="post">' in page.text
    assert ">Complete authentication</button>" in page.text
    assert ">Fail authentication</button>" in page.text
    assert "16.99 GBP" in page.text
    assert "<script" not in page.text


async def test_completing_records_the_payment_and_returns_to_the_order_page(payments) -> None:
    order_id = await payments.order()
    path = await _waiting(payments, order_id)
    intent_id = path.rsplit("/", 1)[1]

    answer = await payments.client.post(path, **_form_answer("complete"))

    assert answer.status_code == 303
    # The order page of PUBLIC_URL, on the host the buyer came by (the page is on that site).
    target = urlsplit(answer.headers["location"])
    assert (target.scheme, target.netloc, target.path) == ("", "", f"/orders/{order_id}")
    assert parse_qs(target.query) == {
        "payment_intent": [intent_id],
        "redirect_status": ["succeeded"],
    }
    payment = await payments.payment(order_id)
    assert payment["stripe_id"] == intent_id
    (published,) = await payments.published("payment.created")
    assert json.loads(published[2])["orderId"] == order_id
    # Answered once: the page now sends the buyer straight back, and a second answer is moot.
    again = await payments.client.get(path)
    assert again.status_code == 303
    assert (await payments.client.post(path, **_form_answer("fail"))).status_code == 303
    assert len(await payments.published("payment.created")) == 1


async def test_failing_frees_the_order_and_says_so_on_return(payments) -> None:
    order_id = await payments.order()
    path = await _waiting(payments, order_id)

    answer = await payments.client.post(path, **_form_answer("fail"))

    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query)["redirect_status"] == ["failed"]
    assert await payments.payment(order_id) is None
    assert (await payments.replica(order_id))["intent_id"] == ""
    assert (await payments.pay(order_id, "pm_card_visa")).status_code == 201


async def test_the_return_url_follows_public_url(
    make_payments, stripe_settings, stripe_standin
) -> None:
    harness = await make_payments(settings=stripe_settings(public_url="https://zombilet.example/"))
    order_id = await harness.order()
    await harness.pay(order_id, "pm_card_authenticationRequired")
    (request,) = stripe_standin.of("/v1/payment_intents")
    assert request.form["return_url"] == f"https://zombilet.example/orders/{order_id}"


async def test_an_unknown_intent_is_not_found(payments) -> None:
    path = "/api/payments/authenticate/pi_offline_000000000000000000000000"
    assert (await payments.client.get(path)).json() == NOT_FOUND
    answer = await payments.client.post(path, **_form_answer("complete"))
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)


async def test_with_stripe_the_offline_page_does_not_exist(stripe_payments, stripe_standin) -> None:
    order_id = await stripe_payments.order()
    assert (
        await stripe_payments.pay(order_id, "pm_card_authenticationRequired")
    ).status_code == 202
    (intent_id,) = stripe_standin.intents
    answer = await stripe_payments.client.get(f"/api/payments/authenticate/{intent_id}")
    assert answer.status_code == 404


async def test_the_sweep_cancels_an_offline_authentication_nobody_answered(payments) -> None:
    order_id = await payments.order(expires_in=3600)
    path = await _waiting(payments, order_id)

    payments.clock.advance(WAITING_LIMIT.total_seconds() + 1)
    assert await payments.service.settlement.sweep() == 1

    assert (await payments.replica(order_id))["intent_id"] == ""
    assert (await payments.client.get(path)).status_code == 303
    assert (await payments.pay(order_id, "pm_card_visa")).status_code == 201
