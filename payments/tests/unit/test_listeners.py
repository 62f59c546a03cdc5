"""The order replica (SPEC.md §8.3) and compensation (§7.4), through the listeners with fake
JetStream messages that record their answers."""

from datetime import timedelta

from bson import ObjectId

from zombilet_common.dialect import as_utc
from zombilet_common.events import OrderCreatedEvent, OrderTicket
from zombilet_common.testing.messages import FakeMessage


async def test_order_created_stores_the_replica_at_version_0(payments) -> None:
    order_id = await payments.order(price=25.5)

    replica = await payments.replica(order_id)

    assert replica["user_id"] == payments.buyer
    assert (replica["status"], replica["price"], replica["version"]) == ("created", 25.5, 0)
    assert as_utc(replica["expires_at"]) > payments.clock()


async def test_order_created_again_is_acked_and_changes_nothing(payments) -> None:
    order_id = await payments.order()
    await payments.cancel(order_id)
    event = OrderCreatedEvent(
        id=order_id,
        version=0,
        status="created",
        user_id=payments.buyer,
        expires_at=payments.clock() + timedelta(minutes=5),
        ticket=OrderTicket(id=str(ObjectId()), title="Other", price=1.0),
    )
    msg = FakeMessage.of(event, num_delivered=2)

    await payments.created.handle(msg)

    assert msg.answers == ["ack"]
    replica = await payments.replica(order_id)
    assert (replica["status"], replica["version"], replica["price"]) == ("cancelled", 1, 16.99)


async def test_order_cancelled_applies_the_next_version(payments) -> None:
    order_id = await payments.order()
    msg = await payments.cancel(order_id, version=1)
    assert msg.answers == ["ack"]
    replica = await payments.replica(order_id)
    assert (replica["status"], replica["version"]) == ("cancelled", 1)


async def test_order_cancelled_before_its_order_is_nakked_with_backoff(payments) -> None:
    msg = await payments.cancel(str(ObjectId()), version=1, num_delivered=3)
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [1.0]


async def test_order_cancelled_ahead_of_the_replica_is_nakked(payments) -> None:
    order_id = await payments.order()
    msg = await payments.cancel(order_id, version=2)
    assert msg.answers == ["nak"]
    assert (await payments.replica(order_id))["version"] == 0


async def test_order_completed_follows_the_version_rule(payments) -> None:
    order_id = await payments.order()
    ahead = await payments.complete(order_id, version=2)
    applied = await payments.complete(order_id, version=1)
    duplicate = await payments.complete(order_id, version=1)
    assert (ahead.answers, applied.answers, duplicate.answers) == (["nak"], ["ack"], ["ack"])
    replica = await payments.replica(order_id)
    assert (replica["status"], replica["version"]) == ("complete", 1)


async def test_order_completed_for_an_unknown_order_is_nakked(payments) -> None:
    msg = await payments.complete(str(ObjectId()))
    assert msg.answers == ["nak"]


async def test_cancel_of_a_charged_order_refunds_once_even_when_redelivered(payments) -> None:
    order_id = await payments.order()
    payment_id = (await payments.pay(order_id)).json()["id"]

    first = await payments.cancel(order_id, version=1)
    again = await payments.cancel(order_id, version=1, num_delivered=2)

    assert (first.answers, again.answers) == (["ack"], ["ack"])
    refunds = await payments.db.offline_gateway.find({"kind": "refund"}).to_list()
    assert [r["key"] for r in refunds] == [f"zombilet-refund-{payment_id}"]
    stored = await payments.payment(order_id)
    assert stored["refunded"] is True
    assert stored["refund_id"] == refunds[0]["object_id"]
    assert stored["refund_id"].startswith("re_offline_")
    assert stored["version"] == 1
    assert await payments.published("payment.created") != []
    assert [p[0] for p in payments.publisher.published] == ["payment.created"]


async def test_cancel_of_an_unpaid_order_refunds_nothing(payments) -> None:
    order_id = await payments.order()
    await payments.pay(order_id, "tok_chargeDeclined")
    msg = await payments.cancel(order_id)
    assert msg.answers == ["ack"]
    assert await payments.db.offline_gateway.count_documents({"kind": "refund"}) == 0
    assert (await payments.replica(order_id))["reconcile"] is False


async def test_completed_order_is_never_refunded(payments) -> None:
    order_id = await payments.order()
    await payments.pay(order_id)
    await payments.complete(order_id, version=1)
    # A stray cancel at the same version is a duplicate for a complete replica.
    msg = await payments.cancel(order_id, version=1)
    assert msg.answers == ["ack"]
    assert (await payments.payment(order_id))["refunded"] is False
    assert await payments.db.offline_gateway.count_documents({"kind": "refund"}) == 0
