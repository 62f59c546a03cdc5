"""The gateway routes like the ingress and passes requests and answers through untouched."""

import asyncio
import contextlib
import hashlib
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from zombilet_common.testing.ports import free_port
from zombilet_common.testing.serving import bind, serving
from zombilet_local.gateway import create_gateway, request_id, route

SERVICES = ("auth", "tickets", "orders", "payments", "client")
CHUNK = b"z" * 65536
LARGE_CHUNKS = 160  # 10 MiB


@dataclass
class Gates:
    """Lets a test hold an upstream mid-body, to see the gateway pass bytes on before the end."""

    first_chunk_seen_upstream: asyncio.Event = field(default_factory=asyncio.Event)
    first_chunk_seen_by_caller: asyncio.Event = field(default_factory=asyncio.Event)


class Upstream:
    """A stand-in service: echoes what it got, or answers what the path asks for."""

    def __init__(self, name: str, gates: Gates) -> None:
        self.name = name
        self.gates = gates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        last = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        response: Response
        if request.url.path.endswith(tuple(f"/status/{code}" for code in (201, 204, 401, 500))):
            code = int(last)
            response = (
                Response(status_code=204)
                if code == 204
                else JSONResponse({"code": code}, status_code=code)
            )
        elif last == "cookies":
            response = JSONResponse({})
            response.set_cookie("session", "abc", httponly=True)
            response.set_cookie("theme", "dark")
        elif last == "redirect":
            response = Response(status_code=302, headers={"location": "/elsewhere"})
        elif last == "upload":
            response = JSONResponse(await self._receive_upload(request))
        elif last == "download":
            response = StreamingResponse(self._download(), media_type="application/octet-stream")
        else:
            response = JSONResponse(
                {
                    "service": self.name,
                    "method": request.method,
                    "path": scope["raw_path"].decode(),
                    "query": scope["query_string"].decode(),
                    "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
                    "body": (await request.body()).decode(),
                }
            )
        await response(scope, receive, send)

    async def _receive_upload(self, request: Request) -> dict[str, object]:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            if size == 0 and chunk:
                self.gates.first_chunk_seen_upstream.set()
            digest.update(chunk)
            size += len(chunk)
        return {"size": size, "sha256": digest.hexdigest()}

    async def _download(self) -> AsyncIterator[bytes]:
        yield CHUNK
        await asyncio.wait_for(self.gates.first_chunk_seen_by_caller.wait(), 5.0)
        for _ in range(LARGE_CHUNKS - 1):
            yield CHUNK


@dataclass
class Stack:
    client: httpx.AsyncClient
    gates: Gates


@contextlib.asynccontextmanager
async def served(apps: Sequence[ASGIApp]) -> AsyncIterator[list[str]]:
    """Serve each app on a free port, side by side; their base URLs, in order.

    Each server runs in its own task so that they stop together rather than one by one.
    """
    stop = asyncio.Event()

    async def hold(app: ASGIApp, sock: socket.socket, started: asyncio.Event) -> None:
        async with serving(app, sock):
            started.set()
            await stop.wait()

    sockets = [bind(0) for _ in apps]
    started = [asyncio.Event() for _ in apps]
    tasks = [
        asyncio.create_task(hold(app, sock, ready))
        for app, sock, ready in zip(apps, sockets, started, strict=True)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in started)), 10.0)
        yield [f"http://127.0.0.1:{sock.getsockname()[1]}" for sock in sockets]
    finally:
        stop.set()
        await asyncio.gather(*tasks)


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    gates = Gates()
    apps = [
        Starlette(routes=[Route("/{path:path}", endpoint=Upstream(name, gates))])
        for name in SERVICES
    ]
    async with served(apps) as urls:
        upstreams = dict(zip(SERVICES, urls, strict=True))
        async with (
            served([create_gateway(upstreams)]) as (gateway_url,),
            httpx.AsyncClient(base_url=gateway_url, trust_env=False) as client,
        ):
            yield Stack(client, gates)


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/users", "auth"),
        ("/api/users/", "auth"),
        ("/api/users/currentuser", "auth"),
        ("/api/tickets", "tickets"),
        ("/api/tickets/0123456789abcdef01234567", "tickets"),
        ("/api/orders/x/y", "orders"),
        ("/api/payments", "payments"),
        ("/", "client"),
        ("/tickets/new", "client"),
        ("/apiary", "client"),
        ("/usersapi/users", "client"),
        ("/api/usersX", None),
        ("/api/users-x", None),
        ("/api", None),
        ("/api/", None),
        ("/api/nothing-here", None),
    ],
)
def test_route_matches_a_prefix_only_up_to_a_slash(path: str, service: str | None) -> None:
    assert route(path) == service


@pytest.mark.parametrize(
    ("path", "service"),
    [("/api/users/signin", "auth"), ("/api/tickets", "tickets"), ("/orders/1", "client")],
)
async def test_requests_reach_their_service(stack: Stack, path: str, service: str) -> None:
    response = await stack.client.get(path)

    assert response.status_code == 200
    assert response.json()["service"] == service
    assert response.json()["path"] == path


async def test_unknown_api_path_gets_the_404_envelope(stack: Stack) -> None:
    response = await stack.client.post("/api/usersX", json={"a": 1})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"errors": [{"message": "Not Found"}]}
    assert len(response.headers["x-request-id"]) == 32


async def test_method_path_query_and_body_are_forwarded(stack: Stack) -> None:
    response = await stack.client.put(
        "/api/tickets/abc%2Fdef/x", params={"q": "a b", "n": "1"}, content=b'{"title": "t"}'
    )

    echoed = response.json()
    assert echoed["method"] == "PUT"
    assert echoed["path"] == "/api/tickets/abc%2Fdef/x"
    assert echoed["query"] == "q=a+b&n=1"
    assert echoed["body"] == '{"title": "t"}'


async def test_cookie_goes_up_and_forwarding_headers_are_added(stack: Stack) -> None:
    response = await stack.client.get(
        "/api/users/currentuser", headers={"cookie": "session=abc; theme=dark"}
    )

    headers = dict(response.json()["headers"])
    assert headers["cookie"] == "session=abc; theme=dark"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["host"] == stack.client.base_url.netloc.decode()


async def test_forwarded_for_extends_the_chain_it_was_given(stack: Stack) -> None:
    response = await stack.client.get("/", headers={"x-forwarded-for": "203.0.113.7"})

    headers = dict(response.json()["headers"])
    assert headers["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"


async def test_every_set_cookie_comes_back(stack: Stack) -> None:
    response = await stack.client.post("/api/users/cookies")

    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 2
    assert cookies[0].startswith("session=abc;")
    assert "HttpOnly" in cookies[0]
    assert cookies[1].startswith("theme=dark;")


@pytest.mark.parametrize("code", [201, 204, 401, 500])
async def test_status_codes_and_bodies_are_kept(stack: Stack, code: int) -> None:
    response = await stack.client.get(f"/api/orders/status/{code}")

    assert response.status_code == code
    if code == 204:
        assert response.content == b""
    else:
        assert response.json() == {"code": code}


async def test_redirects_are_returned_not_followed(stack: Stack) -> None:
    response = await stack.client.get("/api/users/redirect")

    assert response.status_code == 302
    assert response.headers["location"] == "/elsewhere"


async def test_a_request_id_is_made_when_none_is_sent(stack: Stack) -> None:
    response = await stack.client.get("/api/users/x")

    made = response.headers["x-request-id"]
    assert len(made) == 32
    assert int(made, 16) >= 0
    assert dict(response.json()["headers"])["x-request-id"] == made


async def test_a_valid_request_id_is_passed_on_and_echoed(stack: Stack) -> None:
    response = await stack.client.get("/", headers={"x-request-id": "trace 42/a"})

    assert response.headers["x-request-id"] == "trace 42/a"
    assert dict(response.json()["headers"])["x-request-id"] == "trace 42/a"


@pytest.mark.parametrize("incoming", [b"x" * 129, b"caf\xc3\xa9", b"tab\there"])
def test_an_invalid_request_id_is_replaced(incoming: bytes) -> None:
    replaced = request_id(incoming)

    assert replaced != incoming.decode("latin-1")
    assert len(replaced) == 32


@pytest.mark.parametrize("incoming", [b"a", b"x" * 128, b"~!@ #"])
def test_a_valid_request_id_is_kept(incoming: bytes) -> None:
    assert request_id(incoming) == incoming.decode()


async def test_a_large_upload_streams_through(stack: Stack) -> None:
    expected = hashlib.sha256()

    async def body() -> AsyncIterator[bytes]:
        yield CHUNK
        expected.update(CHUNK)
        # The upstream sees the first chunk while the caller still holds the rest.
        await asyncio.wait_for(stack.gates.first_chunk_seen_upstream.wait(), 5.0)
        for _ in range(LARGE_CHUNKS - 1):
            yield CHUNK
            expected.update(CHUNK)

    response = await stack.client.post("/api/payments/upload", content=body())

    assert response.json() == {"size": LARGE_CHUNKS * len(CHUNK), "sha256": expected.hexdigest()}


async def test_a_large_download_streams_through(stack: Stack) -> None:
    size = 0
    async with stack.client.stream("GET", "/files/download") as response:
        async for chunk in response.aiter_raw():
            if chunk:
                # The upstream holds the rest until the caller has seen bytes.
                stack.gates.first_chunk_seen_by_caller.set()
            size += len(chunk)

    assert response.status_code == 200
    assert size == LARGE_CHUNKS * len(CHUNK)


async def test_an_unreachable_service_gets_a_502_envelope() -> None:
    app = create_gateway({"auth": f"http://127.0.0.1:{free_port()}"})
    async with (
        served([app]) as (gateway_url,),
        httpx.AsyncClient(base_url=gateway_url, trust_env=False) as client,
    ):
        down = await client.get("/api/users/currentuser")
        absent = await client.get("/api/tickets")

    for response, service in ((down, "auth"), (absent, "tickets")):
        assert response.status_code == 502
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {
            "errors": [{"message": f"The {service} service is not available. Please try again."}]
        }
        assert response.headers["x-request-id"]
