from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from zombilet_auth.main import create_app
from zombilet_auth.passwords import MIN_MEMORY_KIB
from zombilet_auth.settings import Settings
from zombilet_common.testing.apps import running, stored
from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.servers import Servers


@dataclass
class LiveAuth:
    """The auth app with its real lifespan: the Mongo-wire store and NATS of the session."""

    app: FastAPI
    settings: Settings
    db: Any

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://auth.test"
        )


@pytest.fixture
async def live_auth(servers: Servers) -> AsyncIterator[LiveAuth]:
    settings = Settings(
        mongo_uri=servers.mongo_uri(fresh_name("auth")),
        nats_url=servers.nats_url,
        jwt_key="auth-integration-key-at-least-32-bytes",
        password_hash_time_cost=1,
        password_hash_memory_kib=MIN_MEMORY_KIB,
    )
    app = create_app(settings)
    async with running(app), stored(settings.mongo_uri) as db:
        yield LiveAuth(app, settings, db)
