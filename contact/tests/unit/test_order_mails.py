"""The three order triggers go to the buyer (`userId`), with the order's facts."""

from datetime import UTC, datetime

from bson import ObjectId

from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
)

ENDING = "Questions? Write to help@zombilet.com.\n\nThe Zombilet Team"


async def test_order_created_tells_the_buyer_how_long_the_ticket_is_held(contact) -> None:
    buyer = await contact.add_user("buyer@example.com")
    seller = await contact.add_user("seller@example.com")
    order_id, ticket_id = str(ObjectId()), str(ObjectId())
    event = OrderCreatedEvent(
        id=order_id,
        version=0,
        status="created",
        user_id=buyer,
        expires_at=datetime(2031, 3, 1, 12, 1, 5, 500000, tzinfo=UTC),
        ticket=OrderTicket(id=ticket_id, title="Zombie Walk", price=16.99),
    )

    msg = await contact.deliver(event, event.message_id())

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.to == "buyer@example.com"
    assert mail.subject == "Order Created | Zombilet"
    lines = mail.body.splitlines()
    assert f"Order id: {order_id}" in lines
    assert "Status: created" in lines
    assert f"Ticket id: {ticket_id}" in lines
    assert "Title: Zombie Walk" in lines
    assert "Price: £16.99" in lines
    assert f"Buyer's user id: {buyer}" in lines
    assert seller not in mail.body
    assert "held for you until 2031-03-01 12:01:05 UTC" in mail.body
    assert "cancelled and the ticket goes back on sale" in mail.body
    assert mail.body.rstrip("\n").endswith(ENDING)


async def test_order_cancelled_tells_the_buyer_any_payment_is_refunded(contact) -> None:
    buyer = await contact.add_user("buyer@example.com")
    order_id, ticket_id = str(ObjectId()), str(ObjectId())
    event = OrderCancelledEvent(
        id=order_id,
        version=1,
        status="cancelled",
        user_id=buyer,
        ticket=OrderTicketRef(id=ticket_id),
    )

    msg = await contact.deliver(event, event.message_id())

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.to == "buyer@example.com"
    assert mail.subject == "Order Cancelled | Zombilet"
    lines = mail.body.splitlines()
    assert f"Order id: {order_id}" in lines
    assert "Status: cancelled" in lines
    assert f"Ticket id: {ticket_id}" in lines
    assert f"Buyer's user id: {buyer}" in lines
    assert "Any payment made for this order is refunded." in lines
    assert mail.body.rstrip("\n").endswith(ENDING)


async def test_order_completed_thanks_the_buyer_for_the_payment(contact) -> None:
    buyer = await contact.add_user("buyer@example.com")
    order_id, ticket_id = str(ObjectId()), str(ObjectId())
    event = OrderCompletedEvent(
        id=order_id,
        version=1,
        status="complete",
        user_id=buyer,
        ticket=OrderTicketRef(id=ticket_id),
    )

    msg = await contact.deliver(event, event.message_id())

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.to == "buyer@example.com"
    assert mail.subject == "Order Completed | Zombilet"
    lines = mail.body.splitlines()
    assert "We have received your payment." in lines
    assert f"Order id: {order_id}" in lines
    assert "Status: complete" in lines
    assert f"Ticket id: {ticket_id}" in lines
    assert f"Buyer's user id: {buyer}" in lines
    assert "Thank you for buying with Zombilet." in lines
    assert mail.body.rstrip("\n").endswith(ENDING)
