"""POST /api/users/signup: SPEC.md §4.2 rules, §4.3 answer, the cookie and the event."""

import base64
import json

import pytest

from zombilet_common.auth import verify_token

INVALID_EMAIL = {"message": "E-mail must be valid.", "field": "email"}
PASSWORD_LENGTH = {"message": "Password must be between 8 and 20 characters.", "field": "password"}


async def test_signup_creates_the_account_and_signs_it_in(auth) -> None:
    response = await auth.signup("  New.Buyer@Example.COM ", "password1")

    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "email": "new.buyer@example.com"}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("session=")
    assert "; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600" in cookie
    assert "Secure" not in cookie
    assert "Domain" not in cookie
    token = cookie.split(";")[0].removeprefix("session=")
    user = verify_token(token, auth.settings.jwt_key)
    assert user is not None
    assert (user.id, user.email) == (body["id"], "new.buyer@example.com")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["exp"] - claims["iat"] == 3600


async def test_signup_publishes_user_signed_up_at_version_0(auth) -> None:
    response = await auth.signup("seller@example.com")
    user_id = response.json()["id"]

    (published,) = await auth.published("user.signed-up")

    assert published[1] == f"user.signed-up:{user_id}:0"
    assert json.loads(published[2]) == {"id": user_id, "email": "seller@example.com", "version": 0}


async def test_password_is_stored_as_a_salted_argon2id_hash(auth) -> None:
    await auth.signup("a@example.com", "password1")
    await auth.signup("b@example.com", "password1")
    docs = await auth.db.users.find().to_list()
    hashes = [doc["password_hash"] for doc in docs]
    assert all(h.startswith("$argon2id$v=19$") and "password1" not in h for h in hashes)
    assert hashes[0] != hashes[1]


async def test_email_in_any_case_is_in_use_and_sets_no_cookie(auth) -> None:
    await auth.signup("taken@example.com")
    response = await auth.signup(" TAKEN@Example.com", "another-pass")
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "E-mail in use!"}]}
    assert "set-cookie" not in response.headers
    assert await auth.db.users.count_documents({}) == 1


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "plainaddress",
        "a@b",
        "a@b.c",
        "a@b.c1",
        "a@@b.com",
        "a@b@c.com",
        "@example.com",
        "a b@example.com",
        "a\u0007b@example.com",
        "a@-example.com",
        "a@example-.com",
        "a@exa_mple.com",
        "a@example..com",
        "a@.example.com",
        "x" * 65 + "@example.com",
        "a@" + "b" * 64 + ".com",
        "a@" + ("b" * 60 + ".") * 5 + "com",
        5,
        True,
        None,
        [],
        ["a@example.com"],
        {"$gt": ""},
    ],
)
async def test_malformed_email_is_refused(auth, email: object) -> None:
    response = await auth.client.post(
        "/api/users/signup", json={"email": email, "password": "password1"}
    )
    assert response.status_code == 400
    assert response.json() == {"errors": [INVALID_EMAIL]}


@pytest.mark.parametrize(
    "email",
    ["x+tag@sub.example.co", "x" * 64 + "@example.com", "o'neil@example-1.org", "A@B.IO"],
)
async def test_well_formed_email_is_accepted(auth, email: str) -> None:
    response = await auth.signup(email)
    assert response.status_code == 201
    assert response.json()["email"] == email.lower()


async def test_missing_email_fails_its_rule(auth) -> None:
    response = await auth.client.post("/api/users/signup", json={"password": "password1"})
    assert response.json() == {"errors": [INVALID_EMAIL]}


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("a" * 7, False),
        ("a" * 8, True),
        ("a" * 20, True),
        ("a" * 21, False),
        ("   " + "a" * 7 + "   ", False),
        ("   " + "a" * 8 + "   ", True),
        ("é" * 20, True),
        (12345678, False),
        (None, False),
        ({"$ne": None}, False),
    ],
)
async def test_password_length_boundaries(auth, password: object, ok: bool) -> None:
    response = await auth.client.post(
        "/api/users/signup", json={"email": "p@example.com", "password": password}
    )
    if ok:
        assert response.status_code == 201
    else:
        assert response.status_code == 400
        assert response.json() == {"errors": [PASSWORD_LENGTH]}


async def test_each_failing_field_is_reported_once_in_rule_order(auth) -> None:
    response = await auth.client.post("/api/users/signup", json={"password": 1, "email": 2})
    assert response.json() == {"errors": [INVALID_EMAIL, PASSWORD_LENGTH]}


async def test_unknown_keys_are_ignored(auth) -> None:
    response = await auth.client.post(
        "/api/users/signup",
        json={"email": "k@example.com", "password": "password1", "isAdmin": True},
    )
    assert response.status_code == 201
    doc = await auth.db.users.find_one({"email": "k@example.com"})
    assert "isAdmin" not in doc
    assert "is_admin" not in doc
