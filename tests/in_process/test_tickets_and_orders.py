"""tickets and orders together on the real Mongo-wire store and nats-server (SPEC.md §5, §6, §8)."""

import asyncio
import time

import pytest
from bson import ObjectId

from zombilet_common.events import ExpirationCompletedEvent, PaymentCreatedEvent, TicketCreatedEvent
from zombilet_common.testing.wait import wait_until

pytestmark = pytest.mark.integration

RESERVED = {"errors": [{"message": "Ticket is already reserved"}]}


async def test_thirty_concurrent_buyers_of_one_ticket_make_one_order(platform) -> None:
    ticket = await platform.sell(platform.new_id())
    buyers = [platform.new_id() for _ in range(30)]

    responses = await asyncio.gather(*(platform.order(b, ticket["id"]) for b in buyers))

    assert sorted(r.status_code for r in responses) == [201] + [400] * 29
    assert all(r.json() == RESERVED for r in responses if r.status_code == 400)
    (winner,) = [r.json() for r in responses if r.status_code == 201]
    stored = await platform.orders_db.orders.find({"ticket_id": ticket["id"]}).to_list()
    assert [str(doc["_id"]) for doc in stored] == [winner["id"]]
    for buyer, response in zip(buyers, responses, strict=True):
        if response.status_code == 400:
            mine = await platform.orders.get("/api/orders", headers=platform.session(buyer))
            assert mine.json() == []

    async def reserved_in_tickets() -> bool:
        return (await platform.ticket(ticket["id"]))["orderId"] == winner["id"]

    await wait_until(reserved_in_tickets, within=10)


async def test_an_order_after_fifty_rapid_edits_shows_the_last_ones(platform) -> None:
    seller = platform.new_id()
    ticket = await platform.sell(seller, "v0", 1)
    for n in range(1, 51):
        response = await platform.tickets.put(
            f"/api/tickets/{ticket['id']}",
            json={"title": f"v{n}", "price": n + 0.5},
            headers=platform.session(seller),
        )
        assert response.json()["version"] == n

    await platform.replica_reaches(ticket["id"], 50, within=30)
    response = await platform.order(platform.new_id(), ticket["id"])

    assert response.status_code == 201
    assert response.json()["ticket"] == {"id": ticket["id"], "title": "v50", "price": 50.5}


async def test_a_cancel_frees_the_ticket_for_its_seller_and_another_buyer(platform) -> None:
    cancelled = await platform.collect("order.cancelled")
    seller, first, second = platform.new_id(), platform.new_id(), platform.new_id()
    ticket = await platform.sell(seller, "Gig", 20)
    order = (await platform.order(first, ticket["id"])).json()

    async def ticket_holder_is(order_id: str | None) -> bool:
        return (await platform.ticket(ticket["id"]))["orderId"] == order_id

    await wait_until(lambda: ticket_holder_is(order["id"]), within=10)
    edit = await platform.tickets.put(
        f"/api/tickets/{ticket['id']}", json={"price": 25}, headers=platform.session(seller)
    )
    assert edit.json() == {"errors": [{"message": "Cannot edit a reserved ticket"}]}

    response = await platform.orders.delete(
        f"/api/orders/{order['id']}", headers=platform.session(first)
    )
    assert response.status_code == 204
    await wait_until(lambda: ticket_holder_is(None), within=10)
    assert [e["msg_id"] for e in cancelled if e["data"]["id"] == order["id"]] == [
        f"order.cancelled:{order['id']}:1"
    ]

    edit = await platform.tickets.put(
        f"/api/tickets/{ticket['id']}", json={"price": 25}, headers=platform.session(seller)
    )
    assert (edit.status_code, edit.json()["version"]) == (200, 3)
    await platform.replica_reaches(ticket["id"], 3)
    again = await platform.order(second, ticket["id"])
    assert again.status_code == 201
    assert again.json()["ticket"]["price"] == 25
    await wait_until(lambda: ticket_holder_is(again.json()["id"]), within=10)


async def test_an_unheard_of_ticket_is_not_found_until_its_event_arrives(platform) -> None:
    ticket_id, buyer = platform.new_id(), platform.new_id()
    missing = await platform.order(buyer, ticket_id)
    assert missing.status_code == 404

    await platform.publish(
        TicketCreatedEvent(id=ticket_id, version=0, title="Late", price=9, user_id=buyer)
    )

    async def orderable() -> bool:
        return (await platform.order(buyer, ticket_id)).status_code == 201

    await wait_until(orderable, within=10)
    (order,) = (await platform.orders.get("/api/orders", headers=platform.session(buyer))).json()
    assert order["ticket"] == {"id": ticket_id, "title": "Late", "price": 9}


@pytest.mark.parametrize("window", [1])
async def test_an_expiry_cancels_a_created_order_and_frees_its_ticket(platform) -> None:
    cancelled = await platform.collect("order.cancelled")
    buyer = platform.new_id()
    ticket = await platform.sell(platform.new_id())
    order = (await platform.order(buyer, ticket["id"])).json()

    await platform.publish(ExpirationCompletedEvent(order_id=order["id"]))

    async def is_cancelled() -> bool:
        return (await platform.shown(buyer, order["id"]))["status"] == "cancelled"

    await wait_until(is_cancelled, within=10)
    assert (await platform.shown(buyer, order["id"]))["version"] == 1
    await wait_until(lambda: any(e["data"]["id"] == order["id"] for e in cancelled))
    (event,) = [e for e in cancelled if e["data"]["id"] == order["id"]]
    assert event["msg_id"] == f"order.cancelled:{order['id']}:1"
    assert event["data"]["ticket"] == {"id": ticket["id"]}

    async def freed_in_tickets() -> bool:
        shown = await platform.ticket(ticket["id"])
        return shown["orderId"] is None and shown["version"] == 2

    await wait_until(freed_in_tickets, within=10)


async def test_a_payment_completes_a_created_order(platform) -> None:
    completed = await platform.collect("order.completed")
    buyer = platform.new_id()
    ticket = await platform.sell(platform.new_id())
    order = (await platform.order(buyer, ticket["id"])).json()

    await platform.publish(
        PaymentCreatedEvent(
            id=platform.new_id(), version=0, order_id=order["id"], stripe_id="ch_offline_1"
        )
    )

    async def is_complete() -> bool:
        return (await platform.shown(buyer, order["id"]))["status"] == "complete"

    await wait_until(is_complete, within=10)
    await wait_until(lambda: any(e["data"]["id"] == order["id"] for e in completed))
    (event,) = [e for e in completed if e["data"]["id"] == order["id"]]
    assert event["msg_id"] == f"order.completed:{order['id']}:1"
    assert (await platform.order(platform.new_id(), ticket["id"])).json() == RESERVED
    cancel = await platform.orders.delete(
        f"/api/orders/{order['id']}", headers=platform.session(buyer)
    )
    assert cancel.json() == {"errors": [{"message": "A completed order cannot be cancelled."}]}


async def test_a_claim_left_without_an_order_lapses_on_the_real_store(platform) -> None:
    ticket = await platform.sell(platform.new_id())
    replicas = platform.orders_db.ticket_replicas
    # A crash between claiming and storing the order left this claim behind.
    stale_at = int(time.time() * 1000) - 61_000
    await replicas.update_one(
        {"_id": ObjectId(ticket["id"])},
        {"$set": {"holder": platform.new_id(), "claimed_at": stale_at}},
    )

    response = await platform.order(platform.new_id(), ticket["id"])

    assert response.status_code == 201
    doc = await replicas.find_one({"_id": ObjectId(ticket["id"])})
    assert doc["holder"] == response.json()["id"]
