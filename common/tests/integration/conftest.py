import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from zombilet_common.bus import (
    Answer,
    Delivery,
    Listener,
    Publisher,
    connect_nats,
    ensure_streams,
)
from zombilet_common.events import Event, TicketCreatedEvent
from zombilet_common.testing.servers import Servers

Handler = Callable[[Any, Delivery], Awaitable[Answer]]


@pytest.fixture
async def nats(servers: Servers) -> AsyncIterator[NatsClient]:
    nc = await connect_nats(servers.nats_url, service="test", retry_for=5.0)
    yield nc
    await nc.close()


@pytest.fixture
async def js(nats: NatsClient) -> JetStreamContext:
    js = nats.jetstream()
    await ensure_streams(js)
    return js


@pytest.fixture
def publisher(js: JetStreamContext) -> Publisher:
    return Publisher(js)


class ListenerKit:
    """Defines listeners for a fresh service name, so each test has durables of its own, and
    stops every listener it started."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js
        self.started: list[Listener[Any]] = []

    def define(
        self,
        handler: Handler,
        *,
        payload: type[Event] = TicketCreatedEvent,
        service: str | None = None,
        **settings: Any,
    ) -> type[Listener[Any]]:
        async def on_message(self: Listener[Any], event: Any, delivery: Delivery) -> Answer:
            return await handler(event, delivery)

        name = service or f"svc{uuid.uuid4().hex[:10]}"

        def __init__(self: Listener[Any]) -> None:  # noqa: N807 - the class's constructor
            Listener.__init__(self, service=name)

        attributes = {
            "payload": payload,
            "on_message": on_message,
            "__init__": __init__,
            **settings,
        }
        return type("TestListener", (Listener,), attributes)

    async def start(self, cls: type[Listener[Any]]) -> Listener[Any]:
        listener = cls()
        await listener.start(self._js)
        self.started.append(listener)
        return listener

    async def stop_all(self) -> None:
        for listener in self.started:
            await listener.stop()


@pytest.fixture
async def listeners(js: JetStreamContext) -> AsyncIterator[ListenerKit]:
    kit = ListenerKit(js)
    yield kit
    await kit.stop_all()
