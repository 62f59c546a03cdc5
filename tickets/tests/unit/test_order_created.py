"""`tickets-order-created` (SPEC.md §8.3): reserve the ticket for the order, once."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from zombilet_common.events import OrderCreatedEvent, OrderTicket
from zombilet_common.testing.messages import FakeMessage
from zombilet_tickets.models import Ticket
from zombilet_tickets.repository import TicketRepository


def order_created(ticket_id: str, order_id: str | None = None) -> OrderCreatedEvent:
    return OrderCreatedEvent(
        id=order_id or str(ObjectId()),
        version=0,
        status="created",
        user_id=str(ObjectId()),
        expires_at=datetime.now(UTC) + timedelta(minutes=1),
        ticket=OrderTicket(id=ticket_id, title="Concert", price=20),
    )


async def deliver(tickets, event: OrderCreatedEvent, num_delivered: int = 1) -> FakeMessage:  # type: ignore[no-untyped-def]
    return await tickets.deliver(event, num_delivered=num_delivered)


async def test_reserves_the_ticket_and_publishes_ticket_updated(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Gig", 16.99)
    event = order_created(ticket["id"])

    msg = await deliver(tickets, event)

    assert msg.answers == ["ack"]
    doc = await tickets.doc("tickets", ticket["id"])
    assert (doc["order_id"], doc["version"]) == (event.id, 1)
    ((_, msg_id, data),) = await tickets.published("ticket.updated")
    assert msg_id == f"ticket.updated:{ticket['id']}:1"
    assert json.loads(data) == {
        "id": ticket["id"],
        "version": 1,
        "title": "Gig",
        "price": 16.99,
        "userId": seller,
        "orderId": event.id,
    }
    shown = (await tickets.client.get(f"/api/tickets/{ticket['id']}")).json()
    assert (shown["orderId"], shown["version"]) == (event.id, 1)


async def test_a_duplicate_is_acked_without_a_new_version(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    event = order_created(ticket["id"])
    await deliver(tickets, event)
    again = await deliver(tickets, event, num_delivered=2)
    assert again.answers == ["ack"]
    assert (await tickets.doc("tickets", ticket["id"]))["version"] == 1
    assert len(await tickets.published("ticket.updated")) == 1


async def test_missing_ticket_is_nakked_with_delay(tickets) -> None:
    msg = await deliver(tickets, order_created(str(ObjectId())), num_delivered=3)
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [1.0]


async def test_a_released_order_is_ignored(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    event = order_created(ticket["id"])
    await tickets.db.tickets.update_one(
        {"_id": ObjectId(ticket["id"])}, {"$addToSet": {"released": event.id}}
    )
    msg = await deliver(tickets, event)
    assert msg.answers == ["ack"]
    doc = await tickets.doc("tickets", ticket["id"])
    assert (doc["order_id"], doc["version"]) == (None, 0)
    assert await tickets.published("ticket.updated") == []


async def test_a_new_order_puts_the_previous_holder_in_the_released_list(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    first, second = order_created(ticket["id"]), order_created(ticket["id"])
    await deliver(tickets, first)
    await deliver(tickets, second)
    doc = await tickets.doc("tickets", ticket["id"])
    assert (doc["order_id"], doc["version"], doc["released"]) == (second.id, 2, [first.id])
    # The first order's late redelivery cannot take the ticket back.
    assert (await deliver(tickets, first, num_delivered=2)).answers == ["ack"]
    assert (await tickets.doc("tickets", ticket["id"]))["order_id"] == second.id


async def test_a_cancellation_that_slips_in_before_the_write_wins(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    event = order_created(ticket["id"])

    class CancelledMeanwhile(TicketRepository):
        async def reserve(self, read: Ticket, changed: Ticket, event: Any) -> None:
            # `order.cancelled` for this order lands between our read and our write.
            await self.tickets.raw.update_one(
                {"_id": ObjectId(read.id)}, {"$addToSet": {"released": changed.order_id}}
            )
            await super().reserve(read, changed, event)

    tickets.use_repository(CancelledMeanwhile(tickets.db, tickets.relay))
    msg = await deliver(tickets, event)

    assert msg.answers == ["ack"]
    doc = await tickets.doc("tickets", ticket["id"])
    assert (doc["order_id"], doc["version"], doc["released"]) == (None, 0, [event.id])
    assert await tickets.published("ticket.updated") == []
