"""Races through the gateway: many buyers, one e-mail, an owner editing under buyers."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from bson import ObjectId

from zombilet_common.auth import SessionUser, issue_token

pytestmark = pytest.mark.integration

RESERVED = {"errors": [{"message": "Ticket is already reserved"}]}


@contextlib.asynccontextmanager
async def shoppers(url: str, key: str, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """`count` users, each a client with a session signed by the stack's key, as auth would
    sign it: every service verifies the session alone, and this spares a password hash each."""
    clients = []
    for n in range(count):
        user = SessionUser(id=str(ObjectId()), email=f"shopper-{n}-{uuid.uuid4().hex[:8]}@x.com")
        cookie = f"session={issue_token(user, key, 3600)}"
        clients.append(
            httpx.AsyncClient(base_url=url, trust_env=False, timeout=30, headers={"cookie": cookie})
        )
    try:
        yield clients
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


async def listed_and_known(retry, seller, prober, title: str, price: float):  # type: ignore[no-untyped-def]
    """A ticket orders has heard of: a probe order is placed, then cancelled again."""
    ticket = (await seller.post("/api/tickets", json={"title": title, "price": price})).json()
    probe = await retry(lambda: prober.post("/api/orders", json={"ticketId": ticket["id"]}), 201)
    assert (await prober.delete(f"/api/orders/{probe.json()['id']}")).status_code == 204
    return ticket


async def test_a_hundred_buyers_over_ten_tickets_make_ten_orders(
    stack, people, retry, jwt_key
) -> None:
    seller, prober = await people.sign_up(), await people.sign_up()
    tickets = await asyncio.gather(
        *(listed_and_known(retry, seller, prober, f"Seat {n}", 10 + n) for n in range(10))
    )
    async with shoppers(stack.url, jwt_key, 100) as buyers:
        await buy_race(seller, tickets, buyers, retry)


async def buy_race(seller, tickets, buyers, retry) -> None:  # type: ignore[no-untyped-def]
    answers = await asyncio.gather(
        *(
            buyer.post("/api/orders", json={"ticketId": tickets[n % 10]["id"]})
            for n, buyer in enumerate(buyers)
        )
    )

    winners: dict[str, tuple[httpx.AsyncClient, str]] = {}
    for n, (buyer, answer) in enumerate(zip(buyers, answers, strict=True)):
        if answer.status_code == 201:
            ticket_id = tickets[n % 10]["id"]
            assert ticket_id not in winners, "two orders hold one ticket"
            winners[ticket_id] = (buyer, answer.json()["id"])
        else:
            assert answer.status_code == 400, answer.text
            assert answer.json() == RESERVED
    assert sorted(winners) == sorted(t["id"] for t in tickets)
    for ticket in tickets:
        buyer, order_id = winners[ticket["id"]]
        held = await retry(
            lambda t=ticket: seller.get(f"/api/tickets/{t['id']}"),
            200,
            until=lambda r, o=order_id: r.json()["orderId"] == o,
        )
        assert held.json()["version"] == 3
        assert (await buyer.get(f"/api/orders/{order_id}")).json()["status"] == "created"
    losers = [b for b, a in zip(buyers, answers, strict=True) if a.status_code != 201]
    live = await asyncio.gather(*(loser.get("/api/orders") for loser in losers))
    assert all(orders.json() == [] for orders in live)


async def test_concurrent_sign_ups_with_one_email_make_one_account(stack) -> None:
    email = f"race-{uuid.uuid4().hex[:10]}@example.com"
    clients = [
        httpx.AsyncClient(base_url=stack.url, trust_env=False, timeout=20) for _ in range(12)
    ]
    try:
        answers = await asyncio.gather(
            *(
                client.post("/api/users/signup", json={"email": email, "password": f"secret{n:03}"})
                for n, client in enumerate(clients)
            )
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [400] * 11, [a.text for a in answers]
        for answer in answers:
            if answer.status_code == 400:
                assert answer.json() == {"errors": [{"message": "E-mail in use!"}]}
        winner = next(n for n, a in enumerate(answers) if a.status_code == 201)
        account = answers[winner].json()["id"]
        sign_ins = await asyncio.gather(
            *(
                client.post("/api/users/signin", json={"email": email, "password": f"secret{n:03}"})
                for n, client in enumerate(clients)
            )
        )
        assert [n for n, a in enumerate(sign_ins) if a.status_code == 200] == [winner]
        assert sign_ins[winner].json()["id"] == account
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


async def test_the_owner_editing_while_buyers_order_converges(
    stack, people, retry, jwt_key
) -> None:
    seller, prober = await people.sign_up(), await people.sign_up()
    ticket = await listed_and_known(retry, seller, prober, "Edit 0", 10)
    async with shoppers(stack.url, jwt_key, 8) as buyers:
        await edit_race(seller, ticket, buyers, retry)


async def edit_race(seller, ticket, buyers, retry) -> None:  # type: ignore[no-untyped-def]

    async def edit(n: int) -> httpx.Response:
        # The title names the price, so a half-applied edit would show.
        return await seller.put(
            f"/api/tickets/{ticket['id']}", json={"title": f"Edit {n}", "price": 10 + n}
        )

    jobs = [edit(n) for n in range(1, 9)]
    jobs += [b.post("/api/orders", json={"ticketId": ticket["id"]}) for b in buyers]
    answers = await asyncio.gather(*jobs)
    edits, orders = answers[:8], answers[8:]

    for answer in edits:
        assert answer.status_code in {200, 400, 409}, answer.text
        if answer.status_code == 400:
            assert answer.json() == {"errors": [{"message": "Cannot edit a reserved ticket"}]}
    placed = [
        (b, a.json()["id"]) for b, a in zip(buyers, orders, strict=True) if a.status_code == 201
    ]
    assert len(placed) == 1, [a.text for a in orders]
    for answer in orders:
        assert answer.status_code in {201, 400}
    buyer, order_id = placed[0]
    final = await retry(
        lambda: seller.get(f"/api/tickets/{ticket['id']}"),
        200,
        until=lambda r: r.json()["orderId"] == order_id,
    )
    title, price = final.json()["title"], final.json()["price"]
    assert title == f"Edit {price - 10:g}"
    accepted = [a.json() for a in edits if a.status_code == 200]
    assert title in {"Edit 0"} | {e["title"] for e in accepted}
    # Orders' replica converges on what tickets holds.
    await retry(
        lambda: buyer.get(f"/api/orders/{order_id}"),
        200,
        until=lambda r: (
            (r.json()["ticket"]["title"], r.json()["ticket"]["price"]) == (title, price)
        ),
    )
    refused = await seller.put(f"/api/tickets/{ticket['id']}", json={"title": "Late", "price": 99})
    assert refused.status_code == 400
