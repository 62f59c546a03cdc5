from collections.abc import AsyncIterator
from typing import Any

import pytest
from bson import ObjectId

from zombilet_common.testing.harness import Harness, harness
from zombilet_tickets.main import SERVICE, build_service, create_app
from zombilet_tickets.repository import TicketRepository
from zombilet_tickets.service import TicketService
from zombilet_tickets.settings import Settings


class Tickets(Harness[TicketService]):
    """The tickets app over ASGI, on the in-process database double, with a recording publisher."""

    def use_repository(self, repository: TicketRepository) -> None:
        self.install(TicketService(repository))

    async def create(
        self, user: str, title: str = "Concert", price: float = 20, **extra: Any
    ) -> dict[str, Any]:
        body = {"title": title, "price": price, **extra}
        response = await self.client.post("/api/tickets", json=body, headers=self.session(user))
        assert response.status_code == 201, response.text
        ticket: dict[str, Any] = response.json()
        return ticket


@pytest.fixture
def seller() -> str:
    return str(ObjectId())


@pytest.fixture
async def tickets() -> AsyncIterator[Tickets]:
    settings = Settings(
        mongo_uri="mongodb://127.0.0.1:1/tickets",
        nats_url="nats://127.0.0.1:1",
        jwt_key="tickets-test-key",
    )

    async def build(db: Any, relay: Any, clock: Any) -> TicketService:
        return await build_service(db, relay)

    async with harness(Tickets, create_app(settings), SERVICE, build) as kit:
        yield kit
