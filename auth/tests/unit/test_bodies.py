"""Malformed bodies on every route that reads one: 400 or 413 in the envelope, nothing stored."""

import pytest

ROUTES = [
    "/api/users/signup",
    "/api/users/signin",
    "/api/users/forgot-password",
    "/api/users/reset-password?token=abc&type=forgot-password",
]
INVALID_JSON = {"errors": [{"message": "Request body must be valid JSON."}]}
NOT_OBJECT = {"errors": [{"message": "Request body must be a JSON object."}]}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", INVALID_JSON),
        (b"{", INVALID_JSON),
        (b"\xff\xfe", INVALID_JSON),
        (b'{"email": NaN}', INVALID_JSON),
        (b'{"password": 1e999}', INVALID_JSON),
        (b"[]", NOT_OBJECT),
        (b'"a@example.com"', NOT_OBJECT),
        (b"null", NOT_OBJECT),
    ],
)
async def test_malformed_body_is_refused(
    auth, route: str, content: bytes, expected: object
) -> None:
    response = await auth.client.post(
        route, content=content, headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400
    assert response.json() == expected
    assert await auth.db.users.count_documents({}) == 0


@pytest.mark.parametrize("route", ROUTES)
async def test_body_over_100_kib_is_too_large(auth, route: str) -> None:
    content = b'{"email": "' + b"a" * (100 * 1024) + b'"}'
    response = await auth.client.post(route, content=content)
    assert response.status_code == 413
    assert response.json() == {"errors": [{"message": "Request body is too large."}]}


async def test_body_is_read_whatever_the_content_type(auth) -> None:
    response = await auth.client.post(
        "/api/users/signup",
        content=b'{"email": "t@example.com", "password": "password1"}',
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/users/signup"),
        ("POST", "/api/users/currentuser"),
        ("GET", "/api/users/nothing"),
    ],
)
async def test_unknown_routes_and_methods_are_not_found(auth, method: str, path: str) -> None:
    response = await auth.client.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}


async def test_one_trailing_slash_is_accepted(auth) -> None:
    response = await auth.client.get("/api/users/currentuser/")
    assert response.status_code == 200
