"""Orders' composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import Runtime
from zombilet_orders.events.listeners.expiration_completed import ExpirationCompletedListener
from zombilet_orders.events.listeners.payment_created import PaymentCreatedListener
from zombilet_orders.events.listeners.ticket_created import TicketCreatedListener
from zombilet_orders.events.listeners.ticket_updated import TicketUpdatedListener
from zombilet_orders.repository import OrderRepository, TicketReplicaRepository
from zombilet_orders.routes import router
from zombilet_orders.service import OrderService
from zombilet_orders.settings import Settings

SERVICE = ServiceDeclaration(
    Settings,
    router=router,
    listeners=(
        TicketCreatedListener,
        TicketUpdatedListener,
        ExpirationCompletedListener,
        PaymentCreatedListener,
    ),
    outbox=("orders",),
)


async def build_service(
    db: AsyncDatabase[Document],
    relay: OutboxRelay,
    settings: Settings,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    orders: OrderRepository | None = None,
) -> OrderService:
    """The use cases over `db` (or over `orders`), handing their events to `relay`; indexes
    made sure of."""
    orders = orders or OrderRepository(db, relay)
    await orders.ensure_indexes()
    return OrderService(
        orders,
        TicketReplicaRepository(db),
        window=timedelta(seconds=settings.expiration_window_seconds),
        clock=clock,
    )


@asynccontextmanager
async def wire(runtime: Runtime, settings: Settings) -> AsyncIterator[OrderService]:
    yield await build_service(runtime.database, runtime.outbox_relay, settings)


def create_app(settings: Settings) -> FastAPI:
    return SERVICE.create_app(settings, wire)


def run() -> None:
    SERVICE.run(create_app)
