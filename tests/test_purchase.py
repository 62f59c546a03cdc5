"""Paying and expiring through the gateway, with the stack's short reservation window."""

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pymongo import MongoClient

pytestmark = pytest.mark.integration

EXPIRED = "This order has expired."


async def reserve(people, retry, title: str = "Gig", price: float = 12.5):  # type: ignore[no-untyped-def]
    """A seller lists a ticket and a buyer reserves it; returns (seller, buyer, ticket, order)."""
    seller, buyer = await people.sign_up(), await people.sign_up()
    ticket = (await seller.post("/api/tickets", json={"title": title, "price": price})).json()
    order = await retry(lambda: buyer.post("/api/orders", json={"ticketId": ticket["id"]}), 201)
    return seller, buyer, ticket, order.json()


async def pay(buyer, order_id: str, token: str):  # type: ignore[no-untyped-def]
    return await buyer.post("/api/payments", json={"token": token, "orderId": order_id})


async def test_unpaid_order_is_cancelled_after_its_window_and_the_ticket_is_free(
    people, retry
) -> None:
    seller, buyer, ticket, order = await reserve(people, retry)

    cancelled = await retry(
        lambda: buyer.get(f"/api/orders/{order['id']}"),
        200,
        until=lambda r: r.json()["status"] == "cancelled",
    )
    assert cancelled.json()["version"] == 1
    free = await retry(
        lambda: seller.get(f"/api/tickets/{ticket['id']}"),
        200,
        until=lambda r: r.json()["orderId"] is None,
    )
    assert free.json()["version"] == 2
    late = await pay(buyer, order["id"], "tok_visa")
    assert late.status_code == 400
    assert late.json()["errors"][0]["message"] in {EXPIRED, "This order cannot be paid."}
    other = await people.sign_up()
    await retry(lambda: other.post("/api/orders", json={"ticketId": ticket["id"]}), 201)


async def test_declined_card_leaves_the_order_payable_then_tok_visa_pays_it_once(
    people, retry
) -> None:
    _, buyer, _, order = await reserve(people, retry, price=16.99)

    declined = await retry(lambda: pay(buyer, order["id"], "tok_chargeDeclined"), 402)
    assert declined.json() == {"errors": [{"message": "Your card was declined.", "field": "token"}]}
    paid = await pay(buyer, order["id"], "tok_visa")

    assert paid.status_code == 201, paid.text
    body = paid.json()
    assert body["orderId"] == order["id"]
    assert body["stripeId"].startswith("pi_offline_")
    complete = await retry(
        lambda: buyer.get(f"/api/orders/{order['id']}"),
        200,
        until=lambda r: r.json()["status"] == "complete",
    )
    assert complete.json()["version"] == 1
    again = await pay(buyer, order["id"], "tok_visa")
    assert again.status_code == 400
    assert again.json() == {"errors": [{"message": "This order has already been paid."}]}
    refused = await buyer.delete(f"/api/orders/{order['id']}")
    assert refused.json() == {"errors": [{"message": "A completed order cannot be cancelled."}]}


async def test_paid_order_is_not_cancelled_when_its_window_ends(people, retry) -> None:
    seller, buyer, ticket, order = await reserve(people, retry)
    assert (await retry(lambda: pay(buyer, order["id"], "tok_visa"), 201)).status_code == 201
    expires_at = order["expiresAt"]

    # Another order placed after this one's window shows the expiry has had its chance.
    _, later_buyer, _, later = await reserve(people, retry)
    await retry(
        lambda: later_buyer.get(f"/api/orders/{later['id']}"),
        200,
        until=lambda r: r.json()["status"] == "cancelled",
    )
    assert later["expiresAt"] > expires_at
    paid = await buyer.get(f"/api/orders/{order['id']}")
    assert paid.json()["status"] == "complete"
    ticket_now = await seller.get(f"/api/tickets/{ticket['id']}")
    assert ticket_now.json()["orderId"] == order["id"]


async def test_ten_concurrent_payments_of_one_order_charge_once(stack, people, retry) -> None:
    _, buyer, _, order = await reserve(people, retry, price=20)
    # Payments must have heard of the order before the race starts.
    await retry(lambda: pay(buyer, order["id"], "not-a-token"), 402)

    answers = await asyncio.gather(*(pay(buyer, order["id"], "tok_visa") for _ in range(10)))

    assert sorted(a.status_code for a in answers) == [201] + [400] * 9
    with MongoClient[dict[str, Any]](stack.stderr_url("mongo"), directConnection=True) as mongo:
        payments = list(mongo.payments.payments.find({"order_id": order["id"]}))
        ledger = list(mongo.payments.offline_gateway.find({"kind": "intent"}))
    assert len(payments) == 1
    assert payments[0]["amount"] == 2000
    charged = [
        entry
        for entry in ledger
        if entry["key"].startswith(f"zombilet-{order['id']}-") and entry["outcome"] == "succeeded"
    ]
    assert [entry["object_id"] for entry in charged] == [payments[0]["stripe_id"]]


async def test_a_card_that_asks_for_authentication_pays_once_authenticated(people, retry) -> None:
    _, buyer, _, order = await reserve(people, retry, price=30)

    waiting = await retry(lambda: pay(buyer, order["id"], "pm_card_authenticationRequired"), 202)

    body = waiting.json()
    assert (body["orderId"], body["status"]) == (order["id"], "requires_action")
    page = await buyer.get(body["nextActionUrl"])
    assert page.status_code == 200
    assert "Complete authentication" in page.text
    assert "Fail authentication" in page.text
    held = await pay(buyer, order["id"], "pm_card_visa")
    assert held.json() == {
        "errors": [{"message": "A payment for this order is already in progress."}]
    }

    answer = await buyer.post(
        body["nextActionUrl"],
        content=b"outcome=complete",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert target.path == f"/orders/{order['id']}"
    assert parse_qs(target.query)["redirect_status"] == ["succeeded"]
    complete = await retry(
        lambda: buyer.get(f"/api/orders/{order['id']}"),
        200,
        until=lambda r: r.json()["status"] == "complete",
    )
    assert complete.json()["version"] == 1
