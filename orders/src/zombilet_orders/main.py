"""Orders' composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.app import create_service_app
from zombilet_common.bus import Listener
from zombilet_common.health import Check
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import open_runtime, serve
from zombilet_common.settings import load_settings
from zombilet_orders.events import SERVICE_NAME
from zombilet_orders.events.listeners.expiration_completed import ExpirationCompletedListener
from zombilet_orders.events.listeners.payment_created import PaymentCreatedListener
from zombilet_orders.events.listeners.ticket_created import TicketCreatedListener
from zombilet_orders.events.listeners.ticket_updated import TicketUpdatedListener
from zombilet_orders.repository import OrderRepository, TicketReplicaRepository
from zombilet_orders.routes import router
from zombilet_orders.service import OrderService
from zombilet_orders.settings import Settings

OUTBOX_COLLECTIONS = ("orders",)


async def build_service(
    db: AsyncDatabase[dict[str, Any]],
    relay: OutboxRelay,
    settings: Settings,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> OrderService:
    """The use cases over `db`, handing their events to `relay`; indexes made sure of."""
    orders = OrderRepository(db, relay)
    await orders.ensure_indexes()
    return OrderService(
        orders,
        TicketReplicaRepository(db),
        window=timedelta(seconds=settings.expiration_window_seconds),
        clock=clock,
    )


def build_listeners(orders: OrderService) -> list[Listener[Any]]:
    return [
        TicketCreatedListener(orders),
        TicketUpdatedListener(orders),
        ExpirationCompletedListener(orders),
        PaymentCreatedListener(orders),
    ]


def create_app(settings: Settings) -> FastAPI:
    checks: dict[str, Check] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(
            SERVICE_NAME, nats_url=settings.nats_url, mongo_uri=settings.mongo_uri, checks=checks
        ) as runtime:
            db = runtime.database
            relay = await runtime.start_relay([db[name] for name in OUTBOX_COLLECTIONS])
            app.state.orders = await build_service(db, relay, settings)
            await runtime.start_listeners(build_listeners(app.state.orders))
            yield

    app = create_service_app(
        title="zombilet-orders", lifespan=lifespan, checks=checks, jwt_key=settings.jwt_key
    )
    app.state.settings = settings
    app.include_router(router)
    return app


def run() -> None:
    serve(load_settings(Settings), create_app)
