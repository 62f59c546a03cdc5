"""Refunds (SPEC.md §7.4) through the Stripe library and the stand-in, through the intent: a
payment that lands after the cancel, a cancel of a paid order, failed refunds retried, the
sweep."""

import asyncio

from bson import ObjectId

from zombilet_common.dialect import epoch_ms
from zombilet_common.testing.wait import wait_until

CANNOT_BE_PAID = {"errors": [{"message": "This order cannot be paid."}]}


async def _pay_while_cancelled(harness, standin, order_id: str, *, fail_refund: bool = False):
    """Pay, and cancel the order while the intent is at the provider."""
    gate = standin.hold_payments()
    paying = asyncio.create_task(harness.pay(order_id, "tok_visa"))
    await wait_until(lambda: len(standin.of("/v1/payment_intents")) == 1, within=5)
    cancelled = await harness.cancel(order_id)
    assert cancelled.answers == ["ack"]  # nothing stored yet, so nothing to refund
    if fail_refund:
        standin.fail_next(500)
    gate.set()
    return await paying


async def test_payment_stored_after_the_cancel_is_refunded_at_once(
    stripe_payments, stripe_standin
) -> None:
    order_id = await stripe_payments.order()

    response = await _pay_while_cancelled(stripe_payments, stripe_standin, order_id)

    assert response.status_code == 400
    assert response.json() == CANNOT_BE_PAID
    payment = await stripe_payments.payment(order_id)
    (charge_id,) = stripe_standin.intents
    (refund_request,) = stripe_standin.of("/v1/refunds")
    assert refund_request.form == {"payment_intent": charge_id}
    assert refund_request.headers["idempotency-key"] == f"zombilet-refund-{payment['_id']}"
    (refund_id,) = stripe_standin.refunds
    assert (payment["stripe_id"], payment["refunded"], payment["refund_id"]) == (
        charge_id,
        True,
        refund_id,
    )
    assert payment["version"] == 1


async def test_cancel_of_a_charged_order_refunds_through_stripe_once(
    stripe_payments, stripe_standin
) -> None:
    order_id = await stripe_payments.order()
    payment_id = (await stripe_payments.pay(order_id)).json()["id"]

    answers = [(await stripe_payments.cancel(order_id, num_delivered=n)).answers for n in (1, 2, 3)]

    assert answers == [["ack"]] * 3
    (request,) = stripe_standin.of("/v1/refunds")
    assert request.headers["idempotency-key"] == f"zombilet-refund-{payment_id}"
    assert len(stripe_standin.refunds) == 1
    assert (await stripe_payments.payment(order_id))["refunded"] is True


async def test_a_failed_refund_naks_and_the_redelivery_refunds(
    stripe_payments, stripe_standin
) -> None:
    order_id = await stripe_payments.order()
    await stripe_payments.pay(order_id)
    stripe_standin.fail_next(500)

    failed = await stripe_payments.cancel(order_id, num_delivered=1)

    assert failed.answers == ["nak"]
    assert failed.nak_delays == [0.25]
    assert (await stripe_payments.payment(order_id))["refunded"] is False
    assert (await stripe_payments.replica(order_id))["status"] == "cancelled"

    redelivered = await stripe_payments.cancel(order_id, num_delivered=2)

    assert redelivered.answers == ["ack"]
    assert (await stripe_payments.payment(order_id))["refunded"] is True
    assert len(stripe_standin.refunds) == 1


async def test_the_sweep_refunds_what_the_late_payment_could_not(
    stripe_payments, stripe_standin
) -> None:
    order_id = await stripe_payments.order()
    response = await _pay_while_cancelled(
        stripe_payments, stripe_standin, order_id, fail_refund=True
    )
    assert response.json() == CANNOT_BE_PAID
    assert (await stripe_payments.payment(order_id))["refunded"] is False

    assert await stripe_payments.compensation.sweep() == 1

    payment = await stripe_payments.payment(order_id)
    assert payment["refunded"] is True
    assert payment["refund_id"] in stripe_standin.refunds
    assert await stripe_payments.compensation.sweep() == 0
    assert len(stripe_standin.refunds) == 1


async def test_the_sweep_refunds_a_payment_left_by_a_crash(payments) -> None:
    # The process stored the payment, then died before re-reading the replica; the cancel had
    # been applied before the payment existed, so no listener will refund it.
    order_id = await payments.order()
    await payments.pay(order_id)
    await payments.db.order_replicas.update_one(
        {"_id": ObjectId(order_id)}, {"$set": {"status": "cancelled", "reconcile": True}}
    )

    assert await payments.compensation.sweep() == 1

    assert (await payments.payment(order_id))["refunded"] is True
    assert (await payments.replica(order_id))["reconcile"] is False


async def test_the_sweep_leaves_a_live_claim_alone(payments) -> None:
    order_id = await payments.order()
    now_ms = epoch_ms(payments.clock())
    await payments.replicas.claim(order_id, "charging-now", now_ms)
    await payments.db.order_replicas.update_one(
        {"_id": ObjectId(order_id)}, {"$set": {"status": "cancelled"}}
    )

    await payments.compensation.sweep()

    # The request holding the claim may still store a payment: look again next time.
    assert (await payments.replica(order_id))["reconcile"] is True


async def test_a_second_charge_for_a_paid_order_is_refunded(
    stripe_payments, stripe_standin
) -> None:
    order_id = await stripe_payments.order()
    gate = stripe_standin.hold_payments()
    paying = asyncio.create_task(stripe_payments.pay(order_id, "tok_visa"))
    await wait_until(lambda: len(stripe_standin.of("/v1/payment_intents")) == 1, within=5)
    # Meanwhile another payment for the order was stored (a request whose claim had expired).
    await stripe_payments.db.payments.insert_one(
        {
            "_id": ObjectId(),
            "order_id": order_id,
            "stripe_id": "pi_other",
            "amount": 1699,
            "currency": "gbp",
            "refunded": False,
            "refund_id": None,
            "version": 0,
        }
    )
    gate.set()

    response = await paying

    assert response.json() == {"errors": [{"message": "This order has already been paid."}]}
    (charge_id,) = stripe_standin.intents
    (refund,) = stripe_standin.of("/v1/refunds")
    assert refund.form == {"payment_intent": charge_id}
    assert refund.headers["idempotency-key"] == f"zombilet-refund-{charge_id}"
    assert await stripe_payments.db.payments.count_documents({}) == 1
