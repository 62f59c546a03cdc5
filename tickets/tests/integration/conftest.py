from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient

from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.bus import Publisher, connect_nats
from zombilet_common.testing.apps import running, stored
from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.listening import collect
from zombilet_common.testing.servers import Servers
from zombilet_tickets.main import create_app
from zombilet_tickets.settings import Settings

JWT_KEY = "tickets-integration-key-at-least-32-bytes"


@dataclass
class LiveTickets:
    """The tickets app with its real lifespan: the Mongo-wire store and NATS of the session."""

    app: FastAPI
    db: Any

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://tickets.test"
        )

    @staticmethod
    def session(user_id: str) -> dict[str, str]:
        token = issue_token(SessionUser(id=user_id, email="seller@example.com"), JWT_KEY, 3600)
        return {"cookie": f"session={token}"}


@dataclass
class Bus:
    """A test's own NATS connection: publishes as another service would, and listens in."""

    nc: NatsClient
    publisher: Publisher

    async def collect(self, subject: str) -> list[dict[str, Any]]:
        """Every message published on `subject` from now on."""
        return await collect(self.nc, subject)


@pytest.fixture
async def live_tickets(servers: Servers) -> AsyncIterator[LiveTickets]:
    settings = Settings(
        mongo_uri=servers.mongo_uri(fresh_name("tickets")),
        nats_url=servers.nats_url,
        jwt_key=JWT_KEY,
    )
    app = create_app(settings)
    async with running(app), stored(settings.mongo_uri) as db:
        yield LiveTickets(app, db)


@pytest.fixture
async def bus(servers: Servers) -> AsyncIterator[Bus]:
    nc = await connect_nats(servers.nats_url, service="tickets-test", retry_for=5)
    yield Bus(nc, Publisher(nc.jetstream()))
    await nc.close()
