"""POST /api/payments before any lookup: the session first, then SPEC.md §2.2 bodies and the
§7.2 field rules, one error per field in rule order."""

import pytest
from bson import ObjectId

TOKEN_REQUIRED = {"message": "token is required.", "field": "token"}
ORDER_REQUIRED = {"message": "orderId is required.", "field": "orderId"}
ORDER_INVALID = {"message": "orderId must be valid.", "field": "orderId"}
INVALID_JSON = {"errors": [{"message": "Request body must be valid JSON."}]}
NOT_OBJECT = {"errors": [{"message": "Request body must be a JSON object."}]}


async def test_no_session_is_401_before_the_body_is_read(payments) -> None:
    response = await payments.client.post("/api/payments", content=b"{not json")
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Not authorized"}]}


@pytest.mark.parametrize("cookie", ["session=garbage", "session=a.b.c", "other=1"])
async def test_an_invalid_session_is_signed_out(payments, cookie: str) -> None:
    response = await payments.client.post(
        "/api/payments",
        json={"token": "tok_visa", "orderId": str(ObjectId())},
        headers={"cookie": cookie},
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", INVALID_JSON),
        (b"{", INVALID_JSON),
        (b"\xff\xfe", INVALID_JSON),
        (b'{"token": NaN}', INVALID_JSON),
        (b'{"token": 1e999}', INVALID_JSON),
        (b"[]", NOT_OBJECT),
        (b'"tok_visa"', NOT_OBJECT),
        (b"null", NOT_OBJECT),
    ],
)
async def test_malformed_body_is_refused(payments, content: bytes, expected: object) -> None:
    response = await payments.post(content=content)
    assert response.status_code == 400
    assert response.json() == expected


async def test_body_over_100_kib_is_too_large(payments) -> None:
    response = await payments.post(content=b'{"token": "' + b"a" * (100 * 1024) + b'"}')
    assert response.status_code == 413
    assert response.json() == {"errors": [{"message": "Request body is too large."}]}


@pytest.mark.parametrize("token", [None, "", "   ", 5, True, [], ["tok_visa"], {"$ne": None}])
async def test_token_must_be_a_non_blank_string(payments, token: object) -> None:
    response = await payments.post({"token": token, "orderId": str(ObjectId())})
    assert response.status_code == 400
    assert response.json() == {"errors": [TOKEN_REQUIRED]}


async def test_missing_token_fails_its_rule(payments) -> None:
    response = await payments.post({"orderId": str(ObjectId())})
    assert response.json() == {"errors": [TOKEN_REQUIRED]}


@pytest.mark.parametrize(("order_id", "expected"), [(None, ORDER_REQUIRED), ("", ORDER_REQUIRED)])
async def test_order_id_is_required(payments, order_id: object, expected: object) -> None:
    response = await payments.post({"token": "tok_visa", "orderId": order_id})
    assert response.status_code == 400
    assert response.json() == {"errors": [expected]}


async def test_missing_order_id_is_required(payments) -> None:
    response = await payments.post({"token": "tok_visa"})
    assert response.json() == {"errors": [ORDER_REQUIRED]}


@pytest.mark.parametrize(
    "order_id",
    [
        "abc",
        "0" * 23,
        "0" * 25,
        "g" * 24,
        " " + "a" * 24,
        12,
        123456789012345678901234,
        True,
        [],
        ["a" * 24],
        {"$ne": None},
        {"$gt": ""},
    ],
)
async def test_malformed_order_id_is_refused(payments, order_id: object) -> None:
    response = await payments.post({"token": "tok_visa", "orderId": order_id})
    assert response.status_code == 400
    assert response.json() == {"errors": [ORDER_INVALID]}


async def test_each_failing_field_is_reported_once_in_rule_order(payments) -> None:
    response = await payments.post({"orderId": 5, "token": " "})
    assert response.json() == {"errors": [TOKEN_REQUIRED, ORDER_INVALID]}


async def test_validation_comes_before_the_lookup(payments) -> None:
    # A well-formed id of no order is 404, but only once the body is valid.
    response = await payments.post({"token": "", "orderId": str(ObjectId())})
    assert response.status_code == 400


async def test_unknown_keys_are_ignored_and_ids_accepted_in_upper_case(payments) -> None:
    order_id = await payments.order()
    response = await payments.post(
        {"token": "tok_visa", "orderId": order_id.upper(), "amount": 1, "userId": "x"}
    )
    assert response.status_code == 201
    assert response.json()["orderId"] == order_id
    assert (await payments.payment(order_id))["amount"] == 1699


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/payments"), ("PUT", "/api/payments"), ("POST", "/api/payments/x")],
)
async def test_unknown_routes_and_methods_are_not_found(payments, method: str, path: str) -> None:
    response = await payments.client.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}


async def test_one_trailing_slash_is_accepted(payments) -> None:
    order_id = await payments.order()
    response = await payments.client.post(
        "/api/payments/", json={"token": "tok_visa", "orderId": order_id}, headers=payments.cookie
    )
    assert response.status_code == 201


async def test_snake_case_keys_are_unknown_keys(payments) -> None:
    order_id = await payments.order()
    response = await payments.post({"token": "tok_visa", "order_id": order_id})
    assert response.json() == {"errors": [ORDER_REQUIRED]}
