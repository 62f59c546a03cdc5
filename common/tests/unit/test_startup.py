"""A service's lifespan runs in the background: health first, retries, prompt stops."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from zombilet_common import startup
from zombilet_common.app import create_service_app
from zombilet_common.health import STARTING as STARTING_UP
from zombilet_common.testing.wait import wait_until

STARTING = {"errors": [{"message": "The service is starting. Please try again."}]}


class Gate:
    """A lifespan that starts only when told to, failing its first `failures` attempts."""

    def __init__(self, failures: int = 0) -> None:
        self.open = asyncio.Event()
        self.attempts = 0
        self.stopped = False
        self._failures = failures

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        self.attempts += 1
        if self.attempts <= self._failures:
            raise ConnectionError("the database is down")
        await self.open.wait()
        try:
            yield
        finally:
            self.stopped = True


def service(gate: Gate) -> FastAPI:
    app = create_service_app(title="svc", lifespan=gate.lifespan)
    router = APIRouter()

    @router.get("/api/things")
    async def things() -> list[str]:
        return []

    app.include_router(router)
    return app


async def test_health_answers_while_the_service_is_still_starting() -> None:
    gate = Gate()
    app = service(gate)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client,
    ):
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()) == (503, {"errors": [{"message": STARTING_UP}]})
        early = await client.get("/api/things")
        assert (early.status_code, early.json()) == (503, STARTING)

        gate.open.set()
        await wait_until(lambda: app.state.started.is_set(), within=2)

        assert (await client.get("/readyz")).json() == {"status": "ready"}
        assert (await client.get("/api/things")).json() == []
    assert gate.stopped


async def test_a_start_that_fails_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "FIRST_RETRY_SECONDS", 0.01)
    gate = Gate(failures=2)
    gate.open.set()
    app = service(gate)
    async with app.router.lifespan_context(app):
        await wait_until(lambda: app.state.started.is_set(), within=2)
    assert gate.attempts == 3


async def test_stopping_before_the_start_cancels_it_at_once() -> None:
    gate = Gate()
    app = service(gate)
    async with asyncio.timeout(2), app.router.lifespan_context(app):
        await asyncio.sleep(0)
    assert gate.attempts == 1
    assert not app.state.started.is_set()
