"""Tickets against the real Mongo-wire store and nats-server, order events arriving over NATS."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
)
from zombilet_common.testing.wait import wait_until

pytestmark = pytest.mark.integration


def created(ticket_id: str, order_id: str) -> OrderCreatedEvent:
    return OrderCreatedEvent(
        id=order_id,
        version=0,
        status="created",
        user_id=str(ObjectId()),
        expires_at=datetime.now(UTC) + timedelta(minutes=1),
        ticket=OrderTicket(id=ticket_id, title="Gig", price=20),
    )


def cancelled(ticket_id: str, order_id: str) -> OrderCancelledEvent:
    return OrderCancelledEvent(
        id=order_id,
        version=1,
        status="cancelled",
        user_id=str(ObjectId()),
        ticket=OrderTicketRef(id=ticket_id),
    )


async def publish(bus: Any, event: Any) -> None:
    await bus.publisher.publish(event, msg_id=event.message_id())


async def test_order_events_reserve_and_free_the_ticket(live_tickets, bus) -> None:
    updates = await bus.collect("ticket.updated")
    seller = str(ObjectId())
    async with live_tickets.client() as client:
        response = await client.post(
            "/api/tickets", json={"title": "Gig", "price": 20}, headers=live_tickets.session(seller)
        )
        ticket_id = response.json()["id"]
        order_id = str(ObjectId())

        await publish(bus, created(ticket_id, order_id))

        async def shown() -> dict[str, Any]:
            return (await client.get(f"/api/tickets/{ticket_id}")).json()  # type: ignore[no-any-return]

        async def reserved() -> bool:
            return (await shown())["orderId"] == order_id

        await wait_until(reserved, within=10)
        refused = await client.put(
            f"/api/tickets/{ticket_id}", json={"title": "X"}, headers=live_tickets.session(seller)
        )
        assert refused.json() == {"errors": [{"message": "Cannot edit a reserved ticket"}]}

        await publish(bus, cancelled(ticket_id, order_id))

        async def freed() -> bool:
            ticket = await shown()
            return ticket["orderId"] is None and ticket["version"] == 2

        await wait_until(freed, within=10)

    def mine() -> list[dict[str, Any]]:
        return [u for u in updates if u["data"]["id"] == ticket_id]

    await wait_until(lambda: len(mine()) == 2)
    assert [(u["msg_id"], u["data"]["orderId"]) for u in mine()] == [
        (f"ticket.updated:{ticket_id}:1", order_id),
        (f"ticket.updated:{ticket_id}:2", None),
    ]


async def test_released_list_is_a_plain_array_of_id_strings_on_the_real_store(
    live_tickets, bus
) -> None:
    seller = str(ObjectId())
    async with live_tickets.client() as client:
        response = await client.post(
            "/api/tickets", json={"title": "Gig", "price": 20}, headers=live_tickets.session(seller)
        )
    ticket_id = response.json()["id"]
    early, other = str(ObjectId()), str(ObjectId())
    # Cancellations that overtake their creations: remembered, version unchanged.
    await publish(bus, cancelled(ticket_id, early))
    await publish(bus, cancelled(ticket_id, other))
    tickets = live_tickets.db.tickets

    async def both_released() -> bool:
        doc = await tickets.find_one({"_id": ObjectId(ticket_id)})
        return len(doc["released"]) == 2

    await wait_until(both_released, within=10)
    # The late creation of a released order is ignored, even after a later reservation.
    later = str(ObjectId())
    await publish(bus, created(ticket_id, early))
    await publish(bus, created(ticket_id, later))

    async def held_by_later() -> bool:
        doc = await tickets.find_one({"_id": ObjectId(ticket_id)})
        return doc["order_id"] == later

    await wait_until(held_by_later, within=10)
    doc = await tickets.find_one({"_id": ObjectId(ticket_id)})
    assert sorted(doc["released"]) == sorted([early, other])
    assert doc["version"] == 1
    # The stored array answers membership queries as MongoDB does.
    assert await tickets.find_one({"_id": ObjectId(ticket_id), "released": early}) is not None
    assert (
        await tickets.find_one({"_id": ObjectId(ticket_id), "released": {"$nin": [early]}}) is None
    )


async def test_pages_newest_first_on_the_real_store(live_tickets) -> None:
    seller = str(ObjectId())
    async with live_tickets.client() as client:
        made = []
        for n in range(5):
            response = await client.post(
                "/api/tickets",
                json={"title": f"T{n}", "price": 1},
                headers=live_tickets.session(seller),
            )
            made.append(response.json()["id"])
        first = (await client.get("/api/tickets", params={"limit": 3})).json()
        rest = (
            await client.get("/api/tickets", params={"limit": 3, "before": first[-1]["id"]})
        ).json()
    assert [t["id"] for t in first + rest] == list(reversed(made))


async def test_concurrent_edits_each_make_one_version_or_a_409(live_tickets, bus) -> None:
    updates = await bus.collect("ticket.updated")
    seller = str(ObjectId())
    async with live_tickets.client() as client:
        response = await client.post(
            "/api/tickets", json={"title": "T", "price": 1}, headers=live_tickets.session(seller)
        )
        ticket_id = response.json()["id"]
        responses = await asyncio.gather(
            *(
                client.put(
                    f"/api/tickets/{ticket_id}",
                    json={"price": n + 1},
                    headers=live_tickets.session(seller),
                )
                for n in range(10)
            )
        )
        final = (await client.get(f"/api/tickets/{ticket_id}")).json()
    accepted = [r.json() for r in responses if r.status_code == 200]
    assert all(r.status_code in (200, 409) for r in responses)
    # Every accepted edit is its own version: none overwrote another.
    assert sorted(t["version"] for t in accepted) == list(range(1, len(accepted) + 1))
    assert final["version"] == len(accepted)
    assert final["price"] == max(accepted, key=lambda t: t["version"])["price"]

    def mine() -> list[str]:
        return sorted(u["msg_id"] for u in updates if u["data"]["id"] == ticket_id)

    await wait_until(lambda: len(mine()) == len(accepted))
    assert mine() == sorted(f"ticket.updated:{ticket_id}:{v}" for v in range(1, len(accepted) + 1))
