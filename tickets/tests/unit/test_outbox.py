"""Every ticket event is written with its change and survives a crash before the publish."""

from datetime import UTC, datetime, timedelta

from bson import ObjectId

from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
)
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.messages import RecordingPublisher
from zombilet_tickets.main import SERVICE, build_service


async def test_events_left_by_a_crash_are_published_once_at_restart(tickets, seller) -> None:
    # A relay that never runs stands for a process that died right after its writes.
    crashed = OutboxRelay(RecordingPublisher(), [])
    tickets.install(await build_service(tickets.db, crashed))
    ticket = await tickets.create(seller, "Gig", 10)
    await tickets.client.put(
        f"/api/tickets/{ticket['id']}", json={"title": "Gig 2"}, headers=tickets.session(seller)
    )
    order_id, ticket_id = str(ObjectId()), ticket["id"]
    await tickets.deliver(
        OrderCreatedEvent(
            id=order_id,
            version=0,
            status="created",
            user_id=str(ObjectId()),
            expires_at=datetime.now(UTC) + timedelta(minutes=1),
            ticket=OrderTicket(id=ticket_id, title="Gig 2", price=10),
        )
    )
    await tickets.deliver(
        OrderCancelledEvent(
            id=order_id,
            version=1,
            status="cancelled",
            user_id=str(ObjectId()),
            ticket=OrderTicketRef(id=ticket_id),
        )
    )
    doc = await tickets.doc("tickets", ticket_id)
    assert (doc["version"], doc["outbox_pending"]) == (3, 4)

    restarted = RecordingPublisher()
    relay = OutboxRelay(restarted, [tickets.db[name] for name in SERVICE.outbox])
    await relay.start()
    await relay.stop()

    assert [msg_id for _, msg_id, _ in restarted.published] == [
        f"ticket.created:{ticket_id}:0",
        f"ticket.updated:{ticket_id}:1",
        f"ticket.updated:{ticket_id}:2",
        f"ticket.updated:{ticket_id}:3",
    ]
    assert (await tickets.doc("tickets", ticket_id))["outbox_pending"] == 0
