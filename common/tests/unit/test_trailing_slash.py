"""Paths (SPEC 2.5): exact, or with one trailing slash answered directly."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter

from zombilet_common.app import create_service_app

NOT_FOUND = {"errors": [{"message": "Not Found"}]}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(title="test")
    router = APIRouter(prefix="/api/tickets")

    @router.get("")
    async def list_tickets() -> dict[str, str]:
        return {"route": "list"}

    @router.post("")
    async def create_ticket() -> dict[str, str]:
        return {"route": "create"}

    @router.get("/{ticket_id}")
    async def show_ticket(ticket_id: str) -> dict[str, str]:
        return {"route": "show", "id": ticket_id}

    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/tickets/", {"route": "list"}),
        ("POST", "/api/tickets/", {"route": "create"}),
        ("GET", "/api/tickets/abc/", {"route": "show", "id": "abc"}),
        ("GET", "/api/tickets/?limit=5", {"route": "list"}),
        ("GET", "/healthz/", {"status": "ok"}),
    ],
)
async def test_one_trailing_slash_is_answered_directly(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, str]
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 200
    assert response.json() == body


async def test_exact_paths_still_match(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/tickets/abc")
    assert response.json() == {"route": "show", "id": "abc"}


@pytest.mark.parametrize("path", ["/api/tickets//", "/api/tickets/abc//", "/", "/api/"])
async def test_more_than_one_slash_or_no_route_is_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert "location" not in response.headers


async def test_docs_are_off_by_default(client: httpx.AsyncClient) -> None:
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert (await client.get(path)).status_code == 404
