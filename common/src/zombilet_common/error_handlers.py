"""install_error_handlers(app): every error leaves as `{"errors": [{"message", "field"?}]}`."""

import logging
from collections.abc import Iterable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zombilet_common.body import InvalidJsonError
from zombilet_common.errors import (
    FieldError,
    NotFoundError,
    PayloadTooLargeError,
    ValidationFailed,
    ZombiletError,
)
from zombilet_common.versioning import VersionConflict

logger = logging.getLogger(__name__)

UNEXPECTED_MESSAGE = "Something went wrong"
# A use case says what was changed (EditConflict, say); this answers for one that does not.
CONFLICT_MESSAGE = "It was changed by another request. Please try again."


def error_response(
    status_code: int, errors: Iterable[FieldError], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one error shape, as a response."""
    body = {"errors": [error.wire() for error in errors]}
    return JSONResponse(body, status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error of `app` in the envelope; never a 422, never a stack trace."""
    app.add_exception_handler(ZombiletError, _zombilet_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(VersionConflict, _version_conflict)
    # The middleware answers inside the user middleware (so the request id is known and
    # the server logs no second traceback); the handler covers errors raised outside it.
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(UnexpectedErrorMiddleware)


async def _zombilet_error(_: Request, exc: ZombiletError) -> JSONResponse:
    return error_response(exc.status_code, exc.errors)


async def _version_conflict(_: Request, exc: Exception) -> JSONResponse:
    logger.warning("write kept losing races", extra={"conflict": str(exc)})
    return error_response(409, [FieldError(CONFLICT_MESSAGE)])


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    # Only a route taking a FastAPI-parsed body can get here with unparseable JSON.
    failure: ZombiletError = (
        InvalidJsonError()
        if any(error.get("type") == "json_invalid" for error in errors)
        else ValidationFailed.from_pydantic(errors)
    )
    return error_response(failure.status_code, failure.errors)


async def _http_exception(_: Request, exc: HTTPException) -> JSONResponse:
    # SPEC 2.5: a known path with another method is as unknown as an unknown path.
    if exc.status_code in (404, 405):
        return error_response(404, [FieldError(NotFoundError.message)])
    if exc.status_code == 413:
        return error_response(413, [FieldError(PayloadTooLargeError.message)])
    return error_response(exc.status_code, [FieldError(str(exc.detail))], exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "Unexpected error",
        exc_info=exc,
        extra={"method": request.method, "path": request.url.path},
    )
    return error_response(500, [FieldError(UNEXPECTED_MESSAGE)])


class UnexpectedErrorMiddleware:
    """Answer any exception that escapes the app with a logged 500 in the envelope."""

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
        except Exception as exc:
            response = await _unexpected(Request(scope, receive), exc)
            # Once a response has started, returning unfinished makes the server drop the
            # connection, which is all that is left to do.
            if not started:
                await response(scope, receive, send)
