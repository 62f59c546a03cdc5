"""Expiration's composition root: the listeners, the arq worker and the health server share
one event loop, all started and stopped by create_app(settings)'s lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from zombilet_common.app import create_service_app
from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.health import Check
from zombilet_common.runtime import open_runtime
from zombilet_expiration.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_expiration.events.listeners.order_completed import OrderCompletedListener
from zombilet_expiration.events.listeners.order_created import OrderCreatedListener
from zombilet_expiration.scheduler import Scheduler
from zombilet_expiration.service import ExpirationService
from zombilet_expiration.settings import Settings

SERVICE = ServiceDeclaration(
    Settings, listeners=(OrderCreatedListener, OrderCancelledListener, OrderCompletedListener)
)


def create_app(settings: Settings) -> FastAPI:
    checks: dict[str, Check] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(SERVICE.name, nats_url=settings.nats_url, checks=checks) as runtime:
            scheduler = Scheduler(
                settings.redis_dsn,
                queue=settings.expiration_queue,
                poll_delay=settings.expiration_poll_delay_seconds,
            )
            checks["redis"] = scheduler.ping
            await scheduler.connect()
            service = ExpirationService(scheduler, runtime.publisher)
            app.state.expiration = service
            app.state.scheduler = scheduler
            try:
                await scheduler.start(service.expire)
                await runtime.start_listeners(SERVICE.build_listeners(service))
                yield
            finally:
                # First nothing new is scheduled, then the job in hand finishes while NATS is
                # still up (the runtime drains it after this block).
                await runtime.stop_listeners()
                await scheduler.stop()

    app = create_service_app(title=SERVICE.title, lifespan=lifespan, checks=checks)
    app.state.settings = settings
    return app


def run() -> None:
    SERVICE.run(create_app)
