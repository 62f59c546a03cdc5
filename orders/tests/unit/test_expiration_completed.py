"""`orders-expiration-completed` (SPEC.md §6.2, §8.3): only a due, `created` order is cancelled."""

import json
import logging

from bson import ObjectId

from zombilet_common.events import ExpirationCompletedEvent, PaymentCreatedEvent


def expiry(order_id: str) -> ExpirationCompletedEvent:
    return ExpirationCompletedEvent(order_id=order_id)


async def test_a_due_order_is_cancelled_and_frees_its_ticket(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    order = await orders.placed(buyer, ticket_id)
    orders.clock.advance(60)

    msg = await orders.deliver(expiry(order["id"]))

    assert msg.answers == ["ack"]
    doc = await orders.doc("orders", order["id"])
    assert (doc["status"], doc["version"]) == ("cancelled", 1)
    assert (await orders.replica(ticket_id))["holder"] is None
    ((_, msg_id, data),) = await orders.published("order.cancelled")
    assert msg_id == f"order.cancelled:{order['id']}:1"
    assert json.loads(data) == {
        "id": order["id"],
        "version": 1,
        "status": "cancelled",
        "userId": buyer,
        "ticket": {"id": ticket_id},
    }


async def test_one_second_early_counts_as_due(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    orders.clock.advance(59)
    assert (await orders.deliver(expiry(order["id"]))).answers == ["ack"]
    assert (await orders.doc("orders", order["id"]))["status"] == "cancelled"


async def test_an_early_expiry_waits_until_expires_at(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    orders.clock.advance(20)
    msg = await orders.deliver(expiry(order["id"]))
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [40.0]
    assert (await orders.doc("orders", order["id"]))["status"] == "created"
    assert await orders.published("order.cancelled") == []


async def test_a_redelivery_after_cancelling_changes_nothing(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    orders.clock.advance(60)
    await orders.deliver(expiry(order["id"]))
    again = await orders.deliver(expiry(order["id"]), num_delivered=2)
    assert again.answers == ["ack"]
    assert (await orders.doc("orders", order["id"]))["version"] == 1
    assert len(await orders.published("order.cancelled")) == 1


async def test_a_completed_order_is_left_alone(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    order = await orders.placed(buyer, ticket_id)
    await orders.deliver(
        PaymentCreatedEvent(
            id=str(ObjectId()), version=0, order_id=order["id"], stripe_id="ch_offline_1"
        )
    )
    orders.clock.advance(120)
    assert (await orders.deliver(expiry(order["id"]))).answers == ["ack"]
    doc = await orders.doc("orders", order["id"])
    assert (doc["status"], doc["version"]) == ("complete", 1)
    assert (await orders.replica(ticket_id))["holder"] == order["id"]
    assert await orders.published("order.cancelled") == []


async def test_an_unknown_order_is_logged_and_acked(orders, caplog) -> None:
    order_id = orders.new_id()
    with caplog.at_level(logging.WARNING, logger="zombilet_orders.service"):
        msg = await orders.deliver(expiry(order_id))
    assert msg.answers == ["ack"]
    (record,) = [r for r in caplog.records if r.name == "zombilet_orders.service"]
    assert record.levelno == logging.WARNING
    assert record.order_id == order_id  # type: ignore[attr-defined]
