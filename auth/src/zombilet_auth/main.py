"""Auth's composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_auth.events import SERVICE_NAME
from zombilet_auth.repository import ResetTokenRepository, UserRepository
from zombilet_auth.routes import router
from zombilet_auth.service import AuthService
from zombilet_auth.settings import Settings
from zombilet_common.app import create_service_app
from zombilet_common.health import Check
from zombilet_common.outbox import OutboxRelay
from zombilet_common.runtime import open_runtime, serve
from zombilet_common.settings import load_settings

OUTBOX_COLLECTIONS = ("users", "password_resets")


async def build_service(db: AsyncDatabase[dict[str, Any]], relay: OutboxRelay) -> AuthService:
    """Repositories over `db` that hand their events to `relay`; indexes made sure of."""
    users, tokens = UserRepository(db, relay), ResetTokenRepository(db, relay)
    await users.ensure_indexes()
    await tokens.ensure_indexes()
    return AuthService(users, tokens)


def create_app(settings: Settings) -> FastAPI:
    checks: dict[str, Check] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(
            SERVICE_NAME, nats_url=settings.nats_url, mongo_uri=settings.mongo_uri, checks=checks
        ) as runtime:
            db = runtime.database
            relay = await runtime.start_relay([db[name] for name in OUTBOX_COLLECTIONS])
            app.state.auth = await build_service(db, relay)
            yield

    app = create_service_app(
        title="zombilet-auth", lifespan=lifespan, checks=checks, jwt_key=settings.jwt_key
    )
    app.state.settings = settings
    app.include_router(router)
    return app


def run() -> None:
    serve(load_settings(Settings), create_app)
