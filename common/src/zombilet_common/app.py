"""create_service_app: the FastAPI app every service starts from."""

import asyncio
from collections.abc import Mapping

from fastapi import FastAPI
from starlette.types import Lifespan

from zombilet_common.edge import EdgeMiddleware
from zombilet_common.error_handlers import install_error_handlers
from zombilet_common.health import Check, health_router
from zombilet_common.startup import in_background


def create_service_app(
    *,
    title: str,
    lifespan: Lifespan[FastAPI] | None = None,
    checks: Mapping[str, Check] | None = None,
    jwt_key: str | None = None,
    docs: bool = False,
) -> FastAPI:
    """A FastAPI app with the envelope errors, request ids, health routes and SPEC 2.5 paths.

    `lifespan` (connecting, wiring, listening) runs in the background and is retried until it
    has started (see `startup`); meanwhile `/healthz` answers, `/readyz` and every other route
    answer 503. `checks` is read on every `/readyz`, so the lifespan may fill the dict once its
    clients exist. `jwt_key` is what the session dependencies of `auth` verify with.
    `docs=True` serves `/docs` and `/openapi.json` at the root, outside `/api`.
    """
    # Started until a lifespan runs: an app driven without one (over ASGI in unit tests, its
    # state set by hand) serves at once.
    started = asyncio.Event()
    started.set()
    app = FastAPI(
        title=title,
        lifespan=in_background(lifespan) if lifespan is not None else None,
        redirect_slashes=False,
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url=None,
    )
    app.state.started = started
    if jwt_key is not None:
        app.state.jwt_key = jwt_key
    install_error_handlers(app)
    app.include_router(health_router({} if checks is None else checks, started=started.is_set))
    # The only user middleware: every response, a 500 or a 503 included, carries the id.
    app.add_middleware(EdgeMiddleware, started=started)
    return app
