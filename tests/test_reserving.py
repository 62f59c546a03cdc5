"""Listing, reserving and cancelling through the gateway, every service a real process."""

import asyncio

import pytest

pytestmark = pytest.mark.integration


async def list_ticket(seller, title: str = "Concert", price: float = 20) -> dict:  # type: ignore[no-untyped-def]
    response = await seller.post("/api/tickets", json={"title": title, "price": price})
    assert response.status_code == 201, response.text
    return response.json()


async def test_thirty_concurrent_buyers_of_one_ticket_make_one_order(people, retry) -> None:
    seller = await people.sign_up()
    ticket = await list_ticket(seller)
    buyers = [await people.sign_up() for _ in range(30)]
    # The first order waits until orders has heard of the ticket; it is then cancelled again.
    probe = await retry(lambda: buyers[0].post("/api/orders", json={"ticketId": ticket["id"]}), 201)
    assert (await buyers[0].delete(f"/api/orders/{probe.json()['id']}")).status_code == 204

    answers = await asyncio.gather(
        *(b.post("/api/orders", json={"ticketId": ticket["id"]}) for b in buyers)
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [400] * 29
    losers = [b for b, a in zip(buyers, answers, strict=True) if a.status_code == 400]
    for answer in answers:
        if answer.status_code == 400:
            assert answer.json() == {"errors": [{"message": "Ticket is already reserved"}]}
    for loser in losers:
        live = [o for o in (await loser.get("/api/orders")).json() if o["status"] == "created"]
        assert live == []


async def test_order_for_an_unheard_of_ticket_is_404_until_the_event_arrives(people, retry) -> None:
    seller, buyer = await people.sign_up(), await people.sign_up()
    unknown = await buyer.post("/api/orders", json={"ticketId": "0" * 24})
    assert unknown.status_code == 404
    assert unknown.json() == {"errors": [{"message": "Not Found"}]}

    ticket = await list_ticket(seller, "Opera", 45.5)
    order = await retry(lambda: buyer.post("/api/orders", json={"ticketId": ticket["id"]}), 201)

    body = order.json()
    assert body["status"] == "created"
    assert body["ticket"] == {"id": ticket["id"], "title": "Opera", "price": 45.5}


async def test_cancel_frees_the_ticket_for_another_buyer_and_its_seller(people, retry) -> None:
    seller, first, second = [await people.sign_up() for _ in range(3)]
    ticket = await list_ticket(seller, "Match", 30)
    order = await retry(lambda: first.post("/api/orders", json={"ticketId": ticket["id"]}), 201)

    order_id = order.json()["id"]
    url = f"/api/tickets/{ticket['id']}"
    await retry(lambda: seller.get(url), 200, until=lambda r: r.json()["orderId"] == order_id)
    refused = await seller.put(url, json={"price": 31})
    assert refused.status_code == 400
    assert refused.json() == {"errors": [{"message": "Cannot edit a reserved ticket"}]}
    assert (await first.delete(f"/api/orders/{order_id}")).status_code == 204

    await retry(lambda: seller.get(url), 200, until=lambda r: r.json()["orderId"] is None)
    edited = await seller.put(url, json={"title": "Final"})
    assert edited.status_code == 200
    again = await retry(lambda: second.post("/api/orders", json={"ticketId": ticket["id"]}), 201)
    assert again.json()["ticket"]["title"] == "Final"
