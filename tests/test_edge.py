"""The gateway in front of the real services: no visitor ever acts as another, and what the
gateway answers itself is the error envelope with a request id."""

import re
import uuid

import httpx
import pytest

from zombilet_local.handle import StackProcess

pytestmark = pytest.mark.integration

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PASSWORD = "password1"


def visitor(stack: StackProcess) -> httpx.Client:
    """A browser of its own: its own cookie jar and its own connections."""
    return httpx.Client(base_url=stack.url, trust_env=False, timeout=10)


def sign_up(client: httpx.Client) -> dict[str, str]:
    email = f"e2e-{uuid.uuid4().hex[:12]}@example.com"
    response = client.post("/api/users/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"id": response.json()["id"], "email": email}


def current_user(client: httpx.Client) -> object:
    return client.get("/api/users/currentuser").json()["currentUser"]


def test_a_request_without_a_cookie_never_acts_as_someone_who_signed_in(
    stack: StackProcess,
) -> None:
    with visitor(stack) as a, visitor(stack) as anonymous, visitor(stack) as b:
        user_a = sign_up(a)
        a.post("/api/users/signout")
        signin = a.post("/api/users/signin", json={"email": user_a["email"], "password": PASSWORD})
        assert signin.status_code == 200, signin.text
        assert current_user(a) == user_a

        assert anonymous.get("/api/users/currentuser").json() == {"currentUser": None}
        ticket = anonymous.post("/api/tickets", json={"title": "Not mine", "price": 5})
        orders = anonymous.get("/api/orders")
        payment = anonymous.post(
            "/api/payments", json={"token": "tok_visa", "orderId": "0123456789abcdef01234567"}
        )
        for response in (ticket, orders, payment):
            assert response.status_code == 401, response.text
            assert response.json() == {"errors": [{"message": "Not authorized"}]}

        user_b = sign_up(b)
        assert current_user(a) == user_a
        assert current_user(b) == user_b
        a.post("/api/users/signout")
        assert current_user(a) is None
        assert current_user(b) == user_b
        assert current_user(anonymous) is None


def test_an_unknown_api_path_gets_the_404_envelope_with_a_request_id(
    stack: StackProcess,
) -> None:
    with visitor(stack) as client:
        response = client.delete("/api/nothing-here/at/all")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"errors": [{"message": "Not Found"}]}
    assert UUID.fullmatch(response.headers["x-request-id"])


def test_a_valid_request_id_comes_back_and_an_invalid_one_is_replaced(
    stack: StackProcess,
) -> None:
    with visitor(stack) as client:
        kept = client.get("/api/users/currentuser", headers={"x-request-id": "e2e trace/1"})
        too_long = client.get("/api/users/currentuser", headers={"x-request-id": "x" * 129})
        not_ascii = client.get("/api/tickets", headers={"x-request-id": "caf\u00e9".encode()})
        made = client.get("/api/tickets")

    assert kept.status_code == 200
    assert kept.headers["x-request-id"] == "e2e trace/1"
    for response in (too_long, not_ascii, made):
        assert response.status_code == 200
        assert UUID.fullmatch(response.headers["x-request-id"])
    assert len({r.headers["x-request-id"] for r in (too_long, not_ascii, made)}) == 3
