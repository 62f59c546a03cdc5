"""EdgeMiddleware: the one ASGI layer in front of every app.

Each ASGI layer costs a call, a closure and a wrapped `send` per request; the four things every
request needs on its way in (its id, one trailing slash off, 503 until started, a logged answer
to an unexpected error) are therefore done in one.
"""

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zombilet_common.error_handlers import error_response, log_unexpected, unexpected_error
from zombilet_common.errors import FieldError
from zombilet_common.headers import REQUEST_ID
from zombilet_common.logging import incoming_request_id, new_request_id, request_id_var

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})
NOT_STARTED = "The service is starting. Please try again."
_REQUEST_ID = REQUEST_ID.lower().encode("latin-1")

ErrorRenderer = Callable[[Request], Response]
"""What an unexpected error is answered with (it is logged already)."""


class EdgeMiddleware:
    """Per HTTP request: the id (the caller's when valid) for logs and `X-Request-Id`; a path
    with one trailing slash routed without it (SPEC 2.5, so routes are declared without);
    503 in the envelope until `started` is set, health routes excepted; and any exception that
    escapes the app logged with its trace and answered by `render_error`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        started: asyncio.Event | None = None,
        render_error: ErrorRenderer = unexpected_error,
    ) -> None:
        self.app = app
        self._started = started
        self._render_error = render_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope) or new_request_id()
        header = (_REQUEST_ID, request_id.encode("latin-1"))
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = dict(scope, path=path[:-1])
            raw_path = scope.get("raw_path")
            if isinstance(raw_path, bytes) and raw_path.endswith(b"/"):
                scope["raw_path"] = raw_path[:-1]
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = message.get("headers") or []
                message["headers"] = [
                    *(item for item in headers if item[0].lower() != _REQUEST_ID),
                    header,
                ]
            await send(message)

        token = request_id_var.set(request_id)
        try:
            if (
                self._started is not None
                and not self._started.is_set()
                and scope["path"] not in HEALTH_PATHS
            ):
                await error_response(503, [FieldError(NOT_STARTED)])(scope, receive, send_with_id)
                return
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            request = Request(scope, receive)
            log_unexpected(request, exc)
            # Once a response has started, returning unfinished makes the server drop the
            # connection, which is all that is left to do.
            if not started:
                await self._render_error(request)(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
