"""What a visitor sees when something is missing or broken: a page, never a stack trace.

`/api/...` paths reaching the client answer in the APIs' envelope instead (SPEC 2.5).
"""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zombilet_client.api import UNAVAILABLE_MESSAGE
from zombilet_client.rendering import render
from zombilet_client.visitor import SignInRequiredError, visitor
from zombilet_common.error_handlers import error_response
from zombilet_common.errors import FieldError, NotFoundError

log = logging.getLogger(__name__)

PAGE_NOT_FOUND = "Page not found"


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if is_api_path(request.url.path):
        return error_response(404, [FieldError(NotFoundError.message)])
    you = await visitor(request)
    # A known path with another method is as unknown as an unknown path.
    if exc.status_code in (404, 405):
        return render(request, you, "not_found.html", status=404, heading=PAGE_NOT_FOUND)
    return render(request, you, "error.html", status=exc.status_code, errors=[str(exc.detail)])


async def _sign_in_required(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequiredError)
    response = RedirectResponse(exc.location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def install_page_errors(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(SignInRequiredError, _sign_in_required)
    app.add_middleware(UnexpectedErrorPageMiddleware)


class UnexpectedErrorPageMiddleware:
    """Any exception escaping a page: logged with its trace, answered with the 503 page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            request = Request(scope, receive)
            log.exception(
                "Unexpected error", extra={"method": request.method, "path": request.url.path}
            )
            if started:
                # Half a response is all that went out; dropping the connection ends it.
                return
            response = render(request, None, "error.html", status=503, errors=[UNAVAILABLE_MESSAGE])
            await response(scope, receive, send)
