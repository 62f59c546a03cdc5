"""`orders-ticket-created` (SPEC.md §8.3): the replica is created once, unclaimed."""

from zombilet_common.events import TicketCreatedEvent


def created(ticket_id: str, title: str = "Gig", price: float = 20) -> TicketCreatedEvent:
    return TicketCreatedEvent(id=ticket_id, version=0, title=title, price=price, user_id="f" * 24)


async def test_a_new_ticket_becomes_an_unclaimed_replica_at_version_0(orders) -> None:
    ticket_id = orders.new_id()
    msg = await orders.deliver(created(ticket_id, "Gig", 16.99))
    assert msg.answers == ["ack"]
    replica = await orders.replica(ticket_id)
    assert {k: replica[k] for k in ("title", "price", "version", "holder")} == {
        "title": "Gig",
        "price": 16.99,
        "version": 0,
        "holder": None,
    }
    assert "user_id" not in replica


async def test_a_redelivery_is_acked_and_changes_nothing(orders, buyer) -> None:
    ticket_id = orders.new_id()
    await orders.deliver(created(ticket_id, "Gig", 20))
    order = await orders.placed(buyer, ticket_id)
    await orders.edit_ticket(ticket_id, 1, "Later", 30)

    again = await orders.deliver(created(ticket_id, "Gig", 20), num_delivered=2)

    assert again.answers == ["ack"]
    replica = await orders.replica(ticket_id)
    assert (replica["title"], replica["version"], replica["holder"]) == ("Later", 1, order["id"])


async def test_a_ticket_becomes_orderable_once_its_creation_arrives(orders, buyer) -> None:
    ticket_id = orders.new_id()
    assert (await orders.order(buyer, ticket_id)).status_code == 404
    await orders.deliver(created(ticket_id))
    assert (await orders.order(buyer, ticket_id)).status_code == 201
