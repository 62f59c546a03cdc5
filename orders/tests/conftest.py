from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from mongomock_motor import AsyncMongoMockClient

from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.events import Event, TicketCreatedEvent, TicketUpdatedEvent
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.messages import FakeMessage, RecordingPublisher
from zombilet_orders.main import OUTBOX_COLLECTIONS, build_listeners, build_service, create_app
from zombilet_orders.service import OrderService
from zombilet_orders.settings import Settings

JWT_KEY = "orders-test-key"


@dataclass
class Clock:
    """The service's clock, moved by tests."""

    now: datetime = field(default_factory=lambda: datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Harness:
    """The orders app over ASGI, on the in-process database double, with a recording publisher
    and a clock the test moves."""

    client: httpx.AsyncClient
    db: Any
    publisher: RecordingPublisher
    relay: OutboxRelay
    app: FastAPI
    clock: Clock

    @staticmethod
    def new_id() -> str:
        return str(ObjectId())

    @staticmethod
    def session(user_id: str, email: str = "buyer@example.com") -> dict[str, str]:
        """The cookie header of a signed-in user."""
        token = issue_token(SessionUser(id=user_id, email=email), JWT_KEY, 3600)
        return {"cookie": f"session={token}"}

    @property
    def service(self) -> OrderService:
        service: OrderService = self.app.state.orders
        return service

    async def deliver(self, event: Event, num_delivered: int = 1) -> FakeMessage:
        """Hand `event` to the listener of its subject, as JetStream would."""
        (listener,) = [
            each for each in build_listeners(self.service) if each.payload.subject == event.subject
        ]
        msg = FakeMessage.of(event, msg_id=event.message_id(), num_delivered=num_delivered)
        await listener.handle(msg)
        return msg

    async def ticket(self, title: str = "Concert", price: float = 20) -> str:
        """A ticket orders has heard of, at version 0."""
        ticket_id = self.new_id()
        event = TicketCreatedEvent(
            id=ticket_id, version=0, title=title, price=price, user_id=self.new_id()
        )
        assert (await self.deliver(event)).answers == ["ack"]
        return ticket_id

    async def edit_ticket(self, ticket_id: str, version: int, title: str, price: float) -> Any:
        event = TicketUpdatedEvent(
            id=ticket_id,
            version=version,
            title=title,
            price=price,
            user_id=self.new_id(),
            order_id=None,
        )
        return await self.deliver(event)

    async def order(self, user: str, ticket_id: object) -> httpx.Response:
        return await self.client.post(
            "/api/orders", json={"ticketId": ticket_id}, headers=self.session(user)
        )

    async def placed(self, user: str, ticket_id: str) -> dict[str, Any]:
        response = await self.order(user, ticket_id)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    async def doc(self, order_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = await self.db.orders.find_one({"_id": ObjectId(order_id)})
        return doc

    async def replica(self, ticket_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = await self.db.ticket_replicas.find_one({"_id": ObjectId(ticket_id)})
        return doc

    async def published(self, subject: str) -> list[tuple[str, str, bytes]]:
        """What reached the bus on `subject`, once each message id, as JetStream keeps it."""
        await self.relay.sweep()
        return self.publisher.kept(subject)


@pytest.fixture
def buyer() -> str:
    return str(ObjectId())


@pytest.fixture
def window() -> int:
    return 60


@pytest.fixture
async def orders(window: int) -> AsyncIterator[Harness]:
    settings = Settings(
        mongo_uri="mongodb://127.0.0.1:1/orders",
        nats_url="nats://127.0.0.1:1",
        jwt_key=JWT_KEY,
        expiration_window_seconds=window,
    )
    app = create_app(settings)
    db = AsyncMongoMockClient(tz_aware=True)["orders"]
    publisher = RecordingPublisher()
    relay = OutboxRelay(publisher, [db[name] for name in OUTBOX_COLLECTIONS])  # type: ignore[arg-type]
    await relay.start()
    clock = Clock()
    app.state.orders = await build_service(db, relay, settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orders.test") as client:
        yield Harness(client, db, publisher, relay, app, clock)
    await relay.stop()
