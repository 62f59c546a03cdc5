"""create_service_app: the FastAPI app every service starts from."""

import asyncio
from collections.abc import Mapping

from fastapi import FastAPI
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send

from zombilet_common.error_handlers import install_error_handlers
from zombilet_common.health import Check, health_router
from zombilet_common.logging import RequestIdMiddleware
from zombilet_common.startup import NotStartedMiddleware, in_background


class TrailingSlashMiddleware:
    """Route `/api/tickets/` as `/api/tickets` (SPEC 2.5): one trailing slash, no redirect.

    Routes are therefore declared without a trailing slash (`@router.post("")`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = dict(scope, path=path[:-1])
            raw_path = scope.get("raw_path")
            if isinstance(raw_path, bytes) and raw_path.endswith(b"/"):
                scope["raw_path"] = raw_path[:-1]
        await self.app(scope, receive, send)


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
    app.add_middleware(NotStartedMiddleware, started=started)
    app.add_middleware(TrailingSlashMiddleware)
    # Added last, so outermost: every response, a 500 included, carries the id.
    app.add_middleware(RequestIdMiddleware)
    return app
