"""3-D Secure and Stripe's signed webhooks (SPEC.md §7.5), through the official library and the
stand-in: an intent that asks for authentication holds the order, its webhook records the
payment once however often and in whatever order events come, a bad signature changes
nothing, a late success is refunded, and the sweep settles what no webhook told us."""

import asyncio
import json

import pytest

from zombilet_common.standins.stripe import signature_header
from zombilet_common.testing.wait import wait_until
from zombilet_payments.settlement import WAITING_LIMIT

AUTHENTICATE = "pm_card_authenticationRequired"
IN_PROGRESS = {"errors": [{"message": "A payment for this order is already in progress."}]}
BAD_SIGNATURE = {"errors": [{"message": "The webhook signature is invalid."}]}
WEBHOOK = "/api/payments/webhook"


async def _authenticating(harness, order_id: str) -> dict:
    """Pay with the card that asks for authentication; the 202's body."""
    response = await harness.pay(order_id, AUTHENTICATE)
    assert response.status_code == 202, response.text
    return response.json()


async def _authenticated_unannounced(harness, standin) -> tuple[str, str]:
    """An order whose intent the buyer authenticated while no webhook was sent; (order id,
    intent id). The stand-in keeps its events for the test to deliver."""
    standin.pause_webhooks()
    order_id = await harness.order()
    await _authenticating(harness, order_id)
    (intent_id,) = standin.intents
    await standin.authenticate(intent_id, completed=True)
    return order_id, intent_id


async def _paid(harness, order_id: str) -> dict:
    async def stored() -> bool:
        return await harness.payment(order_id) is not None

    await wait_until(stored, within=5)
    return await harness.payment(order_id)


async def test_authentication_required_answers_202_and_holds_the_order(
    stripe_webhooks, stripe_standin
) -> None:
    order_id = await stripe_webhooks.order()

    body = await _authenticating(stripe_webhooks, order_id)

    (intent_id,) = stripe_standin.intents
    intent = stripe_standin.intents[intent_id]
    assert body == {
        "orderId": order_id,
        "status": "requires_action",
        "clientSecret": intent["client_secret"],
        "nextActionUrl": intent["next_action"]["redirect_to_url"]["url"],
    }
    replica = await stripe_webhooks.replica(order_id)
    assert (replica["intent_id"], replica["claim_at"]) == (intent_id, 0)
    again = await stripe_webhooks.pay(order_id, "pm_card_visa")
    assert (again.status_code, again.json()) == (400, IN_PROGRESS)
    assert len(stripe_standin.intents) == 1
    assert await stripe_webhooks.payment(order_id) is None


async def test_completed_authentication_records_the_payment_from_the_webhook(
    stripe_webhooks, stripe_standin
) -> None:
    order_id = await stripe_webhooks.order(price=16.99)
    await _authenticating(stripe_webhooks, order_id)
    (intent_id,) = stripe_standin.intents

    await stripe_standin.authenticate(intent_id, completed=True)

    payment = await _paid(stripe_webhooks, order_id)
    assert (payment["stripe_id"], payment["amount"], payment["currency"]) == (
        intent_id,
        1699,
        "gbp",
    )
    (published,) = await stripe_webhooks.published("payment.created")
    assert json.loads(published[2])["stripeId"] == intent_id
    replica = await stripe_webhooks.replica(order_id)
    assert (replica["intent_id"], replica["intent_at"]) == ("", 0)
    assert (await stripe_webhooks.pay(order_id)).json() == {
        "errors": [{"message": "This order has already been paid."}]
    }


async def test_failed_authentication_frees_the_order_for_another_card(
    stripe_webhooks, stripe_standin
) -> None:
    order_id = await stripe_webhooks.order()
    await _authenticating(stripe_webhooks, order_id)
    (intent_id,) = stripe_standin.intents

    await stripe_standin.authenticate(intent_id, completed=False)

    async def released() -> bool:
        return (await stripe_webhooks.replica(order_id))["intent_id"] == ""

    await wait_until(released, within=5)
    assert await stripe_webhooks.payment(order_id) is None
    assert await stripe_webhooks.published("payment.created") == []
    paid = await stripe_webhooks.pay(order_id, "pm_card_visa")
    assert paid.status_code == 201
    assert paid.json()["stripeId"] != intent_id


async def test_an_event_delivered_twice_and_out_of_order_pays_once(
    stripe_webhooks, stripe_standin
) -> None:
    order_id, intent_id = await _authenticated_unannounced(stripe_webhooks, stripe_standin)
    requires_action, succeeded = stripe_standin.events_of(intent_id)

    # Stripe repeats events and does not keep their order: the success twice at once, again
    # later, and the older event last.
    first = await asyncio.gather(*(stripe_standin.deliver(succeeded) for _ in range(2)))
    later = [await stripe_standin.deliver(succeeded), await stripe_standin.deliver(requires_action)]

    assert first + later == [200, 200, 200, 200]
    assert await stripe_webhooks.db.payments.count_documents({}) == 1
    assert (await stripe_webhooks.payment(order_id))["stripe_id"] == intent_id
    assert len(await stripe_webhooks.published("payment.created")) == 1
    assert await stripe_webhooks.db.webhook_events.count_documents({}) == 1


async def test_a_success_that_the_request_and_the_webhook_both_record_is_one_payment(
    stripe_webhooks, stripe_standin
) -> None:
    order_id = await stripe_webhooks.order()

    response = await stripe_webhooks.pay(order_id, "pm_card_visa")

    assert response.status_code == 201
    await wait_until(lambda: len(stripe_standin.deliveries) == 1, within=5)
    assert stripe_standin.deliveries[0].status == 200
    assert await stripe_webhooks.db.payments.count_documents({}) == 1
    assert len(await stripe_webhooks.published("payment.created")) == 1


@pytest.mark.parametrize("signature", ["wrong secret", "no header", "garbage header"])
async def test_a_bad_signature_is_refused_and_changes_nothing(
    stripe_webhooks, stripe_standin, signature: str
) -> None:
    order_id, intent_id = await _authenticated_unannounced(stripe_webhooks, stripe_standin)
    succeeded = stripe_standin.events_of(intent_id)[-1]

    if signature == "wrong secret":
        status = await stripe_standin.deliver(succeeded, secret="whsec_someone_else")
        body = None
    else:
        headers = {"content-type": "application/json"}
        if signature == "garbage header":
            headers["stripe-signature"] = "t=1,v1=00"
        answer = await stripe_webhooks.client.post(
            WEBHOOK, content=json.dumps(succeeded).encode(), headers=headers
        )
        status, body = answer.status_code, answer.json()

    assert status == 400
    if body is not None:
        assert body == BAD_SIGNATURE
    assert await stripe_webhooks.payment(order_id) is None
    assert await stripe_webhooks.published("payment.created") == []
    assert await stripe_webhooks.db.webhook_events.count_documents({}) == 0
    assert (await stripe_webhooks.replica(order_id))["intent_id"] == intent_id
    # The genuine delivery still counts afterwards.
    assert await stripe_standin.deliver(succeeded) == 200
    assert (await stripe_webhooks.payment(order_id))["stripe_id"] == intent_id


async def test_a_wrong_secret_answers_in_the_envelope(stripe_webhooks) -> None:
    answer = await stripe_webhooks.client.post(
        WEBHOOK, content=b"{}", headers={"stripe-signature": "t=1,v1=abc"}
    )
    assert (answer.status_code, answer.json()) == (400, BAD_SIGNATURE)
    assert answer.headers["content-type"] == "application/json"


async def test_an_event_of_another_type_is_acknowledged_and_ignored(
    stripe_webhooks, stripe_standin
) -> None:
    stripe_standin.pause_webhooks()
    order_id = await stripe_webhooks.order()
    await _authenticating(stripe_webhooks, order_id)
    (event,) = stripe_standin.events

    assert await stripe_standin.deliver({**event, "type": "charge.dispute.created"}) == 200
    assert (await stripe_webhooks.replica(order_id))["intent_id"] != ""


async def test_the_offline_gateway_refuses_every_webhook(payments) -> None:
    answer = await payments.client.post(
        WEBHOOK, content=b"{}", headers={"stripe-signature": "t=1,v1=abc"}
    )
    assert (answer.status_code, answer.json()) == (400, BAD_SIGNATURE)


async def test_a_success_after_the_order_expired_is_refunded_through_the_intent(
    stripe_webhooks, stripe_standin
) -> None:
    order_id = await stripe_webhooks.order()
    await _authenticating(stripe_webhooks, order_id)
    (intent_id,) = stripe_standin.intents
    # The window ends while the buyer is still at the bank: orders cancels the order.
    cancelled = await stripe_webhooks.cancel(order_id)
    assert cancelled.answers == ["ack"]

    await stripe_standin.authenticate(intent_id, completed=True)

    async def refunded() -> bool:
        payment = await stripe_webhooks.payment(order_id)
        return payment is not None and bool(payment["refunded"])

    await wait_until(refunded, within=5)
    (refund,) = stripe_standin.of("/v1/refunds")
    payment = await stripe_webhooks.payment(order_id)
    assert refund.form == {"payment_intent": intent_id}
    assert refund.headers["idempotency-key"] == f"zombilet-refund-{payment['_id']}"
    assert payment["refund_id"] in stripe_standin.refunds


async def test_the_sweep_settles_a_success_whose_webhook_never_came(
    stripe_webhooks, stripe_standin
) -> None:
    order_id, intent_id = await _authenticated_unannounced(stripe_webhooks, stripe_standin)
    settlement = stripe_webhooks.service.settlement

    stripe_webhooks.clock.advance(WAITING_LIMIT.total_seconds() - 1)
    assert await settlement.sweep() == 0
    assert stripe_standin.of(f"/v1/payment_intents/{intent_id}") == []

    stripe_webhooks.clock.advance(2)
    assert await settlement.sweep() == 1

    assert (await stripe_webhooks.payment(order_id))["stripe_id"] == intent_id
    assert len(await stripe_webhooks.published("payment.created")) == 1
    assert (await stripe_webhooks.replica(order_id))["intent_id"] == ""
    assert await settlement.sweep() == 0


async def test_the_sweep_cancels_an_authentication_nobody_finished(
    stripe_webhooks, stripe_standin
) -> None:
    stripe_standin.pause_webhooks()
    order_id = await stripe_webhooks.order(expires_in=3600)
    await _authenticating(stripe_webhooks, order_id)
    (intent_id,) = stripe_standin.intents

    stripe_webhooks.clock.advance(WAITING_LIMIT.total_seconds() + 1)
    assert await stripe_webhooks.service.settlement.sweep() == 1

    assert stripe_standin.intents[intent_id]["status"] == "canceled"
    assert (await stripe_webhooks.replica(order_id))["intent_id"] == ""
    assert await stripe_webhooks.payment(order_id) is None
    assert (await stripe_webhooks.pay(order_id, "pm_card_visa")).status_code == 201


async def test_the_sweep_leaves_an_intent_alone_while_stripe_is_unreachable(
    stripe_webhooks, stripe_standin
) -> None:
    stripe_standin.pause_webhooks()
    order_id = await stripe_webhooks.order()
    await _authenticating(stripe_webhooks, order_id)
    stripe_webhooks.clock.advance(WAITING_LIMIT.total_seconds() + 1)
    stripe_standin.fail_next(503)

    assert await stripe_webhooks.service.settlement.sweep() == 0

    assert (await stripe_webhooks.replica(order_id))["intent_id"] != ""


async def test_a_signed_event_without_an_intent_is_refused_in_the_envelope(
    stripe_webhooks, stripe_standin
) -> None:
    event = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {}}
    payload = json.dumps(event).encode()

    answer = await stripe_webhooks.client.post(
        WEBHOOK,
        content=payload,
        headers={"stripe-signature": signature_header(payload, stripe_standin.WEBHOOK_SECRET)},
    )

    assert (answer.status_code, answer.json()) == (
        400,
        {"errors": [{"message": "The webhook event is malformed."}]},
    )
    assert await stripe_webhooks.db.webhook_events.count_documents({}) == 0
