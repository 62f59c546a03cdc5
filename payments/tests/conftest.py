"""The payments harness (ASGI app on the in-process database double) and a Stripe stand-in
(`zombilet_common.standins.stripe`) for the official library to talk to."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from mongomock_motor import AsyncMongoMockClient

from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
)
from zombilet_common.outbox import OutboxRelay
from zombilet_common.standins.stripe import StripeStandIn
from zombilet_common.testing.harness import Clock
from zombilet_common.testing.messages import FakeMessage, RecordingPublisher
from zombilet_payments.compensation import Compensation
from zombilet_payments.gateways import PaymentGateway
from zombilet_payments.gateways.stripe_api import StripeGateway
from zombilet_payments.main import SERVICE, build_gateway, build_service, create_app
from zombilet_payments.repository import OrderReplicaRepository
from zombilet_payments.service import PaymentService
from zombilet_payments.settings import Settings

JWT_KEY = "payments-test-key-at-least-32-bytes"


@pytest.fixture
async def stripe_standin() -> AsyncIterator[StripeStandIn]:
    """A Stripe stand-in served on a free port for this test."""
    async with StripeStandIn().running() as standin:
        yield standin


# ---------------------------------------------------------------------------------------------
# The payments app over ASGI


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mongo_uri": "mongodb://127.0.0.1:1/payments",
        "nats_url": "nats://127.0.0.1:1",
        "jwt_key": JWT_KEY,
        **overrides,
    }
    return Settings(**values)


def session_cookie(user_id: str) -> dict[str, str]:
    token = issue_token(SessionUser(id=user_id, email="buyer@example.com"), JWT_KEY, 3600)
    return {"cookie": f"session={token}"}


@dataclass
class Harness:
    """The payments app over ASGI on mongomock, with a recording publisher and its listeners."""

    client: httpx.AsyncClient
    db: Any
    publisher: RecordingPublisher
    relay: OutboxRelay
    service: PaymentService
    compensation: Compensation
    gateway: PaymentGateway
    clock: Clock
    buyer: str = field(default_factory=lambda: str(ObjectId()))

    def __post_init__(self) -> None:
        self.created, self.cancelled, self.completed = SERVICE.build_listeners(self.service)

    async def order(
        self, *, user_id: str | None = None, price: float = 16.99, expires_in: float = 60.0
    ) -> str:
        """Deliver an `order.created` as orders would publish it; the new order's id."""
        event = OrderCreatedEvent(
            id=str(ObjectId()),
            version=0,
            status="created",
            user_id=user_id or self.buyer,
            expires_at=self.clock() + timedelta(seconds=expires_in),
            ticket=OrderTicket(id=str(ObjectId()), title="Concert", price=price),
        )
        msg = FakeMessage.of(event, msg_id=event.message_id())
        await self.created.handle(msg)
        assert msg.answers == ["ack"]
        return event.id

    async def cancel(
        self, order_id: str, *, version: int = 1, num_delivered: int = 1
    ) -> FakeMessage:
        event = OrderCancelledEvent(
            id=order_id,
            version=version,
            status="cancelled",
            user_id=self.buyer,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )
        msg = FakeMessage.of(event, msg_id=event.message_id(), num_delivered=num_delivered)
        await self.cancelled.handle(msg)
        return msg

    async def complete(self, order_id: str, *, version: int = 1) -> FakeMessage:
        event = OrderCompletedEvent(
            id=order_id,
            version=version,
            status="complete",
            user_id=self.buyer,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )
        msg = FakeMessage.of(event, msg_id=event.message_id())
        await self.completed.handle(msg)
        return msg

    async def pay(
        self, order_id: str, token: str = "tok_visa", *, user_id: str | None = None
    ) -> httpx.Response:
        return await self.client.post(
            "/api/payments",
            json={"token": token, "orderId": order_id},
            headers=session_cookie(user_id or self.buyer),
        )

    @property
    def cookie(self) -> dict[str, str]:
        """The buyer's session cookie header."""
        return session_cookie(self.buyer)

    async def post(self, body: Any = None, *, content: bytes | None = None) -> httpx.Response:
        """POST /api/payments as the buyer with any JSON body, or raw bytes."""
        headers = {**session_cookie(self.buyer), "content-type": "application/json"}
        if content is None:
            return await self.client.post("/api/payments", json=body, headers=headers)
        return await self.client.post("/api/payments", content=content, headers=headers)

    @property
    def replicas(self) -> OrderReplicaRepository:
        """The order replicas as the service reads and writes them."""
        return OrderReplicaRepository(self.db)

    async def replica(self, order_id: str) -> dict[str, Any]:
        doc = await self.db.order_replicas.find_one({"_id": ObjectId(order_id)})
        assert doc is not None
        return dict(doc)

    async def payment(self, order_id: str) -> dict[str, Any] | None:
        doc = await self.db.payments.find_one({"order_id": order_id})
        return None if doc is None else dict(doc)

    async def published(self, subject: str) -> list[tuple[str, str, bytes]]:
        """What reached the bus on `subject`, once each message id, as JetStream keeps it."""
        await self.relay.sweep()
        return self.publisher.kept(subject)


HarnessFactory = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_payments() -> AsyncIterator[HarnessFactory]:
    """Builds harnesses: the offline gateway by default, or the gateway `create_app` would
    pick for `settings`, or a given one."""
    opened: list[tuple[httpx.AsyncClient, OutboxRelay, PaymentGateway]] = []

    async def make(
        *, gateway: PaymentGateway | None = None, settings: Settings | None = None
    ) -> Harness:
        settings = settings or make_settings()
        app: FastAPI = create_app(settings)
        db = AsyncMongoMockClient(tz_aware=True)["payments"]
        publisher = RecordingPublisher()
        relay = OutboxRelay(publisher, [db[name] for name in SERVICE.outbox])
        await relay.start()
        gateway = gateway or await build_gateway(settings, db)
        clock = Clock()
        service, compensation = await build_service(
            db, relay, gateway, currency=settings.stripe_currency, clock=clock
        )
        app.state.payments = service
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://payments.test"
        )
        opened.append((client, relay, gateway))
        return Harness(client, db, publisher, relay, service, compensation, gateway, clock)

    yield make
    for client, relay, gateway in opened:
        await client.aclose()
        await relay.stop()
        await gateway.close()


@pytest.fixture
async def payments(make_payments: HarnessFactory) -> Harness:
    """Payments with the offline gateway."""
    return await make_payments()


@pytest.fixture
def stripe_settings(stripe_standin: StripeStandIn) -> Callable[..., Settings]:
    """Settings with STRIPE_KEY, the library pointed at the stand-in unless overridden."""

    def make(**overrides: Any) -> Settings:
        values = {
            "stripe_key": StripeStandIn.API_KEY,
            "stripe_api_base": stripe_standin.url,
            **overrides,
        }
        return make_settings(**values)

    return make


@pytest.fixture
async def stripe_payments(
    make_payments: HarnessFactory, stripe_settings: Callable[..., Settings]
) -> Harness:
    """Payments with the Stripe gateway (the official library) pointed at the stand-in."""
    return await make_payments(settings=stripe_settings())


@pytest.fixture
async def stripe_gateway_at() -> AsyncIterator[Callable[..., StripeGateway]]:
    """StripeGateway instances on given addresses, keys and timeouts, closed at the end."""
    made: list[StripeGateway] = []

    def make(
        api_base: str, *, api_key: str = StripeStandIn.API_KEY, timeout: float = 20.0
    ) -> StripeGateway:
        gateway = StripeGateway(api_key, api_base=api_base, timeout=timeout)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.close()
