"""Payments with STRIPE_KEY: Stripe's official library, pointed at the stand-in, creates and
confirms exactly the PaymentIntent SPEC.md §7.5 describes, and each provider answer becomes its
outcome."""

import hashlib

import pytest

from zombilet_common.testing.ports import free_port
from zombilet_payments.gateways import Unreachable

BUYER_MESSAGE_502 = {
    "errors": [{"message": "The payment provider could not be reached. Please try again."}]
}


def idempotency_key(order_id: str, token: str) -> str:
    return f"zombilet-{order_id}-{hashlib.sha256(token.encode()).hexdigest()[:32]}"


async def test_the_intent_request_is_exactly_as_specified(stripe_payments, stripe_standin) -> None:
    order_id = await stripe_payments.order(price=16.99)

    response = await stripe_payments.pay(order_id, "pm_card_visa")

    assert response.status_code == 201
    (request,) = stripe_standin.of("/v1/payment_intents")
    assert request.method == "POST"
    assert request.form == {
        "amount": "1699",
        "currency": "gbp",
        "payment_method": "pm_card_visa",
        "confirm": "true",
        "return_url": f"http://localhost:8080/orders/{order_id}",
        "description": f"Zombilet order {order_id}",
        "metadata[orderId]": order_id,
    }
    assert request.headers["idempotency-key"] == idempotency_key(order_id, "pm_card_visa")
    assert request.headers["authorization"] == "Bearer sk_test_standin"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    (intent_id,) = stripe_standin.intents
    assert intent_id.startswith("pi_")
    assert response.json()["stripeId"] == intent_id
    assert (await stripe_payments.payment(order_id))["stripe_id"] == intent_id
    assert stripe_standin.of("/v1/charges") == []


async def test_a_legacy_token_becomes_the_intents_card(stripe_payments, stripe_standin) -> None:
    order_id = await stripe_payments.order()

    response = await stripe_payments.pay(order_id, "tok_visa")

    assert response.status_code == 201
    (request,) = stripe_standin.of("/v1/payment_intents")
    assert "payment_method" not in request.form
    assert request.form["payment_method_data[type]"] == "card"
    assert request.form["payment_method_data[card][token]"] == "tok_visa"


async def test_a_confirmation_token_from_the_payment_element_pays(
    stripe_payments, stripe_standin
) -> None:
    order_id = await stripe_payments.order()
    token = stripe_standin.confirmation_token("pm_card_visa")

    response = await stripe_payments.pay(order_id, token)

    assert response.status_code == 201
    (request,) = stripe_standin.of("/v1/payment_intents")
    assert request.form["confirmation_token"] == token
    assert "payment_method" not in request.form


async def test_a_token_of_no_known_kind_is_invalid_without_asking_stripe(
    stripe_payments, stripe_standin
) -> None:
    order_id = await stripe_payments.order()
    response = await stripe_payments.pay(order_id, "card_4242")
    assert response.status_code == 402
    assert response.json() == {
        "errors": [{"message": "The payment token is invalid.", "field": "token"}]
    }
    assert stripe_standin.requests == []


async def test_currency_comes_from_stripe_currency(
    make_payments, stripe_settings, stripe_standin
) -> None:
    harness = await make_payments(settings=stripe_settings(stripe_currency="EUR"))
    order_id = await harness.order(price=10)
    assert (await harness.pay(order_id)).status_code == 201
    (request,) = stripe_standin.of("/v1/payment_intents")
    assert (request.form["currency"], request.form["amount"]) == ("eur", "1000")
    assert (await harness.payment(order_id))["currency"] == "eur"


async def test_a_repeated_request_after_a_lost_answer_pays_once(
    stripe_payments, stripe_standin
) -> None:
    order_id = await stripe_payments.order()
    # Stripe charges, then the answer is lost on the way back: the buyer sees a 502.
    stripe_standin.fail_next(500, after_processing=True)

    lost = await stripe_payments.pay(order_id, "pm_card_visa")

    assert lost.status_code == 502
    assert lost.json() == BUYER_MESSAGE_502
    assert await stripe_payments.payment(order_id) is None
    assert (await stripe_payments.replica(order_id))["claim_at"] == 0

    repeated = await stripe_payments.pay(order_id, "pm_card_visa")

    assert repeated.status_code == 201
    (intent_id,) = stripe_standin.intents
    assert repeated.json()["stripeId"] == intent_id
    keys = [r.headers["idempotency-key"] for r in stripe_standin.of("/v1/payment_intents")]
    assert keys == [idempotency_key(order_id, "pm_card_visa")] * 2


async def test_provider_decline_message_is_shown_on_the_token(
    stripe_payments, stripe_standin
) -> None:
    order_id = await stripe_payments.order()
    generic = await stripe_payments.pay(order_id, "pm_card_chargeDeclined")
    funds = await stripe_payments.pay(order_id, "pm_card_chargeDeclinedInsufficientFunds")
    assert (generic.status_code, funds.status_code) == (402, 402)
    assert generic.json() == {"errors": [{"message": "Your card was declined.", "field": "token"}]}
    assert funds.json() == {
        "errors": [{"message": "Your card has insufficient funds.", "field": "token"}]
    }
    assert {i["status"] for i in stripe_standin.intents.values()} == {"requires_payment_method"}
    assert await stripe_payments.payment(order_id) is None
    assert (await stripe_payments.pay(order_id, "tok_visa")).status_code == 201


@pytest.mark.parametrize("token", ["tok_doesnotexist", "pm_card_doesnotexist", "ctoken_unknown"])
async def test_unknown_token_is_an_invalid_token(stripe_payments, token: str) -> None:
    order_id = await stripe_payments.order()
    response = await stripe_payments.pay(order_id, token)
    assert response.status_code == 402
    assert response.json() == {
        "errors": [{"message": "The payment token is invalid.", "field": "token"}]
    }


async def test_other_refusal_is_400_with_the_providers_message(stripe_payments) -> None:
    order_id = await stripe_payments.order(price=0.2)
    response = await stripe_payments.pay(order_id, "pm_card_visa")
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "Amount must be at least £0.30 gbp"}]}
    assert await stripe_payments.payment(order_id) is None


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_provider_failure_is_502_with_nothing_stored(
    stripe_payments, stripe_standin, status: int
) -> None:
    order_id = await stripe_payments.order()
    stripe_standin.fail_next(status)

    response = await stripe_payments.pay(order_id)

    assert response.status_code == 502
    assert response.json() == BUYER_MESSAGE_502
    assert await stripe_payments.payment(order_id) is None
    assert await stripe_payments.published("payment.created") == []
    assert (await stripe_payments.replica(order_id))["claim_at"] == 0
    assert (await stripe_payments.pay(order_id)).status_code == 201


async def test_rejected_api_key_is_502(make_payments, stripe_settings, stripe_standin) -> None:
    harness = await make_payments(settings=stripe_settings(stripe_key="sk_test_wrong"))
    order_id = await harness.order()
    response = await harness.pay(order_id)
    assert response.status_code == 502
    assert await harness.payment(order_id) is None
    assert len(stripe_standin.of("/v1/payment_intents")) == 1


async def test_unreachable_provider_is_502_with_nothing_stored(
    make_payments, stripe_settings
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    harness = await make_payments(settings=stripe_settings(stripe_api_base=closed))
    order_id = await harness.order()
    response = await harness.pay(order_id)
    assert response.status_code == 502
    assert response.json() == BUYER_MESSAGE_502
    assert await harness.payment(order_id) is None
    assert (await harness.replica(order_id))["claim_at"] == 0


async def test_a_payment_that_times_out_is_unreachable(stripe_gateway_at, stripe_standin) -> None:
    # Held for up to 10 s, after which the stand-in would answer with an intent.
    gate = stripe_standin.hold_payments()
    gateway = stripe_gateway_at(stripe_standin.url, timeout=0.2)
    outcome = await gateway.pay(
        amount=100,
        currency="gbp",
        token="pm_card_visa",
        idempotency_key="k",
        metadata={},
        description="d",
        return_url="http://localhost:8080/orders/o",
    )
    gate.set()
    assert isinstance(outcome, Unreachable)
