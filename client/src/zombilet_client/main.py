"""The client's composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import xstatic.pkg.bootstrap
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from zombilet_client.api import api_client
from zombilet_client.errors import error_page, install_page_errors
from zombilet_client.pages import account, orders, tickets
from zombilet_client.security import SecurityHeadersMiddleware
from zombilet_client.settings import Settings
from zombilet_common.edge import EdgeMiddleware
from zombilet_common.health import health_router
from zombilet_common.runtime import serve
from zombilet_common.settings import load_settings

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The site. `transport` replaces the network under the API client (tests fake the APIs)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with api_client(settings.api_base_url, transport) as client:
            app.state.http = client
            yield

    app = FastAPI(
        title="zombilet-client",
        lifespan=lifespan,
        redirect_slashes=False,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    # The client has no connection to wait for: it is ready once it serves (SPEC 12).
    app.include_router(health_router({}))
    app.mount(
        "/static/bootstrap",
        StaticFiles(directory=xstatic.pkg.bootstrap.BASE_DIR),
        name="bootstrap",
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(tickets.router)
    app.include_router(account.router)
    app.include_router(orders.router)

    install_page_errors(app)
    # Every response, an error page included, carries the id and the security headers.
    app.add_middleware(EdgeMiddleware, render_error=error_page)
    app.add_middleware(
        SecurityHeadersMiddleware, stripe=settings.stripe_publishable_key is not None
    )
    return app


def run() -> None:
    serve(load_settings(Settings), create_app)
