"""Payments' composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import Runtime
from zombilet_payments.compensation import Compensation
from zombilet_payments.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_payments.events.listeners.order_completed import OrderCompletedListener
from zombilet_payments.events.listeners.order_created import OrderCreatedListener
from zombilet_payments.gateways import PaymentGateway
from zombilet_payments.gateways.offline import OfflineGateway
from zombilet_payments.gateways.stripe_api import StripeGateway
from zombilet_payments.periodic import Periodic
from zombilet_payments.repository import (
    CLAIM_TTL_MS,
    GatewayLedgerRepository,
    OrderReplicaRepository,
    PaymentRepository,
    WebhookEventRepository,
)
from zombilet_payments.routes import router
from zombilet_payments.service import PaymentService
from zombilet_payments.settings import Settings
from zombilet_payments.settlement import Settlement
from zombilet_payments.webhooks import WebhookReceiver

SWEEP_INTERVAL_SECONDS = 60.0

SERVICE = ServiceDeclaration(
    Settings,
    router=router,
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
    settings: Settings,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    claim_ttl_ms: int = CLAIM_TTL_MS,
) -> tuple[PaymentService, Compensation]:
    """The use cases over `db`, handing their events to `relay`; indexes made sure of."""
    replicas, payments = (
        OrderReplicaRepository(db, claim_ttl_ms=claim_ttl_ms),
        PaymentRepository(db, relay),
    )
    events = WebhookEventRepository(db)
    for repository in (replicas, payments, events):
        await repository.ensure_indexes()
    compensation = Compensation(replicas, payments, gateway, clock=clock)
    settlement = Settlement(replicas, payments, gateway, compensation, clock=clock)
    webhooks = WebhookReceiver(settings.stripe_webhook_secret, events, settlement)
    service = PaymentService(
        replicas,
        payments,
        gateway,
        compensation,
        settlement,
        webhooks,
        currency=settings.stripe_currency,
        public_url=settings.public_url,
        clock=clock,
    )
    return service, compensation


@asynccontextmanager
async def wire(runtime: Runtime, settings: Settings) -> AsyncIterator[PaymentService]:
    gateway = await build_gateway(settings, runtime.database)
    try:
        service, compensation = await build_service(
            runtime.database,
            runtime.outbox_relay,
            gateway,
            settings,
            claim_ttl_ms=settings.payment_claim_seconds * 1000,
        )
        sweepers = (
            Periodic("refund-sweeper", compensation.sweep, interval=SWEEP_INTERVAL_SECONDS),
            Periodic("intent-sweeper", service.settlement.sweep, interval=SWEEP_INTERVAL_SECONDS),
        )
        for sweeper in sweepers:
            sweeper.start()
        try:
            yield service
        finally:
            for sweeper in sweepers:
                await sweeper.stop()
    finally:
        # Once the listeners, which may be refunding, have stopped.
        await gateway.close()


def create_app(settings: Settings) -> FastAPI:
    return SERVICE.create_app(settings, wire)


def run() -> None:
    SERVICE.run(create_app)
