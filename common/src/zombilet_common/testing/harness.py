"""One way to drive a service in a unit test: its app over ASGI on the in-process database
double, a recording publisher behind a real outbox relay, the service's own listeners fed fake
messages, and a clock the test moves."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx
from bson import ObjectId
from fastapi import FastAPI
from mongomock_motor import AsyncMongoMockClient

from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.bus import Listener
from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.events import Event
from zombilet_common.headers import MESSAGE_ID
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.apps import running, stored
from zombilet_common.testing.messages import FakeMessage, RecordingPublisher
from zombilet_common.testing.wait import wait_until

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient
    from nats.aio.subscription import Subscription

U = TypeVar("U")

Build = Callable[[Any, OutboxRelay, "Clock"], Awaitable[U]]
"""Builds the service's use cases over a database, a relay and a clock."""


@dataclass
class Clock:
    """The service's clock, moved by tests."""

    now: datetime = field(default_factory=lambda: datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def new_id() -> str:
    """A fresh 24-hex id."""
    return str(ObjectId())


@dataclass
class Harness(Generic[U]):
    app: FastAPI
    declaration: ServiceDeclaration[Any, U]
    client: httpx.AsyncClient
    db: Any
    publisher: RecordingPublisher
    relay: OutboxRelay
    clock: Clock
    use_cases: U
    listeners: list[Listener[Any]] = field(default_factory=list)

    new_id = staticmethod(new_id)

    def install(self, use_cases: U) -> None:
        """Serve routes and listeners from `use_cases` (built over other repositories, say)."""
        self.use_cases = use_cases
        setattr(self.app.state, self.declaration.name, use_cases)
        self.listeners = self.declaration.build_listeners(use_cases)

    def session(self, user_id: str, email: str = "user@example.com") -> dict[str, str]:
        """The cookie header of a signed-in user."""
        token = issue_token(SessionUser(id=user_id, email=email), self.app.state.jwt_key, 3600)
        return {"cookie": f"session={token}"}

    async def deliver(
        self,
        event: Event,
        *,
        num_delivered: int = 1,
        msg_id: str | None = None,
        published_at: datetime | None = None,
    ) -> FakeMessage:
        """Hand `event` to the service's listener of its subject, as JetStream would."""
        (listener,) = [each for each in self.listeners if each.payload.subject == event.subject]
        msg = FakeMessage.of(
            event,
            msg_id=msg_id or event.message_id(),
            num_delivered=num_delivered,
            timestamp=published_at or self.clock(),
        )
        await listener.handle(msg)
        return msg

    async def published(self, subject: str) -> list[tuple[str, str, bytes]]:
        """What reached the bus on `subject`, once each message id, as JetStream keeps it."""
        await self.settle()
        return self.publisher.kept(subject)

    async def settle(self) -> None:
        """Publish what the writes so far left in their outboxes."""
        await self.relay.sweep()

    async def doc(self, collection: str, doc_id: str) -> Document:
        """A stored document as it is, outbox included."""
        doc: Document | None = await self.db[collection].find_one({"_id": ObjectId(doc_id)})
        assert doc is not None, f"no {collection} document {doc_id}"
        return doc


H = TypeVar("H", bound=Harness[Any])


@asynccontextmanager
async def harness(
    kind: type[H], app: FastAPI, declaration: ServiceDeclaration[Any, U], build: Build[U]
) -> AsyncIterator[H]:
    """`app` over ASGI with the use cases `build` makes over a fresh in-process database, as a
    `kind` (a service's Harness with helpers of its own)."""
    # The double speaks PyMongo's asyncio API closely enough for what the services call.
    db: Any = AsyncMongoMockClient(tz_aware=True)[declaration.name]
    publisher = RecordingPublisher()
    relay = OutboxRelay(publisher, [db[name] for name in declaration.outbox])
    await relay.start()
    clock = Clock()
    transport = httpx.ASGITransport(app=app)
    base_url = f"http://{declaration.name}.test"
    try:
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            kit = kind(
                app, declaration, client, db, publisher, relay, clock, await build(db, relay, clock)
            )
            kit.install(kit.use_cases)
            yield kit
    finally:
        await relay.stop()


@dataclass
class LiveHarness(Harness[U]):
    """The same API over the service running with its real lifespan on real servers: the app's
    own relay publishes, and `publisher` records what a subscriber of the bus sees."""

    bus: "NatsClient | None" = None
    subscription: "Subscription | None" = None

    def install(self, use_cases: U) -> None:
        self.use_cases = use_cases
        self.listeners = []

    async def settle(self) -> None:
        async def drained() -> bool:
            for name in self.declaration.outbox:
                if await self.db[name].count_documents({"outbox_pending": {"$gt": 0}}):
                    return False
            return True

        await wait_until(drained, within=10, message="the outbox relay never drained")
        # What the relay published (JetStream acked it) has reached our subscription once a
        # round trip to the server has come back.
        if self.bus is not None and self.subscription is not None:
            await self.bus.flush()
            subscription = self.subscription
            await wait_until(lambda: subscription.pending_msgs == 0, within=5)

    async def deliver(
        self,
        event: Event,
        *,
        num_delivered: int = 1,
        msg_id: str | None = None,
        published_at: datetime | None = None,
    ) -> FakeMessage:
        raise NotImplementedError("a live service's answers are seen only in-process")


@asynccontextmanager
async def live_harness(
    kind: type[H], app: FastAPI, declaration: ServiceDeclaration[Any, Any], *, nats_url: str
) -> AsyncIterator[H]:
    """`app` with its real lifespan, over ASGI, as a `kind` whose `published` reads the bus.

    `kind` must derive from `LiveHarness` as well as from the service's own Harness."""
    import nats

    settings = app.state.settings
    recorder = RecordingPublisher()

    async def keep(msg: Any) -> None:
        if not msg.subject.startswith(("$", "_INBOX")):
            msg_id = (msg.headers or {}).get(MESSAGE_ID, "")
            await recorder.publish_raw(msg.subject, msg.data, msg_id=msg_id)

    bus = await nats.connect(nats_url)
    try:
        subscription = await bus.subscribe(">", cb=keep)
        await bus.flush()
        async with running(app), stored(settings.mongo_uri) as db:
            transport = httpx.ASGITransport(app=app)
            base_url = f"http://{declaration.name}.test"
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
                use_cases = getattr(app.state, declaration.name)
                relay = OutboxRelay(RecordingPublisher(), [])
                kit = kind(app, declaration, client, db, recorder, relay, Clock(), use_cases)
                if isinstance(kit, LiveHarness):
                    kit.bus, kit.subscription = bus, subscription
                yield kit
    finally:
        await bus.close()
