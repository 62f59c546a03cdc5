"""Sessions through the gateway of the local stack: the cookie auth sets is the session."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from zombilet_common.auth import SessionUser, issue_token

pytestmark = pytest.mark.integration


def fresh_email() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}@example.com"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_unknown_api_path_is_a_404_envelope(browser: httpx.Client) -> None:
    response = browser.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}
    assert response.headers["x-request-id"]


def test_signup_cookie_makes_currentuser_return_the_user(browser: httpx.Client) -> None:
    email = fresh_email()
    signup = browser.post("/api/users/signup", json={"email": email, "password": "password1"})

    assert signup.status_code == 201
    cookies = signup.headers.get_list("set-cookie")
    assert len(cookies) == 1
    assert "HttpOnly" in cookies[0]
    me = browser.get("/api/users/currentuser")
    assert me.json() == {"currentUser": {"id": signup.json()["id"], "email": email}}

    signout = browser.post("/api/users/signout")
    assert "Max-Age=0" in signout.headers["set-cookie"]
    assert browser.get("/api/users/currentuser").json() == {"currentUser": None}


def test_bad_session_tokens_are_signed_out(browser: httpx.Client, jwt_key: str) -> None:
    email = fresh_email()
    user_id = browser.post(
        "/api/users/signup", json={"email": email, "password": "password1"}
    ).json()["id"]
    user = SessionUser(id=user_id, email=email)
    good = issue_token(user, jwt_key, 3600)
    header, _, signature = good.split(".")
    claims = {"id": user_id, "email": email, "iat": 1, "exp": 4102444800}
    bad = {
        "tampered": f"{header}.{_b64({**claims, 'email': 'admin@example.com'})}.{signature}",
        "wrongly signed": issue_token(user, "not-the-stack-key-at-least-32-bytes", 3600),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "expired": issue_token(user, jwt_key, 60, now=datetime.now(UTC) - timedelta(minutes=5)),
    }
    browser.cookies.clear()
    signed_in = browser.get("/api/users/currentuser", headers={"cookie": f"session={good}"})
    assert signed_in.json()["currentUser"] == {"id": user_id, "email": email}
    for name, token in bad.items():
        response = browser.get("/api/users/currentuser", headers={"cookie": f"session={token}"})
        assert response.status_code == 200, name
        assert response.json() == {"currentUser": None}, name
