"""`orders-ticket-updated` (SPEC.md §8.1, §8.3): applied in version order, claim untouched."""

from zombilet_common.events import TicketCreatedEvent, TicketUpdatedEvent


def updated(ticket_id: str, version: int, title: str = "T", order_id: str | None = None):  # type: ignore[no-untyped-def]
    return TicketUpdatedEvent(
        id=ticket_id,
        version=version,
        title=title,
        price=10 + version,
        user_id="f" * 24,
        order_id=order_id,
    )


async def test_the_next_version_is_applied(orders) -> None:
    ticket_id = await orders.ticket("Old", 10)
    msg = await orders.deliver(updated(ticket_id, 1, "New"))
    assert msg.answers == ["ack"]
    replica = await orders.replica(ticket_id)
    assert (replica["title"], replica["price"], replica["version"]) == ("New", 11, 1)


async def test_a_duplicate_is_acked_and_ignored(orders) -> None:
    ticket_id = await orders.ticket("Old", 10)
    await orders.deliver(updated(ticket_id, 1, "First"))
    await orders.deliver(updated(ticket_id, 2, "Second"))
    msg = await orders.deliver(updated(ticket_id, 1, "First"), num_delivered=2)
    assert msg.answers == ["ack"]
    replica = await orders.replica(ticket_id)
    assert (replica["title"], replica["version"]) == ("Second", 2)


async def test_an_early_version_waits_with_a_delayed_nak(orders) -> None:
    ticket_id = await orders.ticket("Old", 10)
    msg = await orders.deliver(updated(ticket_id, 2, "Too soon"), num_delivered=3)
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [1.0]
    assert (await orders.replica(ticket_id))["version"] == 0
    await orders.deliver(updated(ticket_id, 1, "First"))
    assert (await orders.deliver(updated(ticket_id, 2, "Second"))).answers == ["ack"]
    assert (await orders.replica(ticket_id))["title"] == "Second"


async def test_an_update_before_the_creation_waits(orders) -> None:
    ticket_id = orders.new_id()
    msg = await orders.deliver(updated(ticket_id, 1))
    assert (msg.answers, msg.nak_delays) == (["nak"], [0.25])
    await orders.deliver(
        TicketCreatedEvent(id=ticket_id, version=0, title="A", price=1, user_id="f" * 24)
    )
    assert (await orders.deliver(updated(ticket_id, 1, "B"))).answers == ["ack"]


async def test_user_and_order_of_the_event_are_ignored(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    order = await orders.placed(buyer, ticket_id)
    # tickets reports the reservation, then a release it has not seen yet: the claim is ours.
    await orders.deliver(updated(ticket_id, 1, "Held", order_id=order["id"]))
    await orders.deliver(updated(ticket_id, 2, "Freed", order_id=None))
    replica = await orders.replica(ticket_id)
    assert (replica["title"], replica["version"], replica["holder"]) == ("Freed", 2, order["id"])
    assert (await orders.order(orders.new_id(), ticket_id)).status_code == 400
