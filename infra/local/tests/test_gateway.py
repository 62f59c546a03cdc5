"""Envoy, configured from the route table, routes each path to its service and passes requests
and answers through untouched; what it answers itself is the error envelope."""

import asyncio
import contextlib
import hashlib
import json
import re
import socket
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from zombilet_common.testing.ports import free_port
from zombilet_common.testing.serving import bind, serving
from zombilet_common.testing.wait import wait_until
from zombilet_local.envoy import EnvoyServer
from zombilet_local.routes import load_routes

pytestmark = pytest.mark.integration

SERVICES = ("auth", "tickets", "orders", "payments", "client")
CHUNK = b"z" * 65536
LARGE_CHUNKS = 160  # 10 MiB
SLOW_SECONDS = 3.0
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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
        if request.url.path.endswith(
            tuple(f"/status/{code}" for code in (201, 204, 401, 500, 502, 503))
        ):
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
        elif last == "hop-by-hop":
            response = JSONResponse(
                {}, headers={"keep-alive": "timeout=5", "proxy-authenticate": "Basic"}
            )
        elif last == "redirect":
            response = Response(status_code=302, headers={"location": "/elsewhere"})
        elif last == "slow":
            await asyncio.sleep(SLOW_SECONDS)
            response = JSONResponse({"late": True})
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
                    "headers": [[k.decode(), v.decode("latin-1")] for k, v in scope["headers"]],
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
    gateway: EnvoyServer

    def visitor(self, **options: str) -> httpx.AsyncClient:
        """Another caller, with its own connections and (empty) cookie jar."""
        transport = httpx.AsyncHTTPTransport(**options)
        return httpx.AsyncClient(
            base_url=self.gateway.url, trust_env=False, transport=transport, timeout=10
        )


@contextlib.asynccontextmanager
async def served(apps: Sequence[ASGIApp]) -> AsyncIterator[list[int]]:
    """Serve each app on a free port, side by side; their ports, in order."""
    stop = asyncio.Event()

    async def hold(app: ASGIApp, sock: socket.socket, started: asyncio.Event) -> None:
        async with serving(app, sock):
            started.set()
            await stop.wait()

    sockets = [bind(0) for _ in apps]
    ports = [sock.getsockname()[1] for sock in sockets]
    started = [asyncio.Event() for _ in apps]
    tasks = [
        asyncio.create_task(hold(app, sock, ready))
        for app, sock, ready in zip(apps, sockets, started, strict=True)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in started)), 10.0)
        yield ports
    finally:
        stop.set()
        await asyncio.gather(*tasks)


@contextlib.contextmanager
def envoy(
    data_dir: Path,
    upstreams: Mapping[str, int],
    *,
    rate_limit_per_minute: int = 0,
    upstream_timeout: float = 10.0,
) -> Iterator[EnvoyServer]:
    gateway = EnvoyServer.create(
        data_dir,
        load_routes(),
        port=free_port(),
        upstreams=upstreams,
        rate_limit_per_minute=rate_limit_per_minute,
        upstream_timeout=upstream_timeout,
    )
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()


@contextlib.asynccontextmanager
async def stack_of(
    data_dir: Path, *, rate_limit_per_minute: int = 0, upstream_timeout: float = 10.0
) -> AsyncIterator[Stack]:
    """Every routed service as a stand-in, behind Envoy."""
    gates = Gates()
    apps = [
        Starlette(routes=[Route("/{path:path}", endpoint=Upstream(name, gates))])
        for name in SERVICES
    ]
    async with served(apps) as ports:
        with envoy(
            data_dir,
            dict(zip(SERVICES, ports, strict=True)),
            rate_limit_per_minute=rate_limit_per_minute,
            upstream_timeout=upstream_timeout,
        ) as gateway:
            async with httpx.AsyncClient(base_url=gateway.url, trust_env=False) as client:
                yield Stack(client, gates, gateway)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with stack_of(tmp_path / "envoy") as running:
        yield running


def upstream_headers(response: httpx.Response) -> dict[str, str]:
    return dict(response.json()["headers"])


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/users", "auth"),
        ("/api/users/", "auth"),
        ("/api/users/currentuser", "auth"),
        ("/api/users/signin", "auth"),
        ("/api/tickets", "tickets"),
        ("/api/tickets/0123456789abcdef01234567", "tickets"),
        ("/api/orders/x/y", "orders"),
        ("/api/payments", "payments"),
        ("/", "client"),
        ("/tickets/new", "client"),
        ("/orders/1", "client"),
        ("/apiary", "client"),
        ("/usersapi/users", "client"),
    ],
)
async def test_requests_reach_their_service(stack: Stack, path: str, service: str) -> None:
    response = await stack.client.get(path)

    assert response.status_code == 200
    assert response.json()["service"] == service
    assert response.json()["path"] == path


@pytest.mark.parametrize(
    "path", ["/api/usersX", "/api/users-x", "/api", "/api/", "/api/nothing-here"]
)
async def test_an_api_path_no_service_owns_gets_the_404_envelope(stack: Stack, path: str) -> None:
    response = await stack.client.post(path, json={"a": 1})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"errors": [{"message": "Not Found"}]}
    assert UUID.fullmatch(response.headers["x-request-id"])


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
        "/api/users/currentuser",
        headers={"cookie": "session=abc; theme=dark", "x-forwarded-host": "forged.example"},
    )

    headers = upstream_headers(response)
    host = stack.client.base_url.netloc.decode()
    assert headers["cookie"] == "session=abc; theme=dark"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == host
    assert headers["host"] == host


async def test_forwarded_for_extends_the_chain_it_was_given(stack: Stack) -> None:
    response = await stack.client.get(
        "/", headers={"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"}
    )

    headers = upstream_headers(response)
    chain = [hop.strip() for hop in headers["x-forwarded-for"].split(",")]
    assert chain == ["203.0.113.7", "127.0.0.1"]
    assert headers["x-forwarded-proto"] == "http"


async def test_every_set_cookie_comes_back(stack: Stack) -> None:
    response = await stack.client.post("/api/users/cookies")

    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 2
    assert cookies[0].startswith("session=abc;")
    assert "HttpOnly" in cookies[0]
    assert cookies[1].startswith("theme=dark;")


async def test_a_cookie_set_for_one_visitor_never_reaches_another(stack: Stack) -> None:
    async with stack.visitor() as signed_in, stack.visitor() as anonymous:
        await signed_in.post("/api/users/cookies")
        mine = await signed_in.get("/api/users/currentuser")
        theirs = await anonymous.get("/api/users/currentuser")

    assert "session=abc" in upstream_headers(mine)["cookie"]
    assert "cookie" not in upstream_headers(theirs)


@pytest.mark.parametrize("code", [201, 204, 401, 500, 502, 503])
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


async def test_hop_by_hop_headers_are_dropped_both_ways(stack: Stack) -> None:
    sent = await stack.client.get(
        "/api/users/x",
        headers={"keep-alive": "timeout=5", "proxy-authorization": "Basic eDp5", "te": "gzip"},
    )
    received = await stack.client.get("/api/users/hop-by-hop")

    headers = upstream_headers(sent)
    assert not {"keep-alive", "proxy-authorization", "te"} & set(headers)
    assert "keep-alive" not in received.headers
    assert "proxy-authenticate" not in received.headers


async def test_a_request_id_is_made_when_none_is_sent(stack: Stack) -> None:
    response = await stack.client.get("/api/users/x")

    made = response.headers["x-request-id"]
    assert UUID.fullmatch(made)
    assert upstream_headers(response)["x-request-id"] == made
    again = await stack.client.get("/api/users/x")
    assert again.headers["x-request-id"] != made


@pytest.mark.parametrize("incoming", ["a", "x" * 128, "~!@ #", "trace 42/a"])
async def test_a_valid_request_id_is_passed_on_and_echoed(stack: Stack, incoming: str) -> None:
    response = await stack.client.get("/", headers={"x-request-id": incoming})

    assert response.headers["x-request-id"] == incoming
    assert upstream_headers(response)["x-request-id"] == incoming


@pytest.mark.parametrize("incoming", [b"x" * 129, b"caf\xc3\xa9", b"tab\there", b""])
async def test_an_invalid_request_id_is_replaced(stack: Stack, incoming: bytes) -> None:
    response = await stack.client.get("/api/users/x", headers={"x-request-id": incoming})

    replaced = response.headers["x-request-id"]
    assert UUID.fullmatch(replaced)
    assert upstream_headers(response)["x-request-id"] == replaced


async def test_a_header_that_http_forbids_gets_the_400_envelope(stack: Stack) -> None:
    response = await stack.client.get("/api/users/x", headers={"x-request-id": b"del\x7f"})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert list(response.json()) == ["errors"]
    assert response.json()["errors"][0]["message"]


async def test_two_request_ids_reach_the_service_as_the_one_echoed(stack: Stack) -> None:
    response = await stack.client.get(
        "/api/users/x", headers=[("x-request-id", "one"), ("x-request-id", "two")]
    )

    ids = [value for name, value in response.json()["headers"] if name == "x-request-id"]
    assert ids == [response.headers["x-request-id"]]


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


async def test_a_service_that_is_down_or_not_running_gets_the_502_envelope(
    tmp_path: Path,
) -> None:
    with envoy(tmp_path / "envoy", {"auth": free_port()}) as gateway:
        async with httpx.AsyncClient(base_url=gateway.url, trust_env=False) as client:
            down = await client.get("/api/users/currentuser")
            absent = await client.post("/api/tickets", json={"title": "t"})
            site = await client.get("/")

    for response, service in ((down, "auth"), (absent, "tickets"), (site, "client")):
        assert response.status_code == 502
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {
            "errors": [{"message": f"The {service} service is not available. Please try again."}]
        }
        assert UUID.fullmatch(response.headers["x-request-id"])


async def test_a_service_that_answers_too_late_gets_the_504_envelope(tmp_path: Path) -> None:
    async with stack_of(tmp_path / "envoy", upstream_timeout=0.3) as stack:
        response = await stack.client.get("/api/orders/slow", headers={"x-request-id": "slow-1"})

    assert response.status_code == 504
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "errors": [{"message": "The orders service took too long to answer."}]
    }
    assert response.headers["x-request-id"] == "slow-1"


async def test_credential_paths_are_limited_per_client_address(tmp_path: Path) -> None:
    async with (
        stack_of(tmp_path / "envoy", rate_limit_per_minute=3) as stack,
        stack.visitor(local_address="127.0.0.1") as first,
        stack.visitor(local_address="127.0.0.2") as second,
    ):
        allowed = [(await first.post("/api/users/signin")).status_code for _ in range(3)]
        refused = await first.post("/api/users/signin", headers={"x-request-id": "r-1"})
        # The same path spelled differently is the same path.
        respelled = await first.post("/api/users//./signin")
        forged = await first.post("/api/users/signin", headers={"x-forwarded-for": "198.51.100.9"})
        other_address = await second.post("/api/users/signin")
        # One budget per address for all the credential paths.
        other_paths = [
            (await first.post(path)).status_code
            for path in ("/api/users/signup", "/api/users/forgot-password")
        ]
        unlimited = [(await first.get("/api/users/currentuser")).status_code for _ in range(5)]

    assert allowed == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/json"
    assert refused.json() == {
        "errors": [{"message": "Too many requests. Please wait a minute and try again."}]
    }
    assert refused.headers["x-request-id"] == "r-1"
    assert respelled.status_code == 429
    assert forged.status_code == 429
    assert other_address.status_code == 200
    assert other_paths == [429, 429]
    assert unlimited == [200] * 5


async def test_with_the_limit_off_credential_paths_are_not_limited(stack: Stack) -> None:
    answers = [(await stack.client.post("/api/users/signin")).status_code for _ in range(70)]

    assert answers == [200] * 70


async def test_each_request_is_one_json_line_in_the_access_log(stack: Stack) -> None:
    await stack.client.post("/api/tickets/abc", headers={"x-request-id": "logged-1"})
    await stack.client.get("/api/nope", headers={"x-request-id": "logged-2"})
    log = stack.gateway.settings.access_log

    def lines() -> list[dict[str, object]]:
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    # Envoy writes its access log from a background thread.
    await wait_until(lambda: len(lines()) >= 2, message="the access log stayed short")
    first, second = lines()[-2:]
    assert first["method"] == "POST"
    assert first["path"] == "/api/tickets/abc"
    assert first["status"] == 200
    assert first["request_id"] == "logged-1"
    assert isinstance(first["duration_ms"], int)
    assert second["status"] == 404
    assert second["request_id"] == "logged-2"
