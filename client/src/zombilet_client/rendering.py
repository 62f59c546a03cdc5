"""Turning a page's data into a response: templates, relayed cookies, cache rules."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from zombilet_client.visitor import User, Visitor

TEMPLATES = Path(__file__).parent / "templates"


def money(price: object) -> str:
    """16.99 → "16.99", 10 → "10.00"; anything else as it came."""
    if isinstance(price, int | float) and not isinstance(price, bool):
        return f"{price:.2f}"
    return str(price)


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["money"] = money
    return environment


_ENVIRONMENT = _environment()


def render(
    request: Request,
    visitor: Visitor | None,
    template: str,
    *,
    status: int = 200,
    private: bool = False,
    **context: Any,
) -> HTMLResponse:
    """The page `template` with `context`, the header for the visitor, auth's cookies relayed.

    Pages that need a user, and every page shown to one, are never stored by a cache.
    """
    user: User | None = (
        visitor.user if visitor is not None else getattr(request.state, "user", None)
    )
    html = _ENVIRONMENT.get_template(template).render(
        user=user, path=request.url.path, settings=request.app.state.settings, **context
    )
    response = HTMLResponse(html, status_code=status)
    if visitor is not None:
        _relay(response, visitor.set_cookies)
    if private or user is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


def redirect(visitor: Visitor, location: str) -> RedirectResponse:
    """303 to `location` (post/redirect/get), carrying auth's cookies."""
    response = RedirectResponse(location, status_code=303)
    _relay(response, visitor.set_cookies)
    response.headers["Cache-Control"] = "no-store"
    return response


def _relay(response: HTMLResponse | RedirectResponse, cookies: list[str]) -> None:
    for cookie in cookies:
        response.headers.append("Set-Cookie", cookie)
