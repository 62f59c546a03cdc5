"""`orders-payment-created` (SPEC.md §6.2, §8.3): a paid `created` order becomes `complete`."""

import json

from bson import ObjectId

from zombilet_common.events import PaymentCreatedEvent


def payment(order_id: str) -> PaymentCreatedEvent:
    return PaymentCreatedEvent(
        id=str(ObjectId()), version=0, order_id=order_id, stripe_id="ch_offline_1"
    )


async def test_a_created_order_is_completed_and_keeps_its_ticket(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    order = await orders.placed(buyer, ticket_id)

    msg = await orders.deliver(payment(order["id"]))

    assert msg.answers == ["ack"]
    doc = await orders.doc("orders", order["id"])
    assert (doc["status"], doc["version"]) == ("complete", 1)
    assert (await orders.replica(ticket_id))["holder"] == order["id"]
    ((_, msg_id, data),) = await orders.published("order.completed")
    assert msg_id == f"order.completed:{order['id']}:1"
    assert json.loads(data) == {
        "id": order["id"],
        "version": 1,
        "status": "complete",
        "userId": buyer,
        "ticket": {"id": ticket_id},
    }
    assert (await orders.order(orders.new_id(), ticket_id)).status_code == 400


async def test_a_duplicate_is_acked_and_changes_nothing(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    event = payment(order["id"])
    await orders.deliver(event)
    again = await orders.deliver(event, num_delivered=2)
    assert again.answers == ["ack"]
    assert (await orders.doc("orders", order["id"]))["version"] == 1
    assert len(await orders.published("order.completed")) == 1


async def test_a_cancelled_order_is_left_cancelled(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    await orders.client.delete(f"/api/orders/{order['id']}", headers=orders.session(buyer))
    msg = await orders.deliver(payment(order["id"]))
    assert msg.answers == ["ack"]
    doc = await orders.doc("orders", order["id"])
    assert (doc["status"], doc["version"]) == ("cancelled", 1)
    assert await orders.published("order.completed") == []


async def test_an_unknown_order_waits_with_a_delayed_nak(orders) -> None:
    msg = await orders.deliver(payment(orders.new_id()), num_delivered=2)
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [0.5]
