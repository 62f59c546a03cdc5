"""The session JWT and cookie of SPEC 3."""

import base64
import hashlib
import hmac
import json
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import FastAPI, Response
from pydantic import BaseModel

from zombilet_common.app import create_service_app
from zombilet_common.auth import (
    CurrentUser,
    OptionalUser,
    SessionUser,
    clear_session_cookie,
    issue_token,
    set_session_cookie,
    verify_token,
)
from zombilet_common.body import JsonBody

KEY = "test-key-of-at-least-32-bytes-long"
USER = SessionUser(id="a" * 24, email="buyer@example.com")
NOW = datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC)
TTL = 86400


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def unb64_json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def craft(
    header: dict[str, Any],
    claims: Any,
    key: str = KEY,
    digest: Any = hashlib.sha256,
) -> str:
    """A token signed by hand, so any header or claim can be tried; bytes are sent as they are."""
    payload = b64(claims) if isinstance(claims, bytes) else b64_json(claims)
    signing_input = f"{b64_json(header)}.{payload}"
    signature = hmac.new(key.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(signature)}"


def claims(**overrides: Any) -> dict[str, Any]:
    iat = int(NOW.timestamp())
    return {"id": USER.id, "email": USER.email, "iat": iat, "exp": iat + TTL, **overrides}


HS256 = {"alg": "HS256", "typ": "JWT"}


def test_issued_token_round_trips() -> None:
    token = issue_token(USER, KEY, TTL, now=NOW)
    assert verify_token(token, KEY, now=NOW) == USER
    assert verify_token(token, KEY) is None  # NOW is long past, so it has expired


def test_issued_token_has_the_spec_header_and_claims() -> None:
    header, payload, _ = issue_token(USER, KEY, TTL, now=NOW).split(".")
    iat = int(NOW.timestamp())
    assert base64.urlsafe_b64decode(header + "==") == b'{"alg":"HS256","typ":"JWT"}'
    assert unb64_json(payload) == {"id": USER.id, "email": USER.email, "iat": iat, "exp": iat + TTL}


def test_issued_token_is_a_standard_jwt() -> None:
    key = "k" * 32
    token = issue_token(USER, key, TTL)
    decoded = jwt.decode(token, key, algorithms=["HS256"])
    assert decoded["id"] == USER.id
    assert decoded["exp"] - decoded["iat"] == TTL


def test_token_is_valid_until_exp_and_not_at_it() -> None:
    token = issue_token(USER, KEY, TTL, now=NOW)
    expiry = NOW + timedelta(seconds=TTL)
    assert verify_token(token, KEY, now=expiry - timedelta(milliseconds=1)) == USER
    assert verify_token(token, KEY, now=expiry) is None


def test_tampered_payload_is_refused() -> None:
    header, _, signature = issue_token(USER, KEY, TTL, now=NOW).split(".")
    forged = b64_json(claims(id="b" * 24))
    assert verify_token(f"{header}.{forged}.{signature}", KEY, now=NOW) is None


def test_wrong_key_is_refused() -> None:
    assert (
        verify_token(
            issue_token(USER, "other-key-of-at-least-32-bytes-long", TTL, now=NOW), KEY, now=NOW
        )
        is None
    )


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused(alg: str) -> None:
    unsigned = f"{b64_json({'alg': alg, 'typ': 'JWT'})}.{b64_json(claims())}"
    signed_header = issue_token(USER, KEY, TTL, now=NOW).split(".")[2]
    assert verify_token(unsigned + ".", KEY, now=NOW) is None
    assert verify_token(f"{unsigned}.{signed_header}", KEY, now=NOW) is None


@pytest.mark.parametrize(
    ("alg", "digest"),
    [("HS512", hashlib.sha512), ("HS384", hashlib.sha384), ("hs256", hashlib.sha256)],
)
def test_other_hmac_algorithms_with_the_same_key_are_refused(alg: str, digest: Any) -> None:
    token = craft({"alg": alg, "typ": "JWT"}, claims(), digest=digest)
    assert verify_token(token, KEY, now=NOW) is None


def test_hs512_signed_by_pyjwt_with_the_same_key_is_refused() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT's short-key warning, beside the point here
        token = jwt.encode(claims(), KEY, algorithm="HS512")
    assert verify_token(token, KEY, now=NOW) is None


def test_rs256_header_is_refused() -> None:
    token = craft({"alg": "RS256", "typ": "JWT"}, claims())
    assert verify_token(token, KEY, now=NOW) is None


def test_crafted_hs256_control_token_is_accepted() -> None:
    assert verify_token(craft(HS256, claims()), KEY, now=NOW) == USER


@pytest.mark.parametrize(
    "bad",
    [
        {"exp": None},
        {"exp": "9999999999"},
        {"exp": True},
        {"id": "a" * 12},
        {"id": None},
        {"email": 123},
        {"email": None},
    ],
)
def test_claims_outside_the_rules_are_refused(bad: dict[str, Any]) -> None:
    assert verify_token(craft(HS256, claims(**bad)), KEY, now=NOW) is None


def test_an_exp_past_a_doubles_range_is_far_future_not_an_error() -> None:
    assert verify_token(craft(HS256, claims(exp=10**400)), KEY, now=NOW) == USER


def test_an_id_in_upper_case_is_an_id_and_comes_out_lower_case() -> None:
    user = verify_token(craft(HS256, claims(id=USER.id.upper())), KEY, now=NOW)
    assert user == USER


def test_token_without_exp_is_refused() -> None:
    without_exp = {key: value for key, value in claims().items() if key != "exp"}
    assert verify_token(craft(HS256, without_exp), KEY, now=NOW) is None


@pytest.mark.parametrize("payload", [[1, 2], "text", 7, [[[[]]]]])
def test_payload_that_is_not_an_object_is_refused(payload: Any) -> None:
    assert verify_token(craft(HS256, payload), KEY, now=NOW) is None


def test_deeply_nested_payload_is_refused_without_raising() -> None:
    token = craft(HS256, b"[" * 1400 + b"]" * 1400)
    assert len(token) <= 4096
    assert verify_token(token, KEY, now=NOW) is None


@pytest.mark.parametrize(
    "garbage",
    [None, "", "garbage", "a.b", "a.b.c", "a.b.c.d", "..", "a.b.", "a=.b.c", "é.b.c", "{}.{}.{}"],
)
def test_garbage_is_refused(garbage: str | None) -> None:
    assert verify_token(garbage, KEY, now=NOW) is None


def test_token_over_4096_characters_is_refused() -> None:
    def token_with_email_of(length: int) -> str:
        return issue_token(SessionUser(id=USER.id, email="e" * length), KEY, TTL, now=NOW)

    length = 2900
    while len(token_with_email_of(length + 1)) <= 4096:
        length += 1
    longest, too_long = token_with_email_of(length), token_with_email_of(length + 1)

    assert len(longest) <= 4096 < len(too_long)
    assert verify_token(longest, KEY, now=NOW) is not None
    assert verify_token(too_long, KEY, now=NOW) is None


def test_session_cookie_strings_are_exact() -> None:
    plain, secure = Response(), Response()
    set_session_cookie(plain, "tok.en.sig", 3600, secure=False)
    set_session_cookie(secure, "tok.en.sig", 3600, secure=True)
    assert plain.headers.getlist("set-cookie") == [
        "session=tok.en.sig; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600"
    ]
    assert secure.headers.getlist("set-cookie") == [
        "session=tok.en.sig; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure"
    ]


def test_clearing_cookie_strings_are_exact() -> None:
    plain, secure = Response(), Response()
    clear_session_cookie(plain, secure=False)
    clear_session_cookie(secure, secure=True)
    cleared = "session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly"
    assert plain.headers.getlist("set-cookie") == [cleared + "; SameSite=Lax"]
    assert secure.headers.getlist("set-cookie") == [cleared + "; SameSite=Lax; Secure"]


class NoteBody(BaseModel):
    text: str


def build_app() -> FastAPI:
    app = create_service_app(title="test", jwt_key=KEY)

    @app.get("/api/me")
    async def show_me(user: OptionalUser) -> dict[str, Any]:
        return {"currentUser": None if user is None else {"id": user.id, "email": user.email}}

    @app.get("/api/private")
    async def show_private(user: CurrentUser) -> dict[str, str]:
        return {"id": user.id}

    @app.post("/api/notes")
    async def create_note(
        user: CurrentUser, body: Annotated[NoteBody, JsonBody(NoteBody)]
    ) -> dict[str, str]:
        return {"text": body.text}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def valid_token() -> str:
    return issue_token(USER, KEY, TTL)


async def test_valid_cookie_signs_in(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/me", headers={"cookie": f"theme=dark; session={valid_token()}"}
    )
    assert response.json() == {"currentUser": {"id": USER.id, "email": USER.email}}


async def test_first_of_two_session_cookies_wins(client: httpx.AsyncClient) -> None:
    token = valid_token()
    first_valid = await client.get("/api/me", headers={"cookie": f"session={token}; session=x"})
    first_garbage = await client.get("/api/me", headers={"cookie": f"session=x; session={token}"})
    assert first_valid.json()["currentUser"] == {"id": USER.id, "email": USER.email}
    assert first_garbage.json() == {"currentUser": None}


async def test_protected_route_without_valid_session_is_401(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/private")
    garbage = await client.get("/api/private", headers={"cookie": "session=garbage"})
    for response in (missing, garbage):
        assert response.status_code == 401
        assert response.json() == {"errors": [{"message": "Not authorized"}]}


async def test_protected_route_with_valid_session_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/private", headers={"cookie": f"session={valid_token()}"})
    assert response.status_code == 200
    assert response.json() == {"id": USER.id}


async def test_session_is_checked_before_the_body_is_read(client: httpx.AsyncClient) -> None:
    signed_out = await client.post("/api/notes", content=b"{bad")
    signed_in = await client.post(
        "/api/notes", content=b"{bad", headers={"cookie": f"session={valid_token()}"}
    )
    assert signed_out.status_code == 401
    assert signed_in.json() == {"errors": [{"message": "Request body must be valid JSON."}]}


def test_a_key_under_32_bytes_signs_nothing() -> None:
    with pytest.raises(jwt.InvalidKeyError):
        issue_token(USER, "k" * 31, TTL)
