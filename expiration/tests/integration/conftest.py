import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from zombilet_common.bus import connect_nats, ensure_streams
from zombilet_common.events import Event
from zombilet_common.testing.apps import running
from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.servers import RedisServer, Servers
from zombilet_expiration.main import create_app
from zombilet_expiration.scheduler import Scheduler
from zombilet_expiration.settings import Settings


@pytest.fixture
def nats_url(own_nats_url: str) -> str:
    """NATS with no streams but this test's, so its durables hold only this test's events."""
    return own_nats_url


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server (append-only file) this test may stop, kill and restart."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@dataclass(frozen=True)
class Seen:
    received_at: datetime
    data: dict[str, Any]
    msg_id: str | None


@dataclass
class Bus:
    nc: NatsClient
    js: JetStreamContext
    completed: list[Seen] = field(default_factory=list)

    async def publish(self, event: Event, msg_id: str | None = None) -> int:
        ack = await self.js.publish(
            event.subject.value,
            event.to_bytes(),
            headers={"Nats-Msg-Id": msg_id or event.message_id()},
        )
        return ack.seq

    def expirations_of(self, order_id: str) -> list[Seen]:
        return [seen for seen in self.completed if seen.data.get("orderId") == order_id]

    async def acked_up_to(self, durable: str, seq: int) -> bool:
        info = await self.js.consumer_info("ORDERS", durable)
        return info.ack_floor is not None and (info.ack_floor.stream_seq or 0) >= seq


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[Bus]:
    """The test's side of NATS; every `expiration.completed` published is kept with the time
    it was seen (a core subscriber sees each publish, re-publishes JetStream drops included)."""
    nc = await connect_nats(nats_url, service="expiration-test", retry_for=5)
    js = nc.jetstream()
    await ensure_streams(js)
    bus = Bus(nc, js)

    async def keep(msg: Any) -> None:
        headers = msg.headers or {}
        seen = Seen(datetime.now(UTC), json.loads(msg.data), headers.get("Nats-Msg-Id"))
        bus.completed.append(seen)

    await nc.subscribe("expiration.completed", cb=keep)
    await nc.flush()
    yield bus
    await nc.close()


@dataclass
class LiveExpiration:
    """The expiration app with its real lifespan, and a scheduler of the test's own on the
    same Redis queue to look at the jobs."""

    app: FastAPI
    settings: Settings
    scheduler: Scheduler

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://expiration.test"
        )


LiveFactory = Callable[..., Awaitable[LiveExpiration]]


@pytest.fixture
def queue() -> str:
    """This test's job queue, so the session's Redis holds no other test's jobs for it."""
    return fresh_name("expiration")


@pytest.fixture
async def start_expiration(
    servers: Servers, nats_url: str, queue: str
) -> AsyncIterator[LiveFactory]:
    """Starts expiration apps (their lifespans); stops them at the end."""
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> LiveExpiration:
            values: dict[str, Any] = {
                "nats_url": nats_url,
                "redis_url": servers.redis_url,
                "expiration_queue": queue,
                **overrides,
            }
            settings = Settings(**values)
            app = create_app(settings)
            await stack.enter_async_context(running(app))
            looking = Scheduler(settings.redis_dsn, queue=queue, poll_delay=0.05)
            await looking.connect()
            stack.push_async_callback(looking.stop, 0)
            return LiveExpiration(app, settings, looking)

        yield start


@pytest.fixture
async def scheduler_at(servers: Servers, queue: str) -> AsyncIterator[Callable[..., Any]]:
    """Connected Schedulers on this test's queue (any Redis URL); stopped at the end."""
    made: list[Scheduler] = []

    async def make(redis_url: str | None = None, *, poll_delay: float = 0.05) -> Scheduler:
        scheduler = Scheduler(redis_url or servers.redis_url, queue=queue, poll_delay=poll_delay)
        await scheduler.connect()
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        await scheduler.stop(grace=0)
