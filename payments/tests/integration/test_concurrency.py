"""One payment per order against the real Mongo-wire store: the claim, the re-check after the
claim and the unique index, with concurrent requests on one order."""

import asyncio
import logging

import pytest
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.wait import wait_until

from .conftest import stripe_of

pytestmark = pytest.mark.integration

IN_PROGRESS = "A payment for this order is already in progress."
ALREADY_PAID = "This order has already been paid."


def _assert_one_payment(responses: list, winner: int = 201) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == sorted([winner] + [400] * 9)
    for response in responses:
        if response.status_code == 400:
            (error,) = response.json()["errors"]
            assert error["message"] in {IN_PROGRESS, ALREADY_PAID}


async def test_ten_concurrent_payments_make_one_intent_through_stripe(
    start_payments, stripe_standin
) -> None:
    live = await start_payments(**stripe_of(stripe_standin))
    order_id = await live.order()

    async with live.client() as client:
        responses = await asyncio.gather(*(live.pay(client, order_id) for _ in range(10)))

    _assert_one_payment(responses)
    assert len(stripe_standin.of("/v1/payment_intents")) == 1
    assert len(stripe_standin.intents) == 1
    assert await live.db.payments.count_documents({}) == 1


async def test_ten_concurrent_payments_make_one_intent_offline(start_payments, caplog) -> None:
    caplog.set_level(logging.INFO, logger="zombilet_payments.gateways.offline")
    live = await start_payments()
    order_id = await live.order()

    async with live.client() as client:
        responses = await asyncio.gather(*(live.pay(client, order_id) for _ in range(10)))

    _assert_one_payment(responses)
    calls = [r for r in caplog.records if r.getMessage() == "offline payment"]
    assert len(calls) == 1
    assert await live.db.payments.count_documents({}) == 1


async def test_ten_concurrent_payments_asking_for_authentication_make_one_intent(
    start_payments, stripe_standin
) -> None:
    live = await start_payments(**stripe_of(stripe_standin))
    order_id = await live.order()

    async with live.client() as client:
        stripe_standin.send_webhooks_to("/api/payments/webhook", client=client)
        responses = await asyncio.gather(
            *(live.pay(client, order_id, "pm_card_authenticationRequired") for _ in range(10))
        )
        _assert_one_payment(responses, winner=202)
        (intent_id,) = stripe_standin.intents
        await stripe_standin.authenticate(intent_id, completed=True)

        async def paid() -> bool:
            return await live.db.payments.count_documents({"order_id": order_id}) == 1

        await wait_until(paid, within=5)
    assert len(stripe_standin.of("/v1/payment_intents")) == 1
    assert await live.db.payments.count_documents({}) == 1


async def test_a_payment_is_found_by_its_order_on_the_mongo_wire_store(start_payments) -> None:
    # The local store cannot match a non-`_id` field holding an ObjectId, so reference ids
    # are stored as strings; this pins the lookup the "already paid" rule depends on.
    live = await start_payments()
    order_id = await live.order()
    async with live.client() as client:
        assert (await live.pay(client, order_id)).status_code == 201
        again = await live.pay(client, order_id)
    assert again.json() == {"errors": [{"message": ALREADY_PAID}]}
    assert await live.db.payments.count_documents({"order_id": order_id}) == 1


async def test_the_unique_index_refuses_a_second_payment(start_payments) -> None:
    live = await start_payments()
    doc = {"order_id": str(ObjectId()), "stripe_id": fresh_name("ch"), "version": 0}
    await live.db.payments.insert_one({**doc, "_id": ObjectId()})
    with pytest.raises(DuplicateKeyError):
        await live.db.payments.insert_one({**doc, "_id": ObjectId()})
