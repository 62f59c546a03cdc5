"""Restarts: the NATS server in the middle of a purchase, and the whole stack on its data."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from zombilet_common.testing.servers import NatsServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A NATS server of the test's own, so it can be stopped and started again."""
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stacks(nats: NatsServer, stack_starter: Any, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """This module's stacks, the last one running: a test restarting the stack appends."""
    root = tmp_path_factory.mktemp("restarts")
    running = [stack_starter(root, NATS_URL=nats.url, EXPIRATION_WINDOW_SECONDS="10")]
    try:
        yield running
    finally:
        for process in running:
            process.close()


@pytest.fixture(scope="module")
def stack(stacks):  # type: ignore[no-untyped-def]
    return stacks[0]


async def test_a_purchase_survives_a_nats_restart_in_its_middle(
    stack, nats, people, retry, bus, order_becomes
) -> None:
    seller, buyer = await people.sign_up(), await people.sign_up()
    ticket = (await seller.post("/api/tickets", json={"title": "Mid", "price": 30})).json()
    order = (
        await retry(lambda: buyer.post("/api/orders", json={"ticketId": ticket["id"]}), 201)
    ).json()
    await retry(
        lambda: seller.get(f"/api/tickets/{ticket['id']}"),
        200,
        until=lambda r: r.json()["orderId"] == order["id"],
    )
    await bus.drained()
    await bus.client.close()

    nats.stop()
    # Written while the bus is down: their events wait in the outboxes.
    paid = await buyer.post("/api/payments", json={"token": "tok_visa", "orderId": order["id"]})
    assert paid.status_code == 201, paid.text
    later = await seller.post("/api/tickets", json={"title": "Later", "price": 31})
    assert later.status_code == 201, later.text
    nats.start()

    await order_becomes(buyer, order["id"], "complete")
    other = await people.sign_up()
    await retry(lambda: other.post("/api/orders", json={"ticketId": later.json()["id"]}), 201)


async def test_the_whole_stack_restarted_on_its_data_keeps_everything(
    stacks, nats, people, retry, stack_starter, order_becomes
) -> None:
    stack = stacks[-1]
    seller, buyer = await people.sign_up(), await people.sign_up()
    me = (await buyer.get("/api/users/currentuser")).json()["currentUser"]
    kept = (await seller.post("/api/tickets", json={"title": "Kept", "price": 25})).json()
    held = (await seller.post("/api/tickets", json={"title": "Held", "price": 26})).json()
    paid = (
        await retry(lambda: buyer.post("/api/orders", json={"ticketId": kept["id"]}), 201)
    ).json()
    payment = await retry(
        lambda: buyer.post("/api/payments", json={"token": "tok_visa", "orderId": paid["id"]}), 201
    )
    await order_becomes(buyer, paid["id"], "complete")
    pending = (
        await retry(lambda: buyer.post("/api/orders", json={"ticketId": held["id"]}), 201)
    ).json()
    session = buyer.cookies["session"]

    assert (await buyer.get(f"/api/orders/{pending['id']}")).json()["status"] == "created"
    assert stack.terminate() == 0
    nats.stop()
    nats.start()
    again = stack_starter(
        stack.data_dir.parent,
        stack.data_dir,
        NATS_URL=nats.url,
        EXPIRATION_WINDOW_SECONDS="10",
        ZOMBILET_PORT=str(stack.port),
    )
    stacks.append(again)

    async with httpx.AsyncClient(
        base_url=again.url, trust_env=False, timeout=20, headers={"cookie": f"session={session}"}
    ) as client:
        assert (await client.get("/api/users/currentuser")).json()["currentUser"] == me
        orders = {o["id"]: o for o in (await client.get("/api/orders")).json()}
        assert orders[paid["id"]]["status"] == "complete"
        assert orders[paid["id"]]["ticket"] == {"id": kept["id"], "title": "Kept", "price": 25}
        again_paid = await client.post(
            "/api/payments", json={"token": "tok_visa", "orderId": paid["id"]}
        )
        assert again_paid.json() == {"errors": [{"message": "This order has already been paid."}]}
        assert payment.json()["orderId"] == paid["id"]
        shown = (await client.get(f"/api/tickets/{kept['id']}")).json()
        assert (shown["title"], shown["orderId"]) == ("Kept", paid["id"])
        # The expiry scheduled before the restart still cancels the unpaid order.
        await order_becomes(client, pending["id"], "cancelled")
        await retry(
            lambda: client.get(f"/api/tickets/{held['id']}"),
            200,
            until=lambda r: r.json()["orderId"] is None,
        )
        password = await client.post(
            "/api/users/signin", json={"email": me["email"], "password": "password1"}
        )
        assert password.status_code == 200
        await retry(lambda: client.post("/api/orders", json={"ticketId": held["id"]}), 201)
