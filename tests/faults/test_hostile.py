"""Hostile HTTP through the gateway: generated requests from each service's OpenAPI schema,
forged sessions, and sessions signed with a key the stack no longer uses."""

import base64
import hashlib
import hmac
import importlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from zombilet_common.auth import SessionUser, issue_token

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 12
SIGNED_OUT = {"errors": [{"message": "Not authorized"}]}
# One route of each service that needs a session.
GUARDED = (
    ("POST", "/api/tickets", {"title": "t", "price": 1}),
    ("GET", "/api/orders", None),
    ("POST", "/api/orders", {"ticketId": "0" * 24}),
    ("POST", "/api/payments", {"token": "tok_visa", "orderId": "0" * 24}),
)


# The routes read their bodies themselves (SPEC's body rules), so the schema FastAPI derives
# names no request body: each is added from the model the route validates with.
BODIES = {
    ("post", "/api/users/signup"): "zombilet_auth.schemas:SignupBody",
    ("post", "/api/users/signin"): "zombilet_auth.schemas:SigninBody",
    ("post", "/api/users/forgot-password"): "zombilet_auth.schemas:ForgotPasswordBody",
    ("post", "/api/users/reset-password"): "zombilet_auth.schemas:ResetPasswordBody",
    ("post", "/api/tickets"): "zombilet_tickets.schemas:CreateTicketBody",
    ("put", "/api/tickets/{ticket_id}"): "zombilet_tickets.schemas:UpdateTicketBody",
    ("post", "/api/orders"): "zombilet_orders.schemas:CreateOrderBody",
    ("post", "/api/payments"): "zombilet_payments.schemas:CreatePaymentBody",
}


def openapi_of(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, from its own router (the services serve none), with
    the request bodies it reads."""
    app = FastAPI(title=service)
    app.include_router(importlib.import_module(f"zombilet_{service}.routes").router)
    document = app.openapi()
    for (method, path), where in BODIES.items():
        if path in document["paths"]:
            module, name = where.split(":")
            model = getattr(importlib.import_module(module), name)
            document["paths"][path][method]["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": model.model_json_schema()}},
            }
    return document


def assert_envelope(response: Any) -> None:
    body = response.json()
    assert isinstance(body, dict), response.text
    assert set(body) == {"errors"}, response.text
    assert body["errors"], response.text
    for error in body["errors"]:
        assert isinstance(error.get("message"), str), response.text
        assert error["message"], response.text
        assert set(error) <= {"message", "field"}, response.text
        assert isinstance(error.get("field", ""), str), response.text


def sign_up(url: str) -> tuple[str, str, str]:
    """A new user's (id, email, session token)."""
    email = f"hostile-{uuid.uuid4().hex[:12]}@example.com"
    with httpx.Client(base_url=url, trust_env=False, timeout=20) as client:
        answer = client.post("/api/users/signup", json={"email": email, "password": "password1"})
        assert answer.status_code == 201, answer.text
        return answer.json()["id"], email, client.cookies["session"]


@pytest.mark.parametrize("service", ["auth", "tickets", "orders", "payments"])
@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "signed-out"])
def test_generated_requests_never_meet_a_5xx_and_errors_are_enveloped(
    stack: Any, service: str, signed_in: bool
) -> None:
    schema = schemathesis.openapi.from_dict(openapi_of(service))
    cookies = {"session": sign_up(stack.url)[2]} if signed_in else {}
    checked: list[str] = []
    calls: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def call(case: Any) -> None:
            response = case.call(base_url=stack.url, cookies=cookies, timeout=20)
            calls.append(response.status_code)
            assert response.status_code < 500, (case.as_curl_command(), response.text)
            if response.status_code >= 400:
                assert_envelope(response)

        call()
        checked.append(operation.label)
    assert checked
    # Several generated requests per operation reached a service.
    assert len(calls) > 3 * len(checked), calls


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(header: dict[str, Any], claims: Any, key: bytes, digest: Any) -> str:
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    return head + "." + _b64(hmac.new(key, head.encode(), digest).digest())


def forged_sessions(user_id: str, email: str, key: str) -> dict[str, str]:
    user = SessionUser(id=user_id, email=email)
    good = issue_token(user, key, 3600)
    header, payload, signature = good.split(".")
    claims = {"id": user_id, "email": email, "iat": 1, "exp": 4102444800}
    hs256 = {"alg": "HS256", "typ": "JWT"}
    none = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return {
        "garbage": "not-a-token",
        "empty": "",
        "tampered payload": f"{header}.{_b64(json.dumps({**claims, 'id': 'f' * 24}).encode())}"
        f".{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-2]}AA",
        "alg none": f"{none}.{payload}.",
        "alg none, no signature part": f"{none}.{payload}",
        "alg none, signed": f"{none}.{payload}.{signature}",
        "HS512 with the key": _signed(
            {"alg": "HS512", "typ": "JWT"}, claims, key.encode(), hashlib.sha512
        ),
        "expired": issue_token(user, key, 60, now=datetime.now(UTC) - timedelta(minutes=5)),
        "other key": issue_token(user, "another-key-of-enough-length-0123456789", 3600),
        "claims a list": _signed(hs256, [claims], key.encode(), hashlib.sha256),
        "id not an id": _signed(hs256, {**claims, "id": "admin"}, key.encode(), hashlib.sha256),
        "exp a string": _signed(
            hs256, {**claims, "exp": "4102444800"}, key.encode(), hashlib.sha256
        ),
        "payload not json": f"{header}.{_b64(b'{not json')}.{signature}",
        "oversized": f"{header}.{'A' * 5000}.{signature}",
    }


def test_forged_sessions_are_signed_out_by_every_service(stack: Any, jwt_key: str) -> None:
    user_id, email, good = sign_up(stack.url)
    with httpx.Client(base_url=stack.url, trust_env=False, timeout=20) as client:
        me = client.get("/api/users/currentuser", headers={"cookie": f"session={good}"})
        assert me.json() == {"currentUser": {"id": user_id, "email": email}}
        for name, token in forged_sessions(user_id, email, jwt_key).items():
            cookie = {"cookie": f"session={token}"}
            me = client.get("/api/users/currentuser", headers=cookie)
            assert (me.status_code, me.json()) == (200, {"currentUser": None}), name
            for method, path, body in GUARDED:
                answer = client.request(method, path, json=body, headers=cookie)
                assert (answer.status_code, answer.json()) == (401, SIGNED_OUT), (name, path)


def test_a_session_signed_before_the_key_changed_is_signed_out_after_a_restart(
    stack: Any, stack_starter: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    user_id, email, session = sign_up(stack.url)
    cookie = {"cookie": f"session={session}"}
    with httpx.Client(base_url=stack.url, trust_env=False, timeout=20) as client:
        before = client.get("/api/users/currentuser", headers=cookie).json()
    assert before == {"currentUser": {"id": user_id, "email": email}}
    # Last in this module: the module's stack is replaced by one with a new key.
    assert stack.terminate() == 0
    again = stack_starter(
        tmp_path_factory.mktemp("new-key"), stack.data_dir, JWT_KEY=uuid.uuid4().hex * 2
    )
    try:
        with httpx.Client(base_url=again.url, trust_env=False, timeout=20) as client:
            me = client.get("/api/users/currentuser", headers=cookie)
            assert (me.status_code, me.json()) == (200, {"currentUser": None})
            for method, path, body in GUARDED:
                answer = client.request(method, path, json=body, headers=cookie)
                assert (answer.status_code, answer.json()) == (401, SIGNED_OUT), path
            # The account itself is still there: signing in gives a session under the new key.
            signed_in = client.post(
                "/api/users/signin", json={"email": email, "password": "password1"}
            )
            assert signed_in.status_code == 200, signed_in.text
            assert client.get("/api/users/currentuser").json()["currentUser"]["id"] == user_id
    finally:
        again.close()
