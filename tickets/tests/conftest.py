from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from mongomock_motor import AsyncMongoMockClient

from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.messages import RecordingPublisher
from zombilet_tickets.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_tickets.events.listeners.order_created import OrderCreatedListener
from zombilet_tickets.main import OUTBOX_COLLECTIONS, build_service, create_app
from zombilet_tickets.repository import TicketRepository
from zombilet_tickets.service import TicketService
from zombilet_tickets.settings import Settings

JWT_KEY = "tickets-test-key"


@dataclass
class Harness:
    """The tickets app over ASGI, on the in-process database double, with a recording publisher."""

    client: httpx.AsyncClient
    db: Any
    publisher: RecordingPublisher
    relay: OutboxRelay
    app: FastAPI

    @staticmethod
    def new_id() -> str:
        return str(ObjectId())

    @staticmethod
    def session(user_id: str, email: str = "user@example.com") -> dict[str, str]:
        """The cookie header of a signed-in user."""
        token = issue_token(SessionUser(id=user_id, email=email), JWT_KEY, 3600)
        return {"cookie": f"session={token}"}

    @property
    def service(self) -> TicketService:
        service: TicketService = self.app.state.tickets
        return service

    def use_repository(self, repository: TicketRepository) -> None:
        self.app.state.tickets = TicketService(repository)

    def listener(self, kind: type[OrderCreatedListener | OrderCancelledListener]) -> Any:
        return kind(self.service)

    async def create(
        self, user: str, title: str = "Concert", price: float = 20, **extra: Any
    ) -> dict[str, Any]:
        body = {"title": title, "price": price, **extra}
        response = await self.client.post("/api/tickets", json=body, headers=self.session(user))
        assert response.status_code == 201, response.text
        ticket: dict[str, Any] = response.json()
        return ticket

    async def doc(self, ticket_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = await self.db.tickets.find_one({"_id": ObjectId(ticket_id)})
        return doc

    async def published(self, subject: str) -> list[tuple[str, str, bytes]]:
        """What reached the bus on `subject`, once each message id, as JetStream keeps it."""
        await self.relay.sweep()
        return self.publisher.kept(subject)


@pytest.fixture
def seller() -> str:
    return str(ObjectId())


@pytest.fixture
async def tickets() -> AsyncIterator[Harness]:
    settings = Settings(
        mongo_uri="mongodb://127.0.0.1:1/tickets", nats_url="nats://127.0.0.1:1", jwt_key=JWT_KEY
    )
    app = create_app(settings)
    db = AsyncMongoMockClient(tz_aware=True)["tickets"]
    publisher = RecordingPublisher()
    relay = OutboxRelay(publisher, [db[name] for name in OUTBOX_COLLECTIONS])  # type: ignore[arg-type]
    await relay.start()
    app.state.tickets = build_service(db, relay)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tickets.test") as client:
        yield Harness(client, db, publisher, relay, app)
    await relay.stop()
