"""DELETE /api/orders/{orderId} (SPEC.md §6.2): the status table, races settled by re-reading."""

import json
from typing import Any

from bson import ObjectId

from zombilet_common.events import ExpirationCompletedEvent, PaymentCreatedEvent
from zombilet_common.versioning import VersionConflict
from zombilet_orders.models import Order
from zombilet_orders.repository import OrderRepository


async def cancel(orders, user: str, order_id: str):  # type: ignore[no-untyped-def]
    return await orders.client.delete(f"/api/orders/{order_id}", headers=orders.session(user))


def payment_for(order_id: str) -> PaymentCreatedEvent:
    return PaymentCreatedEvent(
        id=str(ObjectId()), version=0, order_id=order_id, stripe_id="ch_offline_1"
    )


async def test_cancel_frees_the_ticket_and_publishes_order_cancelled(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    order = await orders.placed(buyer, ticket_id)

    response = await cancel(orders, buyer, order["id"])

    assert response.status_code == 204
    assert response.content == b""
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
    assert (await orders.order(orders.new_id(), ticket_id)).status_code == 201


async def test_cancelling_twice_answers_204_and_publishes_nothing_new(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    await cancel(orders, buyer, order["id"])
    again = await cancel(orders, buyer, order["id"])
    assert again.status_code == 204
    assert (await orders.doc("orders", order["id"]))["version"] == 1
    assert len(await orders.published("order.cancelled")) == 1


async def test_a_completed_order_cannot_be_cancelled(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    order = await orders.placed(buyer, ticket_id)
    await orders.deliver(payment_for(order["id"]))
    response = await cancel(orders, buyer, order["id"])
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "A completed order cannot be cancelled."}]}
    doc = await orders.doc("orders", order["id"])
    assert (doc["status"], doc["version"]) == ("complete", 1)
    assert (await orders.replica(ticket_id))["holder"] == order["id"]
    assert await orders.published("order.cancelled") == []


async def test_another_users_order_is_not_authorized(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    response = await cancel(orders, orders.new_id(), order["id"])
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Not authorized"}]}
    assert (await orders.doc("orders", order["id"]))["status"] == "created"


async def test_unknown_order_is_not_found(orders, buyer) -> None:
    response = await cancel(orders, buyer, "c" * 24)
    assert response.status_code == 404


async def test_cancel_needs_a_session(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    response = await orders.client.delete(f"/api/orders/{order['id']}")
    assert response.status_code == 401
    assert (await orders.doc("orders", order["id"]))["status"] == "created"


class RaceBeforeWrite(OrderRepository):
    """Runs `meddle` once, between the use case's read and its conditional write."""

    def __init__(self, db: Any, relay: Any, meddle: Any) -> None:
        super().__init__(db, relay)
        self._meddle = meddle

    async def move(self, read: Order, moved: Order, event: Any) -> None:
        meddle, self._meddle = self._meddle, None
        if meddle is not None:
            await meddle()
        await super().move(read, moved, event)


async def racing(orders: Any, meddle: Any) -> None:
    await orders.use_orders(RaceBeforeWrite(orders.db, orders.relay, meddle))


async def test_a_payment_that_wins_the_race_makes_the_cancel_refused(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    order = await orders.placed(buyer, ticket_id)
    plain = orders.use_cases
    await racing(orders, lambda: plain.complete_paid_order(payment_for(order["id"])))

    response = await cancel(orders, buyer, order["id"])

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "A completed order cannot be cancelled."}]}
    doc = await orders.doc("orders", order["id"])
    assert (doc["status"], doc["version"]) == ("complete", 1)
    assert (await orders.replica(ticket_id))["holder"] == order["id"]
    assert await orders.published("order.cancelled") == []
    assert len(await orders.published("order.completed")) == 1


async def test_an_expiry_that_wins_the_race_leaves_one_cancellation(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    plain = orders.use_cases

    async def expire() -> None:
        orders.clock.advance(60)
        await plain.expire_order(ExpirationCompletedEvent(order_id=order["id"]))

    await racing(orders, expire)
    response = await cancel(orders, buyer, order["id"])

    assert response.status_code == 204
    assert (await orders.doc("orders", order["id"]))["version"] == 1
    assert len(await orders.published("order.cancelled")) == 1


class AlwaysOvertaken(OrderRepository):
    """Every status change loses to another writer."""

    async def move(self, read: Order, moved: Order, event: Any) -> None:
        raise VersionConflict("orders", read.id, expected=read.version)


async def test_a_cancel_that_keeps_losing_races_answers_409(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    await orders.use_orders(AlwaysOvertaken(orders.db, orders.relay))

    response = await cancel(orders, buyer, order["id"])

    assert response.status_code == 409
    assert response.json() == {
        "errors": [{"message": "The order was changed by another request. Please try again."}]
    }
    assert (await orders.doc("orders", order["id"]))["status"] == "created"
