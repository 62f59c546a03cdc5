"""What a visitor sees when something is missing or broken: a page, never a stack trace.

`/api/...` paths reaching the client answer in the APIs' envelope instead (SPEC 2.5).
"""

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from zombilet_client.api import UNAVAILABLE_MESSAGE
from zombilet_client.rendering import render
from zombilet_client.visitor import SignInRequiredError, visitor
from zombilet_common.error_handlers import error_response
from zombilet_common.errors import FieldError, NotFoundError

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


def error_page(request: Request) -> Response:
    """What a page that failed unexpectedly answers (EdgeMiddleware has logged it)."""
    return render(request, None, "error.html", status=503, errors=[UNAVAILABLE_MESSAGE])
