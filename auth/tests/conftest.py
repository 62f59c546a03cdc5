from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from mongomock_motor import AsyncMongoMockClient

from zombilet_auth.main import OUTBOX_COLLECTIONS, build_service, create_app
from zombilet_auth.settings import Settings
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.messages import RecordingPublisher

JWT_KEY = "auth-test-key"


@dataclass
class Harness:
    """The auth app over ASGI, on the in-process database double, with a recording publisher."""

    client: httpx.AsyncClient
    db: Any
    publisher: RecordingPublisher
    relay: OutboxRelay
    settings: Settings
    app: FastAPI

    async def signup(self, email: str = "me@example.com", password: str = "password1") -> Any:
        return await self.client.post(
            "/api/users/signup", json={"email": email, "password": password}
        )

    async def published(self, subject: str) -> list[tuple[str, str, bytes]]:
        """What reached the bus on `subject`, once each message id, as JetStream keeps it."""
        await self.relay.sweep()
        return self.publisher.kept(subject)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mongo_uri": "mongodb://127.0.0.1:1/auth",
        "nats_url": "nats://127.0.0.1:1",
        "jwt_key": JWT_KEY,
        "jwt_ttl_seconds": 3600,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
async def auth() -> AsyncIterator[Harness]:
    settings = make_settings()
    app = create_app(settings)
    db = AsyncMongoMockClient(tz_aware=True)["auth"]
    publisher = RecordingPublisher()
    relay = OutboxRelay(publisher, [db[name] for name in OUTBOX_COLLECTIONS])  # type: ignore[arg-type]
    await relay.start()
    app.state.auth = await build_service(db, relay)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://auth.test") as client:
        yield Harness(client, db, publisher, relay, settings, app)
    await relay.stop()
