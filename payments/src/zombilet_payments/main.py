"""Payments' composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.app import create_service_app
from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.health import Check
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import open_runtime
from zombilet_payments.compensation import Compensation, RefundSweeper
from zombilet_payments.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_payments.events.listeners.order_completed import OrderCompletedListener
from zombilet_payments.events.listeners.order_created import OrderCreatedListener
from zombilet_payments.gateways import PaymentGateway
from zombilet_payments.gateways.offline import OfflineGateway
from zombilet_payments.gateways.stripe_api import StripeGateway
from zombilet_payments.repository import (
    GatewayLedgerRepository,
    OrderReplicaRepository,
    PaymentRepository,
)
from zombilet_payments.routes import router
from zombilet_payments.service import PaymentService
from zombilet_payments.settings import Settings

SERVICE = ServiceDeclaration(
    Settings,
    listeners=(OrderCreatedListener, OrderCancelledListener, OrderCompletedListener),
    outbox=("payments",),
)

Database = AsyncDatabase[Document]


async def build_gateway(settings: Settings, db: Database) -> PaymentGateway:
    """Stripe when STRIPE_KEY is set, else the offline gateway over payments' database."""
    if settings.stripe_key:
        return StripeGateway(settings.stripe_key, api_base=settings.stripe_api_base)
    ledger = GatewayLedgerRepository(db)
    await ledger.ensure_indexes()
    return OfflineGateway(ledger)


async def build_service(
    db: Database,
    relay: OutboxRelay,
    gateway: PaymentGateway,
    *,
    currency: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[PaymentService, Compensation]:
    """The use cases over `db`, handing their events to `relay`; indexes made sure of."""
    replicas, payments = OrderReplicaRepository(db), PaymentRepository(db, relay)
    await replicas.ensure_indexes()
    await payments.ensure_indexes()
    compensation = Compensation(replicas, payments, gateway, clock=clock)
    service = PaymentService(
        replicas, payments, gateway, compensation, currency=currency, clock=clock
    )
    return service, compensation


def create_app(settings: Settings) -> FastAPI:
    checks: dict[str, Check] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened: list[PaymentGateway] = []
        try:
            async with open_runtime(
                SERVICE.name,
                nats_url=settings.nats_url,
                mongo_uri=settings.mongo_uri,
                checks=checks,
            ) as runtime:
                db = runtime.database
                relay = await runtime.start_relay(SERVICE.outbox)
                gateway = await build_gateway(settings, db)
                opened.append(gateway)
                service, compensation = await build_service(
                    db, relay, gateway, currency=settings.stripe_currency
                )
                app.state.payments = service
                sweeper = RefundSweeper(compensation)
                sweeper.start()
                await runtime.start_listeners(SERVICE.build_listeners(service))
                try:
                    yield
                finally:
                    await sweeper.stop()
        finally:
            # After the runtime has stopped the listeners, which may be refunding.
            for gateway in opened:
                await gateway.close()

    app = create_service_app(
        title=SERVICE.title, lifespan=lifespan, checks=checks, jwt_key=settings.jwt_key
    )
    app.state.settings = settings
    app.include_router(router)
    return app


def run() -> None:
    SERVICE.run(create_app)
