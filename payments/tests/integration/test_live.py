"""Payments with its real lifespan: order events over JetStream, the Mongo-wire store, the
payment event out, and the refunds of SPEC.md §7.4."""

import asyncio

import pytest
from bson import ObjectId

from zombilet_common.events import OrderCompletedEvent, OrderTicketRef
from zombilet_common.testing.wait import wait_until
from zombilet_payments.settlement import WAITING_LIMIT

from .conftest import stripe_of

pytestmark = pytest.mark.integration


async def test_a_replicated_order_is_paid_and_payment_created_published(start_payments) -> None:
    live = await start_payments()
    published = await live.bus.watch("payment.created")
    order_id = await live.order(price=12.5)

    async with live.client() as client:
        response = await live.pay(client, order_id)

    assert response.status_code == 201
    payment = response.json()
    await wait_until(lambda: len(published) == 1, within=5)
    assert published[0]["msg_id"] == f"payment.created:{payment['id']}:0"
    assert published[0]["data"] == {
        "id": payment["id"],
        "version": 0,
        "orderId": order_id,
        "stripeId": payment["stripeId"],
    }
    stored = await live.db.payments.find_one({"_id": ObjectId(payment["id"])})
    assert (stored["amount"], stored["stripe_id"]) == (1250, payment["stripeId"])

    async def outbox_cleared() -> bool:
        doc = await live.db.payments.find_one({"_id": ObjectId(payment["id"])})
        return doc["outbox_pending"] == 0

    # The relay clears the entry once JetStream has acked it, just after subscribers see it.
    await wait_until(outbox_cleared, within=5)


async def test_order_completed_makes_the_replica_complete(start_payments) -> None:
    live = await start_payments()
    order_id = await live.order()
    await live.bus.publish(
        OrderCompletedEvent(
            id=order_id,
            version=1,
            status="complete",
            user_id=live.buyer,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )
    )

    async def complete() -> bool:
        doc = await live.db.order_replicas.find_one({"_id": ObjectId(order_id)})
        return doc["status"] == "complete" and doc["version"] == 1

    await wait_until(complete, within=5)
    async with live.client() as client:
        response = await live.pay(client, order_id)
    assert response.json() == {"errors": [{"message": "This order has already been paid."}]}


async def test_a_payment_landing_just_after_the_cancel_is_refunded(
    start_payments, stripe_standin
) -> None:
    live = await start_payments(**stripe_of(stripe_standin))
    order_id = await live.order()
    gate = stripe_standin.hold_payments()

    async with live.client() as client:
        paying = asyncio.create_task(live.pay(client, order_id))
        await wait_until(lambda: len(stripe_standin.of("/v1/payment_intents")) == 1, within=5)
        await live.bus.publish(live.cancelled(order_id))

        async def replica_cancelled() -> bool:
            doc = await live.db.order_replicas.find_one({"_id": ObjectId(order_id)})
            return doc["status"] == "cancelled"

        await wait_until(replica_cancelled, within=5)
        gate.set()
        response = await paying

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "This order cannot be paid."}]}
    payment = await live.db.payments.find_one({"order_id": order_id})
    (refund,) = stripe_standin.of("/v1/refunds")
    assert refund.headers["idempotency-key"] == f"zombilet-refund-{payment['_id']}"
    assert (bool(payment["refunded"]), payment["version"]) == (True, 1)
    assert payment["refund_id"] in stripe_standin.refunds


async def test_a_redelivered_cancel_of_a_paid_order_refunds_once(
    start_payments, stripe_standin
) -> None:
    live = await start_payments(**stripe_of(stripe_standin))
    order_id = await live.order()
    async with live.client() as client:
        payment_id = (await live.pay(client, order_id)).json()["id"]

    cancel = live.cancelled(order_id)
    await live.bus.publish(cancel, msg_id="first-delivery")
    last = await live.bus.publish(cancel, msg_id="second-delivery")
    await wait_until(lambda: live.bus.acked_up_to("payments-order-cancelled", last), within=5)

    # Both deliveries may be handled at once and both ask: with one key, Stripe refunds once.
    requests = stripe_standin.of("/v1/refunds")
    assert {r.headers["idempotency-key"] for r in requests} == {f"zombilet-refund-{payment_id}"}
    (refund_id,) = stripe_standin.refunds
    payment = await live.db.payments.find_one({"_id": ObjectId(payment_id)})
    assert (bool(payment["refunded"]), payment["refund_id"], payment["version"]) == (
        True,
        refund_id,
        1,
    )


async def test_a_payment_left_unrefunded_by_a_crash_is_refunded_at_start(start_payments) -> None:
    live = await start_payments()
    order_id = await live.order()
    async with live.client() as client:
        assert (await live.pay(client, order_id)).status_code == 201
    # As if the cancel had been applied before the payment was stored and the process died
    # before it re-read the replica: nothing but the sweep will refund it.
    await live.db.order_replicas.update_one(
        {"_id": ObjectId(order_id)}, {"$set": {"status": "cancelled", "version": 1}}
    )

    restarted = await start_payments()

    async def refunded() -> bool:
        doc = await restarted.db.payments.find_one({"order_id": order_id})
        return bool(doc["refunded"]) and doc["refund_id"].startswith("re_offline_")

    await wait_until(refunded, within=5)


async def test_readyz_reports_mongo_and_nats(start_payments) -> None:
    live = await start_payments()
    async with live.client() as client:
        response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


async def test_an_authenticated_payment_is_recorded_from_the_webhook_on_the_store(
    start_payments, stripe_standin
) -> None:
    live = await start_payments(**stripe_of(stripe_standin))
    published = await live.bus.watch("payment.created")
    order_id = await live.order()

    async with live.client() as client:
        stripe_standin.send_webhooks_to("/api/payments/webhook", client=client)
        waiting = await live.pay(client, order_id, "pm_card_authenticationRequired")
        assert waiting.status_code == 202
        (intent_id,) = stripe_standin.intents
        held = await live.pay(client, order_id, "pm_card_visa")
        assert held.json() == {
            "errors": [{"message": "A payment for this order is already in progress."}]
        }

        await stripe_standin.authenticate(intent_id, completed=True)
        await wait_until(lambda: len(published) == 1, within=5)

    assert published[0]["data"]["stripeId"] == intent_id
    replica = await live.db.order_replicas.find_one({"_id": ObjectId(order_id)})
    assert (replica["intent_id"], replica["intent_at"]) == ("", 0)


async def test_the_sweep_finds_a_waiting_intent_on_the_store(start_payments) -> None:
    live = await start_payments()
    order_id = await live.order(expires_in=3600)
    async with live.client() as client:
        assert (
            await live.pay(client, order_id, "pm_card_authenticationRequired")
        ).status_code == 202
    replica = await live.db.order_replicas.find_one({"_id": ObjectId(order_id)})
    assert replica["intent_id"].startswith("pi_offline_")
    # As if the buyer had left the bank's page eleven minutes ago.
    aged = replica["intent_at"] - int(WAITING_LIMIT.total_seconds() * 1000) - 60_000
    await live.db.order_replicas.update_one(
        {"_id": ObjectId(order_id)}, {"$set": {"intent_at": aged}}
    )

    assert await live.app.state.payments.settlement.sweep() == 1

    replica = await live.db.order_replicas.find_one({"_id": ObjectId(order_id)})
    assert (replica["intent_id"], replica["intent_at"]) == ("", 0)
    async with live.client() as client:
        assert (await live.pay(client, order_id, "pm_card_visa")).status_code == 201


async def test_a_replica_stored_before_intents_were_held_can_be_paid_on_the_store(
    start_payments,
) -> None:
    live = await start_payments()
    order_id = await live.order()
    await live.db.order_replicas.update_one(
        {"_id": ObjectId(order_id)}, {"$unset": {"intent_id": "", "intent_at": ""}}
    )
    async with live.client() as client:
        assert (await live.pay(client, order_id)).status_code == 201
