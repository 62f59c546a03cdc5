"""install_error_handlers(app): every error leaves as `{"errors": [{"message", "field"?}]}`."""

import logging
from collections.abc import Iterable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

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
    # EdgeMiddleware answers inside the user middleware (so the request id is known and the
    # server logs no second traceback); the handler covers errors raised outside it.
    app.add_exception_handler(Exception, _unexpected)


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


def log_unexpected(request: Request, exc: BaseException) -> None:
    """The one log record of an unexpected error: its trace, method and path."""
    logger.error(
        "Unexpected error",
        exc_info=exc,
        extra={"method": request.method, "path": request.url.path},
    )


def unexpected_error(_: Request) -> JSONResponse:
    """The APIs' answer to an unexpected error: 500 in the envelope, no detail."""
    return error_response(500, [FieldError(UNEXPECTED_MESSAGE)])


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log_unexpected(request, exc)
    return unexpected_error(request)
