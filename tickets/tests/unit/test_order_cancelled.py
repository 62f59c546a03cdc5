"""`tickets-order-cancelled` (SPEC.md §8.3): release the ticket when the order held it."""

import json
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
)
from zombilet_common.testing.messages import FakeMessage


def cancelled(ticket_id: str, order_id: str) -> OrderCancelledEvent:
    return OrderCancelledEvent(
        id=order_id,
        version=1,
        status="cancelled",
        user_id=str(ObjectId()),
        ticket=OrderTicketRef(id=ticket_id),
    )


def created(ticket_id: str, order_id: str) -> OrderCreatedEvent:
    return OrderCreatedEvent(
        id=order_id,
        version=0,
        status="created",
        user_id=str(ObjectId()),
        expires_at=datetime.now(UTC) + timedelta(minutes=1),
        ticket=OrderTicket(id=ticket_id, title="Concert", price=20),
    )


async def deliver(tickets, event, num_delivered: int = 1) -> FakeMessage:  # type: ignore[no-untyped-def]
    return await tickets.deliver(event, num_delivered=num_delivered)


async def test_the_holder_cancelled_frees_the_ticket(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Gig", 12)
    order_id = str(ObjectId())
    await deliver(tickets, created(ticket["id"], order_id))

    msg = await deliver(tickets, cancelled(ticket["id"], order_id))

    assert msg.answers == ["ack"]
    doc = await tickets.doc("tickets", ticket["id"])
    assert (doc["order_id"], doc["version"], doc["released"]) == (None, 2, [order_id])
    updates = await tickets.published("ticket.updated")
    assert [m for _, m, _ in updates] == [
        f"ticket.updated:{ticket['id']}:1",
        f"ticket.updated:{ticket['id']}:2",
    ]
    assert json.loads(updates[1][2]) == {
        "id": ticket["id"],
        "version": 2,
        "title": "Gig",
        "price": 12,
        "userId": seller,
        "orderId": None,
    }
    edit = await tickets.client.put(
        f"/api/tickets/{ticket['id']}", json={"price": 13}, headers=tickets.session(seller)
    )
    assert (edit.status_code, edit.json()["version"]) == (200, 3)


async def test_a_duplicate_is_acked_without_a_new_version(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    order_id = str(ObjectId())
    await deliver(tickets, created(ticket["id"], order_id))
    await deliver(tickets, cancelled(ticket["id"], order_id))
    again = await deliver(tickets, cancelled(ticket["id"], order_id), num_delivered=2)
    assert again.answers == ["ack"]
    assert (await tickets.doc("tickets", ticket["id"]))["version"] == 2
    assert len(await tickets.published("ticket.updated")) == 2


async def test_missing_ticket_is_nakked_with_delay(tickets) -> None:
    msg = await deliver(tickets, cancelled(str(ObjectId()), str(ObjectId())), num_delivered=2)
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [0.5]


async def test_another_order_is_only_remembered_without_a_version_or_event(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    holder, other = str(ObjectId()), str(ObjectId())
    await deliver(tickets, created(ticket["id"], holder))

    msg = await deliver(tickets, cancelled(ticket["id"], other))

    assert msg.answers == ["ack"]
    doc = await tickets.doc("tickets", ticket["id"])
    assert (doc["order_id"], doc["version"], doc["released"]) == (holder, 1, [other])
    assert len(await tickets.published("ticket.updated")) == 1


async def test_a_cancellation_that_overtakes_its_creation_keeps_the_ticket_free(
    tickets, seller
) -> None:
    ticket = await tickets.create(seller)
    order_id = str(ObjectId())
    first = await deliver(tickets, cancelled(ticket["id"], order_id))
    late = await deliver(tickets, created(ticket["id"], order_id))
    assert (first.answers, late.answers) == (["ack"], ["ack"])
    doc = await tickets.doc("tickets", ticket["id"])
    assert (doc["order_id"], doc["version"], doc["released"]) == (None, 0, [order_id])
    assert await tickets.published("ticket.updated") == []
