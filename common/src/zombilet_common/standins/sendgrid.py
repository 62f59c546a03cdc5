"""A SendGrid stand-in: a local server that takes `POST /v3/mail/send` as SendGrid does, so the
official library runs unmodified against it."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from zombilet_common.testing.serving import bind, serving


@dataclass
class SendGridRequest:
    """One request as the stand-in received it, its JSON body parsed."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class SendGridStandIn:
    """A local server the official client can be pointed at: it records `POST /v3/mail/send`
    and answers `status` (202 like SendGrid, or whatever a test sets). With `hold_answers` it
    takes each mail and answers only when it stops: a timeout after the mail was accepted.

    `async with SendGridStandIn().running() as sendgrid:` serves it on a free port at `host`.
    """

    host: str = ""
    status: int = 202
    requests: list[SendGridRequest] = field(default_factory=list)
    hold_answers: bool = False
    _stopping: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def app(self) -> Starlette:
        """The ASGI app answering as SendGrid's mail endpoint."""

        async def send(request: Request) -> Response:
            self.requests.append(
                SendGridRequest(request.url.path, dict(request.headers), await request.json())
            )
            if self.hold_answers:
                await self._stopping.wait()
            if self.status >= 400:
                body = b'{"errors": [{"message": "stand-in failure"}]}'
                return Response(body, self.status, media_type="application/json")
            return Response(status_code=self.status)

        return Starlette(routes=[Route("/v3/mail/send", send, methods=["POST"])])

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["SendGridStandIn"]:
        """Serve on a free port in the running loop until the block ends."""
        sock = bind(0)
        self.host = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with serving(self.app(), sock):
            try:
                yield self
            finally:
                self._stopping.set()
