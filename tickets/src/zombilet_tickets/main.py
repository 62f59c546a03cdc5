"""Tickets' composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import Runtime
from zombilet_tickets.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_tickets.events.listeners.order_created import OrderCreatedListener
from zombilet_tickets.repository import TicketRepository
from zombilet_tickets.routes import router
from zombilet_tickets.service import TicketService
from zombilet_tickets.settings import Settings

SERVICE = ServiceDeclaration(
    Settings,
    router=router,
    listeners=(OrderCreatedListener, OrderCancelledListener),
    outbox=("tickets",),
)


async def build_service(db: AsyncDatabase[Document], relay: OutboxRelay) -> TicketService:
    """The use cases over `db`, handing their events to `relay`."""
    return TicketService(TicketRepository(db, relay))


@asynccontextmanager
async def wire(runtime: Runtime, settings: Settings) -> AsyncIterator[TicketService]:
    yield await build_service(runtime.database, runtime.outbox_relay)


def create_app(settings: Settings) -> FastAPI:
    return SERVICE.create_app(settings, wire)


def run() -> None:
    SERVICE.run(create_app)
