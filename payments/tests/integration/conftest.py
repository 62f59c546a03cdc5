from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.bus import connect_nats, ensure_streams
from zombilet_common.events import (
    Event,
    OrderCancelledEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
)
from zombilet_common.testing.apps import running, stored
from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.listening import collect
from zombilet_common.testing.servers import Servers
from zombilet_common.testing.wait import wait_until
from zombilet_payments.main import create_app
from zombilet_payments.settings import Settings

JWT_KEY = "payments-integration-key-at-least-32-bytes"


@pytest.fixture
def nats_url(own_nats_url: str) -> str:
    """NATS with no streams but this test's: its streams and durables start empty, so what a
    consumer has acked says what this test's app has handled."""
    return own_nats_url


@dataclass
class Bus:
    """The test's side of NATS: publishes order events as orders would, watches subjects."""

    nc: NatsClient
    js: JetStreamContext

    async def publish(self, event: Event, msg_id: str | None = None) -> int:
        """Publish to JetStream; the stream sequence it got."""
        ack = await self.js.publish(
            event.subject.value,
            event.to_bytes(),
            headers={"Nats-Msg-Id": msg_id or event.message_id()},
        )
        return ack.seq

    async def watch(self, subject: str) -> list[dict[str, Any]]:
        """Every message published on `subject` from now on, with its `Nats-Msg-Id`."""
        return await collect(self.nc, subject)

    async def acked_up_to(self, durable: str, seq: int) -> bool:
        info = await self.js.consumer_info("ORDERS", durable)
        return info.ack_floor is not None and (info.ack_floor.stream_seq or 0) >= seq


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[Bus]:
    nc = await connect_nats(nats_url, service="payments-test", retry_for=5)
    js = nc.jetstream()
    await ensure_streams(js)
    yield Bus(nc, js)
    await nc.close()


@dataclass
class LivePayments:
    """The payments app with its real lifespan on the session's Mongo-wire store and the
    test's NATS; `buyer` owns the orders it creates."""

    app: FastAPI
    settings: Settings
    bus: Bus
    db: Any
    buyer: str = field(default_factory=lambda: str(ObjectId()))

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://payments.test"
        )

    @property
    def cookie(self) -> dict[str, str]:
        user = SessionUser(id=self.buyer, email="buyer@example.com")
        return {"cookie": f"session={issue_token(user, JWT_KEY, 3600)}"}

    async def order(self, *, price: float = 16.99, expires_in: float = 60.0) -> str:
        """Publish `order.created` and wait for the replica; the order's id."""
        event = OrderCreatedEvent(
            id=str(ObjectId()),
            version=0,
            status="created",
            user_id=self.buyer,
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
            ticket=OrderTicket(id=str(ObjectId()), title="Gig", price=price),
        )
        await self.bus.publish(event)

        async def replicated() -> bool:
            return await self.db.order_replicas.find_one({"_id": ObjectId(event.id)}) is not None

        await wait_until(replicated, within=5)
        return event.id

    def cancelled(self, order_id: str, version: int = 1) -> OrderCancelledEvent:
        return OrderCancelledEvent(
            id=order_id,
            version=version,
            status="cancelled",
            user_id=self.buyer,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )

    async def pay(self, client: httpx.AsyncClient, order_id: str, token: str = "tok_visa") -> Any:
        return await client.post(
            "/api/payments", json={"token": token, "orderId": order_id}, headers=self.cookie
        )


LiveFactory = Callable[..., Awaitable[LivePayments]]


@pytest.fixture
async def start_payments(servers: Servers, nats_url: str, bus: Bus) -> AsyncIterator[LiveFactory]:
    """Starts payments apps (their lifespans) on one fresh database; stops them at the end."""
    database = fresh_name("payments")
    async with AsyncExitStack() as stack:
        db = await stack.enter_async_context(stored(servers.mongo_uri(database)))

        async def start(**overrides: Any) -> LivePayments:
            settings = Settings(
                mongo_uri=servers.mongo_uri(database),
                nats_url=nats_url,
                jwt_key=JWT_KEY,
                **overrides,
            )
            app = create_app(settings)
            await stack.enter_async_context(running(app))
            return LivePayments(app, settings, bus, db)

        yield start
