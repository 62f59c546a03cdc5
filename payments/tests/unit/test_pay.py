"""POST /api/payments with the offline gateway: SPEC.md §7.2 lookups, state rules in order,
the claim, the outcomes (§7.5), and the payment stored with its `payment.created`."""

import json
from typing import Any

import pytest
from bson import ObjectId

from zombilet_common.dialect import epoch_ms
from zombilet_payments.repository import OrderReplicaRepository

CANNOT_BE_PAID = {"errors": [{"message": "This order cannot be paid."}]}
ALREADY_PAID = {"errors": [{"message": "This order has already been paid."}]}
EXPIRED = {"errors": [{"message": "This order has expired."}]}
IN_PROGRESS = {"errors": [{"message": "A payment for this order is already in progress."}]}
DECLINED = {"errors": [{"message": "Your card was declined.", "field": "token"}]}
INVALID_TOKEN = {"errors": [{"message": "The payment token is invalid.", "field": "token"}]}


@pytest.mark.parametrize("token", ["pm_card_visa", "tok_visa"])
async def test_a_succeeding_card_pays_the_order(payments, token: str) -> None:
    order_id = await payments.order(price=16.99)

    response = await payments.pay(order_id, token)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "orderId", "stripeId"}
    assert body["orderId"] == order_id
    assert body["stripeId"].startswith("pi_offline_")
    assert len(body["stripeId"]) == len("pi_offline_") + 24
    stored = await payments.payment(order_id)
    assert stored["_id"] == ObjectId(body["id"])
    assert (stored["stripe_id"], stored["amount"], stored["currency"]) == (
        body["stripeId"],
        1699,
        "gbp",
    )
    assert (stored["refunded"], stored["refund_id"], stored["version"]) == (False, None, 0)


async def test_payment_publishes_payment_created_at_version_0(payments) -> None:
    order_id = await payments.order()
    body = (await payments.pay(order_id)).json()

    (published,) = await payments.published("payment.created")

    assert published[1] == f"payment.created:{body['id']}:0"
    assert json.loads(published[2]) == {
        "id": body["id"],
        "version": 0,
        "orderId": order_id,
        "stripeId": body["stripeId"],
    }
    assert (await payments.payment(order_id))["outbox_pending"] == 0


async def test_unknown_order_is_not_found(payments) -> None:
    response = await payments.pay(str(ObjectId()))
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}


async def test_another_users_order_is_not_authorized(payments) -> None:
    order_id = await payments.order(user_id=str(ObjectId()))
    response = await payments.pay(order_id)
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Not authorized"}]}
    assert await payments.payment(order_id) is None


async def test_cancelled_order_cannot_be_paid(payments) -> None:
    order_id = await payments.order()
    await payments.cancel(order_id)
    response = await payments.pay(order_id)
    assert response.status_code == 400
    assert response.json() == CANNOT_BE_PAID


async def test_completed_order_has_already_been_paid(payments) -> None:
    order_id = await payments.order()
    await payments.complete(order_id)
    response = await payments.pay(order_id)
    assert response.json() == ALREADY_PAID


async def test_a_paid_order_is_not_charged_again(payments) -> None:
    order_id = await payments.order()
    first = await payments.pay(order_id, "tok_visa")
    again = await payments.pay(order_id, "tok_visa")
    assert first.status_code == 201
    assert again.status_code == 400
    assert again.json() == ALREADY_PAID
    assert await payments.db.offline_gateway.count_documents({"kind": "intent"}) == 1


async def test_expired_order_is_refused(payments) -> None:
    order_id = await payments.order(expires_in=-1)
    response = await payments.pay(order_id)
    assert response.status_code == 400
    assert response.json() == EXPIRED
    assert await payments.db.offline_gateway.count_documents({}) == 0


async def test_cancelled_comes_before_expired(payments) -> None:
    order_id = await payments.order(expires_in=-1)
    await payments.cancel(order_id)
    assert (await payments.pay(order_id)).json() == CANNOT_BE_PAID


async def test_already_paid_comes_before_expired(payments) -> None:
    order_id = await payments.order(expires_in=-1)
    await payments.complete(order_id)
    assert (await payments.pay(order_id)).json() == ALREADY_PAID


async def test_ownership_comes_before_the_state(payments) -> None:
    order_id = await payments.order(user_id=str(ObjectId()), expires_in=-1)
    await payments.cancel(order_id)
    assert (await payments.pay(order_id)).status_code == 401


@pytest.mark.parametrize("token", ["pm_card_chargeDeclined", "tok_chargeDeclined"])
async def test_declined_card_is_402_on_the_token_and_the_order_stays_payable(
    payments, token: str
) -> None:
    order_id = await payments.order()

    declined = await payments.pay(order_id, token)

    assert declined.status_code == 402
    assert declined.json() == DECLINED
    assert await payments.payment(order_id) is None
    assert (await payments.replica(order_id))["claim_at"] == 0
    paid = await payments.pay(order_id, "tok_visa")
    assert paid.status_code == 201


@pytest.mark.parametrize("token", ["tok_unknown", "tok_visa_x", "garbage", "pm_card_visa_x"])
async def test_invalid_token_is_402_on_the_token(payments, token: str) -> None:
    order_id = await payments.order()
    response = await payments.pay(order_id, token)
    assert response.status_code == 402
    assert response.json() == INVALID_TOKEN
    assert await payments.payment(order_id) is None
    assert (await payments.pay(order_id, "tok_visa")).status_code == 201


async def test_token_is_trimmed_before_the_charge(payments) -> None:
    order_id = await payments.order()
    assert (await payments.pay(order_id, "  pm_card_visa\n")).status_code == 201


async def test_a_live_claim_means_a_payment_in_progress(payments) -> None:
    order_id = await payments.order()
    now_ms = epoch_ms(payments.clock())
    assert await payments.replicas.claim(order_id, "another-request", now_ms - 1000)

    response = await payments.pay(order_id)

    assert response.status_code == 400
    assert response.json() == IN_PROGRESS
    assert (await payments.replica(order_id))["claim_id"] == "another-request"


async def test_a_claim_older_than_120_s_is_taken_over(payments) -> None:
    order_id = await payments.order()
    now_ms = epoch_ms(payments.clock())
    assert await payments.replicas.claim(order_id, "a-dead-request", now_ms - 121_000)

    response = await payments.pay(order_id)

    assert response.status_code == 201
    assert (await payments.replica(order_id))["claim_at"] == 0


async def test_a_shorter_claim_lapse_lets_the_next_request_take_over_sooner(payments) -> None:
    order_id = await payments.order()
    now_ms = epoch_ms(payments.clock())
    assert await payments.replicas.claim(order_id, "a-dead-request", now_ms - 3_000)
    quick = OrderReplicaRepository(payments.db, claim_ttl_ms=2_000)

    assert not await payments.replicas.claim(order_id, "next", now_ms)
    assert await quick.claim(order_id, "next", now_ms)


async def test_a_claim_won_after_another_request_paid_says_already_paid(
    payments, monkeypatch
) -> None:
    order_id = await payments.order()
    claim = OrderReplicaRepository.claim

    async def another_request_pays_first(self: OrderReplicaRepository, *args: Any) -> bool:
        # This request passed the state checks; another one claims, charges, stores and
        # releases before this one claims.
        monkeypatch.setattr(OrderReplicaRepository, "claim", claim)
        assert (await payments.pay(order_id, "tok_visa")).status_code == 201
        return await claim(self, *args)

    monkeypatch.setattr(OrderReplicaRepository, "claim", another_request_pays_first)
    response = await payments.pay(order_id, "tok_visa")

    assert response.json() == ALREADY_PAID
    assert await payments.db.offline_gateway.count_documents({"kind": "intent"}) == 1


async def test_the_claim_is_released_after_every_outcome(payments) -> None:
    order_id = await payments.order()
    for token in ("pm_card_chargeDeclined", "tok_nope", "pm_card_visa"):
        await payments.pay(order_id, token)
        replica = await payments.replica(order_id)
        assert (replica["claim_at"], replica["claim_id"]) == (0, "")


async def test_amount_is_the_price_rounded_to_minor_units(payments) -> None:
    order_id = await payments.order(price=0.29 + 0.01 * 3)  # 0.32000000000000006
    await payments.pay(order_id)
    assert (await payments.payment(order_id))["amount"] == 32


async def test_a_replica_stored_before_intents_were_held_can_be_paid(payments) -> None:
    order_id = await payments.order()
    await payments.db.order_replicas.update_one(
        {"_id": ObjectId(order_id)}, {"$unset": {"intent_id": "", "intent_at": ""}}
    )
    assert (await payments.pay(order_id)).status_code == 201
