from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from zombilet_auth.main import SERVICE, build_service, create_app
from zombilet_auth.passwords import MIN_MEMORY_KIB, HashCost, Passwords
from zombilet_auth.service import AuthService
from zombilet_auth.settings import Settings
from zombilet_common.testing.harness import Harness, harness

# Argon2id at its least: the suites sign up hundreds of users. Production keeps the defaults.
CHEAP = HashCost(time_cost=1, memory_kib=MIN_MEMORY_KIB)


class Auth(Harness[AuthService]):
    """The auth app over ASGI, on the in-process database double, with a recording publisher."""

    @property
    def settings(self) -> Settings:
        settings: Settings = self.app.state.settings
        return settings

    async def signup(
        self, email: str = "me@example.com", password: str = "password1"
    ) -> httpx.Response:
        return await self.client.post(
            "/api/users/signup", json={"email": email, "password": password}
        )


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mongo_uri": "mongodb://127.0.0.1:1/auth",
        "nats_url": "nats://127.0.0.1:1",
        "jwt_key": "auth-test-key-at-least-32-bytes-long",
        "jwt_ttl_seconds": 3600,
        "password_hash_time_cost": CHEAP.time_cost,
        "password_hash_memory_kib": CHEAP.memory_kib,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
async def auth() -> AsyncIterator[Auth]:
    async def build(db: Any, relay: Any, clock: Any) -> AuthService:
        return await build_service(db, relay, Passwords(CHEAP), clock=clock)

    async with harness(Auth, create_app(make_settings()), SERVICE, build) as kit:
        yield kit
