"""The two ticket triggers go to the seller (`userId`), with the ticket's facts."""

import pytest
from bson import ObjectId

from zombilet_common.events import TicketCreatedEvent, TicketUpdatedEvent

ENDING = "Questions? Write to help@zombilet.com.\n\nThe Zombilet Team"


async def test_ticket_created_tells_the_seller_it_is_listed(contact) -> None:
    seller = await contact.add_user("seller@example.com")
    await contact.add_user("someone.else@example.com")
    ticket_id = str(ObjectId())
    event = TicketCreatedEvent(
        id=ticket_id, version=0, title="Night of the Living Dead", price=16.99, user_id=seller
    )

    msg = await contact.deliver(event, event.message_id())

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.to == "seller@example.com"
    assert mail.subject == "Ticket Created | Zombilet"
    lines = mail.body.splitlines()
    assert f"Ticket id: {ticket_id}" in lines
    assert "Title: Night of the Living Dead" in lines
    assert "Price: £16.99" in lines
    assert f"Seller's user id: {seller}" in lines
    assert "If you did not list this ticket, tell help@zombilet.com." in lines
    assert mail.body.rstrip("\n").endswith(ENDING)


@pytest.mark.parametrize(
    ("price", "shown"),
    [(16.99, "£16.99"), (10, "£10.00"), (0.5, "£0.50"), (999999.99, "£999999.99")],
)
async def test_prices_read_in_pounds_with_two_decimals(contact, price: float, shown: str) -> None:
    seller = await contact.add_user("prices@example.com")
    event = TicketCreatedEvent(
        id=str(ObjectId()), version=0, title="T", price=price, user_id=seller
    )

    await contact.deliver(event, event.message_id())

    (mail,) = contact.mails()
    assert f"Price: {shown}" in mail.body.splitlines()


async def test_ticket_reserved_by_an_order_says_so_and_names_the_order(contact) -> None:
    seller = await contact.add_user("seller@example.com")
    ticket_id, order_id = str(ObjectId()), str(ObjectId())
    event = TicketUpdatedEvent(
        id=ticket_id, version=1, title="Dawn", price=16.99, user_id=seller, order_id=order_id
    )

    msg = await contact.deliver(event, event.message_id())

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.to == "seller@example.com"
    assert mail.subject == "Ticket Updated | Zombilet"
    lines = mail.body.splitlines()
    assert {f"Ticket id: {ticket_id}", "Title: Dawn", "Price: £16.99"} <= set(lines)
    assert f"Seller's user id: {seller}" in lines
    assert f"Reserved: yes (order {order_id})" in lines
    assert "While it is reserved the ticket cannot be edited." in lines
    assert not any(line.startswith("Reserved: no") for line in lines)
    assert any("every edit" in line and "reservation" in line for line in lines)
    assert mail.body.rstrip("\n").endswith(ENDING)


async def test_free_ticket_says_it_is_available_to_buyers(contact) -> None:
    seller = await contact.add_user("seller@example.com")
    event = TicketUpdatedEvent(
        id=str(ObjectId()), version=2, title="Dawn", price=20, user_id=seller, order_id=None
    )

    await contact.deliver(event, event.message_id())

    (mail,) = contact.mails()
    lines = mail.body.splitlines()
    assert "Reserved: no" in lines
    assert "The ticket is available to buyers." in lines
    assert "Price: £20.00" in lines
    assert not any(line.startswith("Reserved: yes") for line in lines)
