"""Auth's composition root: create_app(settings) wires everything; run() serves it."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_auth.passwords import Passwords
from zombilet_auth.repository import ResetTokenRepository, UserRepository
from zombilet_auth.routes import router
from zombilet_auth.service import AuthService
from zombilet_auth.settings import Settings
from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import Runtime

SERVICE: ServiceDeclaration[Settings, AuthService] = ServiceDeclaration(
    Settings, router=router, outbox=("users", "password_resets")
)


async def build_service(
    db: AsyncDatabase[Document],
    relay: OutboxRelay,
    passwords: Passwords,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> AuthService:
    """Repositories over `db` that hand their events to `relay`; indexes made sure of."""
    users, tokens = UserRepository(db, relay), ResetTokenRepository(db, relay)
    await users.ensure_indexes()
    await tokens.ensure_indexes()
    return AuthService(users, tokens, passwords, clock=clock)


@asynccontextmanager
async def wire(runtime: Runtime, settings: Settings) -> AsyncIterator[AuthService]:
    # Its dummy hash costs one Argon2id derivation: made off the event loop.
    passwords = await asyncio.to_thread(Passwords, settings.hash_cost)
    yield await build_service(runtime.database, runtime.outbox_relay, passwords)


def create_app(settings: Settings) -> FastAPI:
    return SERVICE.create_app(settings, wire)


def run() -> None:
    SERVICE.run(create_app)
