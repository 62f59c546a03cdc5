"""The client's page tests: the site over ASGI, the APIs behind it faked per test."""

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from zombilet_client.main import create_app
from zombilet_client.settings import Settings

USER_ID = "a" * 24
OTHER_ID = "b" * 24
TICKET_ID = "c" * 24
ORDER_ID = "d" * 24
SESSION = "session=signed-in-token"

Handler = Callable[[httpx.Request], httpx.Response]


class Data:
    """Builders of API answers, handed to tests as the `data` fixture."""

    user_id = USER_ID
    other_id = OTHER_ID
    ticket_id = TICKET_ID
    order_id = ORDER_ID

    @staticmethod
    def ticket(**changes: Any) -> dict[str, Any]:
        return ticket(**changes)

    @staticmethod
    def order(**changes: Any) -> dict[str, Any]:
        return order(**changes)

    @staticmethod
    def errors(*messages: str, status: int = 400) -> httpx.Response:
        return errors(*messages, status=status)


@pytest.fixture
def data() -> type[Data]:
    return Data


def ticket(**changes: Any) -> dict[str, Any]:
    base = {
        "id": TICKET_ID,
        "title": "Concert",
        "price": 16.99,
        "userId": OTHER_ID,
        "version": 0,
        "orderId": None,
    }
    return base | changes


def order(**changes: Any) -> dict[str, Any]:
    base = {
        "id": ORDER_ID,
        "status": "created",
        "userId": USER_ID,
        "expiresAt": "2999-01-01T00:00:00.000Z",
        "version": 0,
        "ticket": {"id": TICKET_ID, "title": "Concert", "price": 16.99},
    }
    return base | changes


def errors(*messages: str, status: int = 400) -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"message": m} for m in messages]})


@dataclass
class FakeApi:
    """The APIs as the client sees them: answers by (method, path), every request recorded.

    `currentuser` answers the user only to a request carrying the SESSION cookie.
    """

    routes: dict[tuple[str, str], httpx.Response | Handler] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, answer: httpx.Response | Handler) -> None:
        self.routes[(method, path)] = answer

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def body(self, method: str, path: str) -> Any:
        return json.loads(self.sent(method, path)[-1].content)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/users/currentuser" and ("GET", request.url.path) not in (
            self.routes
        ):
            signed_in = SESSION in request.headers.get("cookie", "")
            user = {"id": USER_ID, "email": "me@example.com"} if signed_in else None
            return httpx.Response(200, json={"currentUser": user})
        answer = self.routes.get((request.method, request.url.path))
        if answer is None:
            return errors("Not Found", status=404)
        return answer(request) if callable(answer) else answer


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def settings() -> Settings:
    return Settings(api_base_url="http://api.test")


@asynccontextmanager
async def site_for(settings: Settings, handler: Handler) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, transport=httpx.MockTransport(handler))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://site.test") as c,
    ):
        yield c


@pytest.fixture
async def site(settings: Settings, api: FakeApi) -> AsyncIterator[httpx.AsyncClient]:
    """A signed-out visitor of the site."""
    async with site_for(settings, api.handle) as client:
        yield client


@pytest.fixture
def open_site() -> Callable[[Settings, Handler], AbstractAsyncContextManager[httpx.AsyncClient]]:
    """A site of its own, for settings or an API other than the defaults."""
    return site_for


@pytest.fixture
async def member(site: httpx.AsyncClient) -> httpx.AsyncClient:
    """The same visitor, signed in as USER_ID."""
    site.headers["Cookie"] = SESSION
    return site
