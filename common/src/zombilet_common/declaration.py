"""One declaration of a service: its settings (whose `service_name` is the one place its name
is written), the listeners it runs and the collections whose outboxes it relays.

From the name come the durable names (`<name>-<event>`), the database default and the app's
title (`zombilet-<name>`).
"""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, FastAPI

from zombilet_common.app import create_service_app
from zombilet_common.bus.listener import Listener, ServiceListener
from zombilet_common.health import Check
from zombilet_common.runtime import Runtime, open_runtime, serve
from zombilet_common.settings import ServiceSettings, load_settings

S = TypeVar("S", bound=ServiceSettings)
U = TypeVar("U")

Wiring = Callable[[Runtime, S], AbstractAsyncContextManager[U]]
"""Builds the use cases on a started runtime (its relay running when the service has an
outbox), and takes down what it started when the service stops."""


@dataclass(frozen=True)
class ServiceDeclaration(Generic[S, U]):
    settings: type[S]
    listeners: Sequence[type[ServiceListener[Any, U]]] = ()
    outbox: Sequence[str] = ()
    router: APIRouter | None = None

    @property
    def name(self) -> str:
        return self.settings.service_name

    @property
    def title(self) -> str:
        return f"zombilet-{self.name}"

    def build_listeners(self, use_cases: U) -> list[Listener[Any]]:
        """Every listener of the service, each handing its event to `use_cases`."""
        return [kind(use_cases, service=self.name) for kind in self.listeners]

    def create_app(self, settings: S, wire: Wiring[S, U]) -> FastAPI:
        """The service's app: in its lifespan the runtime, the relay, the use cases `wire`
        builds (as `app.state.<name>`) and the listeners, stopped in reverse, the listeners
        first so that what they write still reaches the relay.

        The settings give `nats_url`, and `mongo_uri` and `jwt_key` when the service has them.
        """
        checks: dict[str, Check] = {}
        nats_url: str = getattr(settings, "nats_url")  # noqa: B009 - every service has one
        mongo_uri: str | None = getattr(settings, "mongo_uri", None)
        jwt_key: str | None = getattr(settings, "jwt_key", None)

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            async with open_runtime(
                self.name,
                nats_url=nats_url,
                mongo_uri=mongo_uri,
                checks=checks,
                stream_replicas=settings.nats_stream_replicas,
            ) as runtime:
                if self.outbox:
                    await runtime.start_relay(self.outbox)
                async with wire(runtime, settings) as use_cases:
                    setattr(app.state, self.name, use_cases)
                    try:
                        await runtime.start_listeners(self.build_listeners(use_cases))
                        yield
                    finally:
                        await runtime.stop_listeners()

        app = create_service_app(
            title=self.title, lifespan=lifespan, checks=checks, jwt_key=jwt_key
        )
        app.state.settings = settings
        if self.router is not None:
            app.include_router(self.router)
        return app

    def run(self, create_app: Callable[[S], FastAPI]) -> None:
        """Read the settings from the environment (or exit 2 with one line), then serve."""
        serve(load_settings(self.settings), create_app)
