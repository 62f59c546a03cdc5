"""forgot-password, validate-token and reset-password (SPEC.md §4.3)."""

import asyncio
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from zombilet_auth.models import User
from zombilet_auth.repository import ResetTokenRepository, UserRepository
from zombilet_auth.service import AuthService
from zombilet_common.versioning import VersionConflict

RESET = "/api/users/reset-password"
VALIDATE = "/api/users/validate-token"
CLEARING = (
    "session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
)


async def forgot(auth, email: str = "me@example.com"):  # type: ignore[no-untyped-def]
    return await auth.client.post("/api/users/forgot-password", json={"email": email})


async def reset_token(auth, email: str = "me@example.com") -> str:
    """Ask for a reset and take the plain token from the published event."""
    await forgot(auth, email)
    published = await auth.published("user.forgot-password")
    return json.loads(published[-1][2])["token"]["value"]


def passwords(new: object = "newpass123", repeated: object = "newpass123") -> dict[str, object]:
    return {"newPassword": new, "repeatedNewPassword": repeated}


def query(token: str) -> dict[str, str]:
    return {"token": token, "type": "forgot-password"}


async def test_forgot_password_for_a_known_email_publishes_the_token(auth) -> None:
    user_id = (await auth.signup("me@example.com")).json()["id"]
    before = auth.clock()
    response = await forgot(auth, " Me@Example.com")

    assert response.status_code == 200
    assert response.content == b""
    (published,) = await auth.published("user.forgot-password")
    payload = json.loads(published[2])
    assert published[1].startswith(f"user.forgot-password:{user_id}:")
    assert payload["id"] == user_id
    assert payload["version"] == 0
    token = payload["token"]
    assert token["type"] == "forgot-password"
    assert len(token["value"]) == 64
    expires = datetime.fromisoformat(token["expiresAt"].replace("Z", "+00:00"))
    assert expires - before == timedelta(hours=1)
    stored = await auth.db.password_resets.find_one({})
    assert stored["hash"] == hashlib.sha256(token["value"].encode()).hexdigest()
    assert token["value"] not in json.dumps(stored, default=str).replace(stored["hash"], "")


async def test_forgot_password_answers_unknown_emails_the_same_and_stores_nothing(auth) -> None:
    await auth.signup("me@example.com")
    known = await forgot(auth, "me@example.com")
    unknown = await forgot(auth, "nobody@example.com")

    def visible(response) -> tuple[int, bytes, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
        headers = [(k, v) for k, v in response.headers.items() if k not in {"date", "x-request-id"}]
        return response.status_code, response.content, headers

    assert visible(known) == visible(unknown)
    assert await auth.db.password_resets.count_documents({}) == 1
    assert len(await auth.published("user.forgot-password")) == 1


async def test_validate_token_accepts_a_live_token_without_consuming_it(auth) -> None:
    await auth.signup()
    token = await reset_token(auth)
    for _ in range(2):
        response = await auth.client.post(VALIDATE, params=query(token))
        assert response.status_code == 200
        assert response.content == b""


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, [("Token must be provided.", "token"), ("Token type must be provided.", "type")]),
        (
            {"token": "", "type": ""},
            [("Token must be provided.", "token"), ("Token type must be provided.", "type")],
        ),
        ({"token": "abc", "type": "forgot:password"}, [("Token type must be valid.", "type")]),
        ({"token": "abc", "type": "delete-account"}, [("Token type must be valid.", "type")]),
        ({"type": "forgot-password"}, [("Token must be provided.", "token")]),
    ],
)
async def test_validate_token_query_rules(auth, params, errors) -> None:  # type: ignore[no-untyped-def]
    response = await auth.client.post(VALIDATE, params=params)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": m, "field": f} for m, f in errors]}


async def test_unknown_token_is_not_found(auth) -> None:
    response = await auth.client.post(VALIDATE, params=query("0" * 64))
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}


async def test_expired_token_is_refused_by_validate_and_reset(auth) -> None:
    await auth.signup()
    token = await reset_token(auth)
    auth.clock.advance(3600)
    expired = {"errors": [{"message": "Token has expired."}]}
    validate = await auth.client.post(VALIDATE, params=query(token))
    reset = await auth.client.post(RESET, params=query(token), json=passwords())
    assert (validate.status_code, validate.json()) == (401, expired)
    assert (reset.status_code, reset.json()) == (401, expired)


async def test_reset_changes_the_password_once_and_signs_out(auth) -> None:
    user_id = (await auth.signup("me@example.com", "oldpass123")).json()["id"]
    token = await reset_token(auth)
    other = await reset_token(auth)

    response = await auth.client.post(RESET, params=query(token), json=passwords())

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["set-cookie"] == CLEARING
    old = await auth.client.post(
        "/api/users/signin", json={"email": "me@example.com", "password": "oldpass123"}
    )
    new = await auth.client.post(
        "/api/users/signin", json={"email": "me@example.com", "password": "newpass123"}
    )
    assert old.status_code == 400
    assert new.status_code == 200
    again = await auth.client.post(
        RESET, params=query(token), json=passwords("another123", "another123")
    )
    assert again.status_code == 404
    # Every other token of the user went with the reset.
    assert (await auth.client.post(VALIDATE, params=query(other))).status_code == 404
    (changed,) = await auth.published("user.changed-password")
    assert changed[1] == f"user.changed-password:{user_id}:1"
    assert json.loads(changed[2]) == {"id": user_id, "version": 1}


async def test_reset_validates_query_and_body_together_in_rule_order(auth) -> None:
    response = await auth.client.post(
        RESET, params={"type": "other"}, json=passwords("short", None)
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"message": "Token must be provided.", "field": "token"},
            {"message": "Token type must be valid.", "field": "type"},
            {"message": "Password must be between 8 and 20 characters.", "field": "newPassword"},
            {
                "message": "Repeated password must exist to confirm new password.",
                "field": "repeatedNewPassword",
            },
        ]
    }


async def test_reset_passwords_must_match_once_trimmed(auth) -> None:
    await auth.signup()
    token = await reset_token(auth)
    mismatch = await auth.client.post(
        RESET, params=query(token), json=passwords("newpass123", "newpass124")
    )
    assert mismatch.json() == {
        "errors": [{"message": "Passwords must match.", "field": "repeatedNewPassword"}]
    }
    trimmed = await auth.client.post(
        RESET, params=query(token), json=passwords(" newpass123", "newpass123 ")
    )
    assert trimmed.status_code == 200


async def test_reset_validates_before_looking_the_token_up(auth) -> None:
    response = await auth.client.post(
        RESET, params=query("0" * 64), json=passwords("short", "short")
    )
    assert response.status_code == 400


async def test_concurrent_resets_with_one_token_let_exactly_one_pass(auth) -> None:
    await auth.signup()
    token = await reset_token(auth)
    responses = await asyncio.gather(
        *(auth.client.post(RESET, params=query(token), json=passwords()) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [200, 404, 404, 404, 404]


async def test_reset_for_a_user_that_is_gone_is_not_authorized(auth) -> None:
    await auth.signup()
    token = await reset_token(auth)
    await auth.db.users.delete_many({})
    response = await auth.client.post(RESET, params=query(token), json=passwords())
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Not authorized"}]}


async def test_reset_without_the_repeated_password_names_it(auth) -> None:
    response = await auth.client.post(
        RESET, params=query("0" * 64), json={"newPassword": "newpass123"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Repeated password must exist to confirm new password.",
                "field": "repeatedNewPassword",
            }
        ]
    }


async def test_a_blank_repeated_password_does_not_match(auth) -> None:
    response = await auth.client.post(
        RESET, params=query("0" * 64), json=passwords("newpass123", "   ")
    )
    assert response.json() == {
        "errors": [{"message": "Passwords must match.", "field": "repeatedNewPassword"}]
    }


class AlwaysOvertaken(UserRepository):
    """Every password change loses to another writer."""

    async def change_password(self, read: User, changed: User, event: Any) -> None:
        raise VersionConflict("users", read.id, expected=read.version)


class StoreDown(UserRepository):
    async def change_password(self, read: User, changed: User, event: Any) -> None:
        raise ConnectionError("the database went away")


async def use_users(auth, users: UserRepository) -> AuthService:  # type: ignore[no-untyped-def]
    """Serve from `users` instead of the plain repository; the plain service, to go back to."""
    plain: AuthService = auth.use_cases
    tokens = ResetTokenRepository(auth.db, auth.relay)
    auth.install(AuthService(users, tokens, plain.passwords, clock=auth.clock))
    return plain


@pytest.mark.parametrize(
    ("users", "status", "message"),
    [
        (
            AlwaysOvertaken,
            409,
            "The account was changed by another request. Please try again.",
        ),
        (StoreDown, 500, "Something went wrong"),
    ],
)
async def test_a_reset_whose_change_is_not_stored_leaves_the_token_usable(
    auth, users: type[UserRepository], status: int, message: str
) -> None:
    await auth.signup()
    token = await reset_token(auth)
    plain = await use_users(auth, users(auth.db, auth.relay))

    failed = await auth.client.post(RESET, params=query(token), json=passwords())

    assert failed.status_code == status
    assert failed.json() == {"errors": [{"message": message}]}
    auth.install(plain)
    assert (await auth.client.post(VALIDATE, params=query(token))).status_code == 200
    again = await auth.client.post(RESET, params=query(token), json=passwords())
    assert again.status_code == 200
    signin = {"email": "me@example.com", "password": "newpass123"}
    assert (await auth.client.post("/api/users/signin", json=signin)).status_code == 200
    assert (await auth.client.post(VALIDATE, params=query(token))).status_code == 404
