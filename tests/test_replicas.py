"""Two processes each of tickets and orders behind the gateway: still one order per ticket, and
each event handled once per service, the replicas sharing their durable consumers."""

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import nats
import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient

from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.testing.wait import wait_until
from zombilet_local.handle import StackProcess, running_stack, stack_env

pytestmark = pytest.mark.integration

JWT_KEY = "replicas-" + "k" * 55
TICKETS = 6
BUYERS_PER_TICKET = 8


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    root = tmp_path_factory.mktemp("replicas")
    env = stack_env(
        root / "data",
        ZOMBILET_SERVICES="tickets,orders",
        ZOMBILET_REPLICAS="tickets=2,orders=2",
        JWT_KEY=JWT_KEY,
    )
    with running_stack(env, root) as process:
        yield process


def cookie() -> dict[str, str]:
    user = SessionUser(id=str(ObjectId()), email="replica@example.com")
    return {"cookie": f"session={issue_token(user, JWT_KEY, 600)}"}


def upstream_ports(stack: StackProcess) -> dict[str, list[int]]:
    config = json.loads((stack.data_dir / "envoy" / "envoy.json").read_text())
    return {
        cluster["name"]: [
            lb["endpoint"]["address"]["socket_address"]["port_value"]
            for group in cluster["load_assignment"]["endpoints"]
            for lb in group["lb_endpoints"]
        ]
        for cluster in config["static_resources"]["clusters"]
    }


async def consumer(stack: StackProcess, stream: str, name: str) -> Any:
    nc = await nats.connect(stack.stderr_url("nats"))
    try:
        return await nc.jetstream().consumer_info(stream, name)
    finally:
        await nc.close()


async def test_every_replica_runs_behind_the_gateway(replicated: StackProcess) -> None:
    ports = upstream_ports(replicated)

    assert len(ports["tickets"]) == len(ports["orders"]) == 2
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        for port in ports["tickets"] + ports["orders"]:
            assert (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200


async def test_each_ticket_gets_one_order_and_each_event_is_handled_once(
    replicated: StackProcess,
) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(replicated.stderr_url("mongo"))
    async with httpx.AsyncClient(base_url=replicated.url, trust_env=False, timeout=20) as http:
        seller = cookie()
        listed = [
            await http.post("/api/tickets", json={"title": f"Seat {n}", "price": 5}, headers=seller)
            for n in range(TICKETS)
        ]
        assert [answer.status_code for answer in listed] == [201] * TICKETS
        tickets = [answer.json()["id"] for answer in listed]
        replicas = mongo["orders"]["ticket_replicas"]
        ids = [ObjectId(t) for t in tickets]

        async def all_replicated() -> bool:
            # Counted here: the local store's count_documents misses ObjectIds in $in.
            return len(await replicas.find({"_id": {"$in": ids}}).to_list()) == TICKETS

        await wait_until(all_replicated, within=15, message="orders never heard of the tickets")

        answers = await asyncio.gather(
            *(
                http.post("/api/orders", json={"ticketId": ticket}, headers=cookie())
                for ticket in tickets
                for _ in range(BUYERS_PER_TICKET)
            )
        )

        winners: dict[str, str] = {}
        for answer in answers:
            assert answer.status_code in (201, 400), answer.text
            if answer.status_code == 201:
                body = answer.json()
                assert body["ticket"]["id"] not in winners
                winners[body["ticket"]["id"]] = body["id"]
        assert set(winners) == set(tickets)

        async def all_reserved() -> bool:
            shown = [(await http.get(f"/api/tickets/{t}")).json()["orderId"] for t in tickets]
            return shown == [winners[t] for t in tickets]

        await wait_until(all_reserved, within=15, message="tickets never saw every order")

    async def all_answered() -> bool:
        infos = [
            await consumer(replicated, "ORDERS", "tickets-order-created"),
            await consumer(replicated, "TICKETS", "orders-ticket-created"),
            await consumer(replicated, "TICKETS", "orders-ticket-updated"),
        ]
        return all(info.num_pending == info.num_ack_pending == 0 for info in infos) and all(
            info.delivered.consumer_seq == TICKETS for info in infos
        )

    await wait_until(all_answered, within=15, message="some event was not answered")
    # One message per event (the relays of both replicas publish under one message id) and
    # one delivery of each to one of the two processes sharing the consumer.
    for stream, name in [
        ("ORDERS", "tickets-order-created"),
        ("TICKETS", "orders-ticket-created"),
        ("TICKETS", "orders-ticket-updated"),
    ]:
        info = await consumer(replicated, stream, name)
        assert (info.delivered.consumer_seq, info.num_redelivered) == (TICKETS, 0), name
    orders = mongo["orders"]["orders"]
    assert len(await orders.find({"ticket_id": {"$in": tickets}}).to_list()) == TICKETS
    stored = mongo["tickets"]["tickets"].find({"_id": {"$in": ids}})
    assert {doc["version"] async for doc in stored} == {1}
    await mongo.close()
