"""/healthz and /readyz (SPEC 12)."""

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from zombilet_common.app import create_service_app
from zombilet_common.health import Check, health_router, mongo_check, nats_check, redis_check


async def up() -> bool:
    return True


async def down() -> bool:
    return False


async def broken() -> bool:
    raise ConnectionError("refused")


async def hanging() -> bool:
    await asyncio.Event().wait()
    return True


async def probe(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


def app_with(checks: Mapping[str, Check], timeout: float = 2.0) -> FastAPI:
    app = FastAPI()
    app.include_router(health_router(checks, timeout=timeout))
    return app


async def test_healthz_is_ok_whatever_the_dependencies() -> None:
    response = await probe(app_with({"mongo": down}), "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_every_check_passes() -> None:
    response = await probe(app_with({"mongo": up, "nats": up}), "/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_readyz_names_each_failing_dependency_in_order() -> None:
    checks = {"mongo": broken, "nats": up, "redis": hanging, "other": down}
    response = await probe(app_with(checks, timeout=0.01), "/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "errors": [
            {"message": "mongo is not reachable."},
            {"message": "redis is not reachable."},
            {"message": "other is not reachable."},
        ]
    }


async def test_readyz_reads_checks_added_after_the_app_was_built() -> None:
    checks: dict[str, Check] = {}
    app = create_service_app(title="test", checks=checks)
    checks["nats"] = down  # as a lifespan would, once its clients exist
    response = await probe(app, "/readyz")
    assert response.json() == {"errors": [{"message": "nats is not reachable."}]}


class FakeAdmin:
    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.commands: list[str] = []

    async def command(self, name: str) -> Any:
        self.commands.append(name)
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


class FakeMongo:
    def __init__(self, reply: Any) -> None:
        self.admin = FakeAdmin(reply)


class FakeNats:
    def __init__(self, connected: bool) -> None:
        self.is_connected = connected


class FakeRedis:
    def __init__(self, reply: Any) -> None:
        self.reply = reply

    async def ping(self) -> Any:
        return self.reply


@pytest.mark.parametrize(("reply", "expected"), [({"ok": 1.0}, True), ({"ok": 0}, False)])
async def test_mongo_check_pings_admin(reply: Any, expected: bool) -> None:
    client = FakeMongo(reply)
    assert await mongo_check(client)() is expected
    assert client.admin.commands == ["ping"]


async def test_mongo_check_failure_makes_readyz_503() -> None:
    response = await probe(app_with({"mongo": mongo_check(FakeMongo(OSError("down")))}), "/readyz")
    assert response.status_code == 503


@pytest.mark.parametrize("connected", [True, False])
async def test_nats_check_follows_the_connection(connected: bool) -> None:
    assert await nats_check(FakeNats(connected))() is connected


@pytest.mark.parametrize(("reply", "expected"), [(True, True), (False, False)])
async def test_redis_check_pings(reply: bool, expected: bool) -> None:
    assert await redis_check(FakeRedis(reply))() is expected
