"""POST /api/users/signin, /signout and GET /currentuser."""

import base64
import json
from datetime import UTC, datetime, timedelta

from zombilet_common.auth import SessionUser, issue_token

INVALID = {"errors": [{"message": "Invalid Credentials!"}]}
CLEARING = (
    "session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
)


async def signin(auth, email: object, password: object):  # type: ignore[no-untyped-def]
    return await auth.client.post("/api/users/signin", json={"email": email, "password": password})


async def test_signin_answers_the_user_and_sets_the_cookie(auth) -> None:
    user_id = (await auth.signup("me@example.com", "password1")).json()["id"]
    response = await signin(auth, " ME@example.com ", "password1")
    assert response.status_code == 200
    assert response.json() == {"id": user_id, "email": "me@example.com"}
    assert response.headers["set-cookie"].startswith("session=ey")


async def test_signin_publishes_user_signed_in_and_leaves_the_version(auth) -> None:
    user_id = (await auth.signup("me@example.com", "password1")).json()["id"]
    await signin(auth, "me@example.com", "password1")
    await signin(auth, "me@example.com", "password1")

    published = await auth.published("user.signed-in")

    assert [json.loads(data) for _, _, data in published] == [{"id": user_id, "version": 0}] * 2
    ids = [msg_id for _, msg_id, _ in published]
    assert all(
        i.startswith(f"user.signed-in:{user_id}:") and len(i.split(":")[2]) == 32 for i in ids
    )
    assert ids[0] != ids[1]
    doc = await auth.db.users.find_one({})
    assert doc["version"] == 0


async def test_signin_checks_the_trimmed_password(auth) -> None:
    await auth.signup("me@example.com", "  password1  ")
    assert (await signin(auth, "me@example.com", "password1")).status_code == 200
    assert (await signin(auth, "me@example.com", " password1 ")).status_code == 200


async def test_wrong_password_and_unknown_email_answer_the_same(auth) -> None:
    await auth.signup("me@example.com", "password1")
    wrong = await signin(auth, "me@example.com", "password2")
    unknown = await signin(auth, "nobody@example.com", "password1")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json() == INVALID
    assert "set-cookie" not in wrong.headers
    assert "set-cookie" not in unknown.headers


async def test_signin_password_must_be_supplied(auth) -> None:
    for password in ("", "   ", None, 5, {"$gt": ""}):
        response = await signin(auth, "me@example.com", password)
        assert response.json() == {
            "errors": [{"message": "Password must be supplied.", "field": "password"}]
        }


async def test_signin_email_rule(auth) -> None:
    response = await signin(auth, {"$gt": ""}, "password1")
    assert response.json() == {"errors": [{"message": "E-mail must be valid.", "field": "email"}]}


async def test_signout_clears_the_cookie_with_or_without_a_session(auth) -> None:
    await auth.signup()
    signed_in = await auth.client.post("/api/users/signout")
    auth.client.cookies.clear()
    signed_out = await auth.client.post("/api/users/signout", content=b"not json at all")
    for response in (signed_in, signed_out):
        assert response.status_code == 200
        assert response.json() == {}
        assert response.headers["content-type"] == "application/json"
        assert response.headers["set-cookie"] == CLEARING


async def test_current_user_comes_from_the_cookie(auth) -> None:
    user_id = (await auth.signup("me@example.com")).json()["id"]
    response = await auth.client.get("/api/users/currentuser")
    assert response.json() == {"currentUser": {"id": user_id, "email": "me@example.com"}}
    auth.client.cookies.clear()
    response = await auth.client.get("/api/users/currentuser")
    assert response.json() == {"currentUser": None}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_bad_tokens_are_signed_out(auth) -> None:
    user = SessionUser(id="a" * 24, email="me@example.com")
    key = auth.settings.jwt_key
    good = issue_token(user, key, 3600)
    header, _, signature = good.split(".")
    claims = {"id": user.id, "email": "other@example.com", "iat": 1, "exp": 4102444800}
    tokens = {
        "expired": issue_token(user, key, 60, now=datetime.now(UTC) - timedelta(hours=1)),
        "tampered": f"{header}.{_b64(claims)}.{signature}",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "wrong key": issue_token(user, "another-key-of-at-least-32-bytes-long", 3600),
        "garbage": "not-a-token",
    }
    for name, token in tokens.items():
        auth.client.cookies.clear()
        response = await auth.client.get(
            "/api/users/currentuser", headers={"cookie": f"session={token}"}
        )
        assert response.status_code == 200, name
        assert response.json() == {"currentUser": None}, name
