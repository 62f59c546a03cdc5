"""Tickets' composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.app import create_service_app
from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.health import Check
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import open_runtime
from zombilet_tickets.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_tickets.events.listeners.order_created import OrderCreatedListener
from zombilet_tickets.repository import TicketRepository
from zombilet_tickets.routes import router
from zombilet_tickets.service import TicketService
from zombilet_tickets.settings import Settings

SERVICE = ServiceDeclaration(
    Settings, listeners=(OrderCreatedListener, OrderCancelledListener), outbox=("tickets",)
)


async def build_service(db: AsyncDatabase[Document], relay: OutboxRelay) -> TicketService:
    """The use cases over `db`, handing their events to `relay`."""
    return TicketService(TicketRepository(db, relay))


def create_app(settings: Settings) -> FastAPI:
    checks: dict[str, Check] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(
            SERVICE.name, nats_url=settings.nats_url, mongo_uri=settings.mongo_uri, checks=checks
        ) as runtime:
            relay = await runtime.start_relay(SERVICE.outbox)
            app.state.tickets = await build_service(runtime.database, relay)
            await runtime.start_listeners(SERVICE.build_listeners(app.state.tickets))
            yield

    app = create_service_app(
        title=SERVICE.title, lifespan=lifespan, checks=checks, jwt_key=settings.jwt_key
    )
    app.state.settings = settings
    app.include_router(router)
    return app


def run() -> None:
    SERVICE.run(create_app)
