"""What every service's lifespan wires: its database, NATS, the streams, the outbox relay and
its listeners, started in order and stopped in reverse."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.bus import Listener, Publisher, connect_nats, ensure_streams
from zombilet_common.health import Check, mongo_check, nats_check
from zombilet_common.logging import configure_logging
from zombilet_common.mongo import Document, mongo_client, service_database
from zombilet_common.outbox import PENDING, OutboxRelay
from zombilet_common.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The connections of one service process and the background work running on them."""

    service: str
    nats: NatsClient
    js: JetStreamContext
    publisher: Publisher
    mongo: AsyncMongoClient[Document] | None = None
    db: AsyncDatabase[Document] | None = None
    relay: OutboxRelay | None = None
    listeners: list[Listener[Any]] = field(default_factory=list)
    checks: MutableMapping[str, Check] = field(default_factory=dict)
    """The readiness checks; a service adds its own (Redis, say)."""

    @property
    def outbox_relay(self) -> OutboxRelay:
        if self.relay is None:
            raise RuntimeError(f"{self.service} relays no outbox")
        return self.relay

    @property
    def database(self) -> AsyncDatabase[Document]:
        if self.db is None:
            raise RuntimeError(f"{self.service} runs without a database")
        return self.db

    async def start_relay(
        self, names: Sequence[str], *, sweep_interval: float = 5.0
    ) -> OutboxRelay:
        """Relay the outboxes of the collections `names`, first publishing what a crash left
        pending."""
        collections = [self.database[name] for name in names]
        for collection in collections:
            await collection.create_index(PENDING)
        self.relay = OutboxRelay(self.publisher, collections, sweep_interval=sweep_interval)
        await self.relay.start()
        return self.relay

    async def start_listeners(self, listeners: Sequence[Listener[Any]]) -> None:
        for listener in listeners:
            await listener.start(self.js)
            self.listeners.append(listener)

    async def stop_listeners(self) -> None:
        """Stop taking messages; those in hand are finished and answered first."""
        await asyncio.gather(*(listener.stop() for listener in self.listeners))
        self.listeners = []

    async def stop(self) -> None:
        # Listeners first, so that what they write still reaches the relay, then the relay.
        await self.stop_listeners()
        if self.relay is not None:
            await self.relay.stop()
        await self.nats.drain()
        if self.mongo is not None:
            await self.mongo.close()


@asynccontextmanager
async def open_runtime(
    service: str,
    *,
    nats_url: str,
    mongo_uri: str | None = None,
    checks: MutableMapping[str, Check] | None = None,
    stream_replicas: int = 1,
) -> AsyncIterator[Runtime]:
    """Connect (retrying NATS until it answers), make sure the streams exist (on
    `stream_replicas` servers), register the readiness checks, and stop everything in reverse
    on the way out."""
    mongo = mongo_client(mongo_uri) if mongo_uri else None
    connected: list[NatsClient] = []

    async def nats_up() -> bool:
        return bool(connected) and await nats_check(connected[0])()

    # Registered before connecting, so /readyz names what is still missing.
    if checks is not None:
        if mongo is not None:
            checks["mongo"] = mongo_check(mongo)
        checks["nats"] = nats_up
    try:
        nats = await connect_nats(nats_url, service=service)
        connected.append(nats)
        js = nats.jetstream()
        await ensure_streams(js, replicas=stream_replicas)
    except BaseException:
        # A failed or cancelled start is retried from scratch: leave no connection behind.
        if connected:
            await connected[0].close()
        if mongo is not None:
            await mongo.close()
        raise
    runtime = Runtime(
        service=service,
        nats=nats,
        js=js,
        publisher=Publisher(js),
        mongo=mongo,
        db=service_database(mongo, service) if mongo is not None else None,
        checks={} if checks is None else checks,
    )
    try:
        yield runtime
    finally:
        await runtime.stop()


def serve(settings: ServiceSettings, create_app: Callable[[Any], FastAPI]) -> None:
    """Run a service: JSON logs, then uvicorn on `PORT`; SIGTERM stops it gracefully."""
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        create_app(settings),
        host="0.0.0.0",  # a container's port must be reachable from the pod network
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
