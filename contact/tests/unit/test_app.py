"""Contact serves only the health routes (SPEC.md §10, §12)."""

import httpx

from zombilet_contact.main import create_app
from zombilet_contact.settings import Settings


def client() -> httpx.AsyncClient:
    settings = Settings(
        mongo_uri="mongodb://127.0.0.1:1/contact", nats_url="nats://x:1", sendgrid_key=None
    )
    app = create_app(settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://contact")


async def test_healthz_answers_while_the_process_runs() -> None:
    async with client() as http:
        response = await http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_there_is_no_public_api() -> None:
    async with client() as http:
        responses = [await http.get("/api/contact"), await http.post("/api/users/signup")]
    for response in responses:
        assert response.status_code == 404
        assert response.json() == {"errors": [{"message": "Not Found"}]}
