"""`python -m zombilet_expiration` as a real process: a scheduled expiry survives the worker
being killed and Redis being restarted before it is due, and is published once; SIGTERM stops
the process cleanly."""

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from redis.exceptions import RedisError

from zombilet_common.events import OrderCreatedEvent
from zombilet_common.testing.ports import free_port
from zombilet_common.testing.wait import wait_until
from zombilet_expiration.models import JobState

pytestmark = pytest.mark.integration


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """Where the spawned processes write their JSON log lines."""
    return tmp_path / "expiration.log"


@pytest.fixture
async def spawn_expiration(
    nats_url: str, own_redis, queue: str, log_path: Path
) -> AsyncIterator[Callable[[], object]]:
    """Starts the service as the local stack does and waits for /readyz; kills leftovers."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "NATS_URL": nats_url,
        "REDIS_URL": own_redis.url,
        "EXPIRATION_QUEUE": queue,
        "LOG_LEVEL": "INFO",
    }
    started: list[asyncio.subprocess.Process] = []

    async def spawn() -> asyncio.subprocess.Process:
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "zombilet_expiration", env=env, stdout=log, stderr=log
            )
        started.append(process)

        async def ready() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"http://127.0.0.1:{port}/readyz")
            except httpx.HTTPError:
                return False
            return response.status_code == 200

        try:
            await wait_until(ready, within=30)
        except AssertionError:
            log = await asyncio.to_thread(log_path.read_text)
            raise AssertionError(f"expiration never became ready; its log:\n{log}") from None
        return process

    yield spawn
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _state(scheduler, order_id: str) -> JobState | None:
    try:
        return (await scheduler.describe(order_id)).state
    except (OSError, RedisError):
        return None  # Redis is restarting


async def test_an_expiry_survives_a_killed_worker_and_a_restarted_redis(
    spawn_expiration, own_redis, scheduler_at, bus, orders, log_path
) -> None:
    worker = await spawn_expiration()
    observer = await scheduler_at(own_redis.url)
    created = orders.created(due_in=8)
    await bus.publish(created)

    async def scheduled() -> bool:
        return await _state(observer, created.id) is JobState.SCHEDULED

    await wait_until(scheduled, within=10)

    worker.kill()  # SIGKILL: no shutdown of any kind
    await worker.wait()
    await asyncio.to_thread(own_redis.restart)
    await wait_until(scheduled, within=10)  # the job came back from the append-only file
    assert bus.expirations_of(created.id) == []

    restarted = await spawn_expiration()

    async def done() -> bool:
        return await _state(observer, created.id) is JobState.DONE

    await wait_until(done, within=30)
    (seen,) = bus.expirations_of(created.id)
    assert seen.msg_id == f"expiration.completed:{created.id}"
    assert seen.received_at >= OrderCreatedEvent.from_bytes(created.to_bytes()).expires_at

    restarted.send_signal(signal.SIGTERM)
    # uvicorn re-raises the signal once its graceful shutdown is over.
    assert await asyncio.wait_for(restarted.wait(), timeout=20) in (0, -signal.SIGTERM)
    log = await asyncio.to_thread(log_path.read_text)
    assert log.count('"Application shutdown complete."') == 1
