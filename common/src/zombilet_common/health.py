"""Health endpoints (SPEC 12): /healthz while the loop runs, /readyz while connections are up."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from zombilet_common.error_handlers import error_response
from zombilet_common.errors import FieldError

Check = Callable[[], Awaitable[bool]]
"""True while a dependency answers."""

CHECK_TIMEOUT_SECONDS = 2.0


STARTING = "The service is starting."


def health_router(
    checks: Mapping[str, Check],
    timeout: float = CHECK_TIMEOUT_SECONDS,
    started: Callable[[], bool] = lambda: True,
) -> APIRouter:
    """`GET /healthz` and `GET /readyz`.

    `checks` maps a dependency name (mongo, nats, redis) to its check, each bounded by `timeout`
    seconds, an exception counting as down. It is read on every probe, so a lifespan may fill
    a dict it passed in here once its clients exist. Until `started()` holds, the process is
    not ready even when every dependency answers (it is still wiring itself up).
    """
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        named = list(checks.items())
        results = await asyncio.gather(*(_passes(check, within=timeout) for _, check in named))
        down = [name for (name, _), up in zip(named, results, strict=True) if not up]
        if down:
            return error_response(503, [FieldError(f"{name} is not reachable.") for name in down])
        if not started():
            return error_response(503, [FieldError(STARTING)])
        return JSONResponse({"status": "ready"})

    return router


async def _passes(check: Check, *, within: float) -> bool:
    try:
        async with asyncio.timeout(within):
            return bool(await check())
    # A probe answers "not ready" whatever broke; the reason is the dependency's own logs.
    except Exception:
        return False


class _NatsClient(Protocol):
    @property
    def is_connected(self) -> bool: ...


# Typed Any so any async client fits: pymongo or mongomock-motor, redis or arq, a test fake.
def mongo_check(client: Any) -> Check:
    """Ready while `client` (pymongo's AsyncMongoClient) answers an admin ping."""

    async def check() -> bool:
        reply = await client.admin.command("ping")
        return bool(reply.get("ok")) if isinstance(reply, Mapping) else bool(reply)

    return check


def nats_check(nc: _NatsClient) -> Check:
    """Ready while the NATS connection is up."""

    async def check() -> bool:
        return nc.is_connected

    return check


def redis_check(redis: Any) -> Check:
    """Ready while Redis answers a ping."""

    async def check() -> bool:
        return bool(await redis.ping())

    return check
