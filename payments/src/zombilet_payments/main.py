"""Payments' composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.app import create_service_app
from zombilet_common.health import Check
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import open_runtime, serve
from zombilet_common.settings import load_settings
from zombilet_payments.compensation import Compensation, RefundSweeper
from zombilet_payments.events import SERVICE_NAME
from zombilet_payments.events.listeners import listeners
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

OUTBOX_COLLECTIONS = ("payments",)

Database = AsyncDatabase[dict[str, Any]]


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
                SERVICE_NAME,
                nats_url=settings.nats_url,
                mongo_uri=settings.mongo_uri,
                checks=checks,
            ) as runtime:
                db = runtime.database
                relay = await runtime.start_relay([db[name] for name in OUTBOX_COLLECTIONS])
                gateway = await build_gateway(settings, db)
                opened.append(gateway)
                service, compensation = await build_service(
                    db, relay, gateway, currency=settings.stripe_currency
                )
                app.state.payments = service
                sweeper = RefundSweeper(compensation)
                sweeper.start()
                await runtime.start_listeners(listeners(service))
                try:
                    yield
                finally:
                    await sweeper.stop()
        finally:
            # After the runtime has stopped the listeners, which may be refunding.
            for gateway in opened:
                await gateway.close()

    app = create_service_app(
        title="zombilet-payments", lifespan=lifespan, checks=checks, jwt_key=settings.jwt_key
    )
    app.state.settings = settings
    app.include_router(router)
    return app


def run() -> None:
    serve(load_settings(Settings), create_app)
