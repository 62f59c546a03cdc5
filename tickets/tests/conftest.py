from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from bson import ObjectId

from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.harness import Harness, LiveHarness, harness, live_harness
from zombilet_common.testing.servers import Servers
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


class LiveTickets(LiveHarness[TicketService], Tickets):
    """The same helpers over tickets running on the session's servers."""


@pytest.fixture
def seller() -> str:
    return str(ObjectId())


def in_process() -> AbstractAsyncContextManager[Tickets]:
    settings = Settings(
        mongo_uri="mongodb://127.0.0.1:1/tickets",
        nats_url="nats://127.0.0.1:1",
        jwt_key="tickets-test-key-at-least-32-bytes",
    )

    async def build(db: Any, relay: Any, clock: Any) -> TicketService:
        return await build_service(db, relay)

    return harness(Tickets, create_app(settings), SERVICE, build)


@pytest.fixture
async def tickets() -> AsyncIterator[Tickets]:
    async with in_process() as kit:
        yield kit


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every body on both rings, except the many cases of one rule: those run in-process.
    if "ring" in metafunc.fixturenames:
        rings: list[Any] = ["double"]
        if metafunc.definition.get_closest_marker("parametrize") is None:
            rings.append(pytest.param("live", marks=pytest.mark.integration))
        metafunc.parametrize("ring", rings)


@pytest.fixture
async def both_rings(request: pytest.FixtureRequest, ring: str) -> AsyncIterator[Tickets]:
    """Tickets in-process on the database double, then live on the session's servers: a
    test written against this runs its one body on both."""
    if ring == "double":
        async with in_process() as kit:
            yield kit
        return
    servers: Servers = request.getfixturevalue("servers")
    settings = Settings(
        mongo_uri=servers.mongo_uri(fresh_name("tickets")),
        nats_url=servers.nats_url,
        jwt_key="tickets-test-key-at-least-32-bytes",
    )
    app = create_app(settings)
    async with live_harness(LiveTickets, app, SERVICE, nats_url=servers.nats_url) as kit:
        yield kit
