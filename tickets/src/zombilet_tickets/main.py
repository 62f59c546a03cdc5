"""Tickets' composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.app import create_service_app
from zombilet_common.bus import Listener
from zombilet_common.health import Check
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import open_runtime, serve
from zombilet_common.settings import load_settings
from zombilet_tickets.events import SERVICE_NAME
from zombilet_tickets.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_tickets.events.listeners.order_created import OrderCreatedListener
from zombilet_tickets.repository import TicketRepository
from zombilet_tickets.routes import router
from zombilet_tickets.service import TicketService
from zombilet_tickets.settings import Settings

OUTBOX_COLLECTIONS = ("tickets",)


def build_service(db: AsyncDatabase[dict[str, Any]], relay: OutboxRelay) -> TicketService:
    """The use cases over `db`, handing their events to `relay`."""
    return TicketService(TicketRepository(db, relay))


def build_listeners(tickets: TicketService) -> list[Listener[Any]]:
    return [OrderCreatedListener(tickets), OrderCancelledListener(tickets)]


def create_app(settings: Settings) -> FastAPI:
    checks: dict[str, Check] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(
            SERVICE_NAME, nats_url=settings.nats_url, mongo_uri=settings.mongo_uri, checks=checks
        ) as runtime:
            db = runtime.database
            relay = await runtime.start_relay([db[name] for name in OUTBOX_COLLECTIONS])
            app.state.tickets = build_service(db, relay)
            await runtime.start_listeners(build_listeners(app.state.tickets))
            yield

    app = create_service_app(
        title="zombilet-tickets", lifespan=lifespan, checks=checks, jwt_key=settings.jwt_key
    )
    app.state.settings = settings
    app.include_router(router)
    return app


def run() -> None:
    serve(load_settings(Settings), create_app)
