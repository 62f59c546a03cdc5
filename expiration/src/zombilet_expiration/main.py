"""Expiration's composition root: the listeners, the arq worker and the health server share
one event loop, all started and stopped by create_app(settings)'s lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.runtime import Runtime
from zombilet_expiration.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_expiration.events.listeners.order_completed import OrderCompletedListener
from zombilet_expiration.events.listeners.order_created import OrderCreatedListener
from zombilet_expiration.scheduler import Scheduler
from zombilet_expiration.service import ExpirationService
from zombilet_expiration.settings import Settings

SERVICE = ServiceDeclaration(
    Settings, listeners=(OrderCreatedListener, OrderCancelledListener, OrderCompletedListener)
)


@asynccontextmanager
async def wire(runtime: Runtime, settings: Settings) -> AsyncIterator[ExpirationService]:
    scheduler = Scheduler(
        settings.redis_dsn,
        queue=settings.expiration_queue,
        poll_delay=settings.expiration_poll_delay_seconds,
    )
    runtime.checks["redis"] = scheduler.ping
    await scheduler.connect()
    service = ExpirationService(scheduler, runtime.publisher)
    try:
        await scheduler.start(service.expire)
        yield service
    finally:
        # The listeners have stopped, so nothing new is scheduled; the job in hand finishes
        # while NATS is still up (the runtime drains it after this).
        await scheduler.stop()


def create_app(settings: Settings) -> FastAPI:
    return SERVICE.create_app(settings, wire)


def run() -> None:
    SERVICE.run(create_app)
