"""The local gateway: one port that routes like the Kubernetes ingress, streaming both ways."""

import contextlib
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from urllib.parse import quote

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

# The ingress's paths, in its order: a prefix owns itself and what follows a "/".
API_ROUTES: tuple[tuple[str, str], ...] = (
    ("/api/users", "auth"),
    ("/api/tickets", "tickets"),
    ("/api/orders", "orders"),
    ("/api/payments", "payments"),
)
SITE = "client"

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)

_REQUEST_ID = re.compile(rb"[\x20-\x7e]{1,128}")
# Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, never forwarded; the
# forwarding headers are rewritten here; `expect` is answered by this server, not upstream.
_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
_REWRITTEN_ON_REQUEST = frozenset(
    {b"expect", b"x-request-id", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"}
)
_REWRITTEN_ON_RESPONSE = frozenset({b"x-request-id"})

Headers = list[tuple[bytes, bytes]]


def route(path: str) -> str | None:
    """The service that serves `path`; None for an `/api` path that no service owns."""
    for prefix, service in API_ROUTES:
        if path == prefix or path.startswith(prefix + "/"):
            return service
    if path == "/api" or path.startswith("/api/"):
        return None
    return SITE


def request_id(incoming: bytes | None) -> str:
    """The caller's request id when it is 1-128 printable ASCII characters, else a new one."""
    if incoming is not None and _REQUEST_ID.fullmatch(incoming):
        return incoming.decode("ascii")
    return uuid.uuid4().hex


class Proxy:
    """Forwards each request to its service and streams the answer back untouched."""

    def __init__(
        self, upstreams: Mapping[str, str], *, timeout: httpx.Timeout = DEFAULT_TIMEOUT
    ) -> None:
        self._upstreams = dict(upstreams)
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        # trust_env=False: a proxy configured for the outside world must not catch loopback.
        async with httpx.AsyncClient(
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
            follow_redirects=False,
            trust_env=False,
        ) as client:
            self._client = client
            yield
            self._client = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        rid = request_id(_first(scope["headers"], b"x-request-id"))
        service = route(scope["path"])
        if service is None:
            await _send_error(send, 404, "Not Found", rid)
            return
        base_url = self._upstreams.get(service)
        if base_url is None or self._client is None:
            await _send_error(send, 502, _unreachable(service), rid)
            return
        outgoing = self._client.build_request(
            request.method,
            httpx.URL(base_url).copy_with(raw_path=_raw_target(scope)),
            headers=_upstream_headers(scope, rid),
            content=request.stream() if _has_body(scope["headers"]) else None,
        )
        try:
            response = await self._client.send(outgoing, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            logger.warning("%s is not reachable (request %s): %r", service, rid, exc)
            await _send_error(send, 502, _unreachable(service), rid)
            return
        except httpx.TimeoutException as exc:
            logger.warning("%s did not answer in time (request %s): %r", service, rid, exc)
            await _send_error(send, 504, f"The {service} service took too long to answer.", rid)
            return
        except httpx.TransportError as exc:
            logger.warning("%s failed mid-request (request %s): %r", service, rid, exc)
            await _send_error(send, 502, _unreachable(service), rid)
            return
        try:
            await _relay(response, send, rid)
        finally:
            await response.aclose()


def create_gateway(
    upstreams: Mapping[str, str], *, timeout: httpx.Timeout = DEFAULT_TIMEOUT
) -> Starlette:
    """The gateway app; `upstreams` maps a service name to its base URL (`http://host:port`).

    A service missing from `upstreams` answers 502, as one that is down does.
    """
    proxy = Proxy(upstreams, timeout=timeout)
    # An ASGI object as endpoint, with no method list, takes every method.
    return Starlette(routes=[Route("/{path:path}", endpoint=proxy)], lifespan=proxy.lifespan)


async def _relay(response: httpx.Response, send: Send, rid: str) -> None:
    listed = _connection_tokens(response.headers.raw)
    headers = [
        (name.lower(), value)
        for name, value in response.headers.raw
        if name.lower() not in _HOP_BY_HOP
        and name.lower() not in _REWRITTEN_ON_RESPONSE
        and name.lower() not in listed
    ]
    headers.append((b"x-request-id", rid.encode()))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    # Raw bytes: a compressed body stays compressed, matching its Content-Encoding and length.
    async for chunk in response.aiter_raw():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _upstream_headers(scope: Scope, rid: str) -> Headers:
    raw: Headers = scope["headers"]
    listed = _connection_tokens(raw)
    headers = [
        (name, value)
        for name, value in raw
        if name not in _HOP_BY_HOP and name not in _REWRITTEN_ON_REQUEST and name not in listed
    ]
    client = scope.get("client")
    if client:
        earlier = _first(raw, b"x-forwarded-for")
        peer = client[0].encode()
        headers.append((b"x-forwarded-for", earlier + b", " + peer if earlier else peer))
    headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode()))
    host = _first(raw, b"host")
    if host:
        headers.append((b"x-forwarded-host", host))
    headers.append((b"x-request-id", rid.encode()))
    return headers


def _connection_tokens(headers: Iterable[tuple[bytes, bytes]]) -> set[bytes]:
    # Headers named in `Connection` are hop-by-hop too.
    return {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
        if token.strip()
    }


def _has_body(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


def _raw_target(scope: Scope) -> bytes:
    path: bytes = scope.get("raw_path") or quote(scope["path"]).encode()
    query: bytes = scope.get("query_string", b"")
    return path + b"?" + query if query else path


def _first(headers: Iterable[tuple[bytes, bytes]], wanted: bytes) -> bytes | None:
    return next((value for name, value in headers if name == wanted), None)


def _unreachable(service: str) -> str:
    return f"The {service} service is not available. Please try again."


async def _send_error(send: Send, status: int, message: str, rid: str) -> None:
    body = json.dumps({"errors": [{"message": message}]}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", rid.encode()),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
