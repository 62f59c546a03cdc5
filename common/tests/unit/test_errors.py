"""The one error envelope: errors, validation, request bodies, unknown routes, request ids."""

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException

from zombilet_common.app import create_service_app
from zombilet_common.body import JsonBody, JsonObject, validate_body
from zombilet_common.error_handlers import install_error_handlers
from zombilet_common.errors import (
    BadRequestError,
    ConflictError,
    FieldError,
    NotAuthorizedError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    UpstreamUnavailableError,
    ValidationFailed,
    ZombiletError,
)
from zombilet_common.ids import is_object_id
from zombilet_common.logging import configure_logging
from zombilet_common.versioning import VersionConflict

INVALID_JSON = {"errors": [{"message": "Request body must be valid JSON."}]}
NOT_AN_OBJECT = {"errors": [{"message": "Request body must be a JSON object."}]}
NOT_FOUND = {"errors": [{"message": "Not Found"}]}
HEX32 = re.compile(r"[0-9a-f]{32}")


class CreateThingBody(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True)

    title: str = Field(default=None, validate_default=True)
    price: float = Field(default=None, validate_default=True)
    ticket_id: str = Field(default=None, validate_default=True)
    quantity: int = 1

    @field_validator("title", mode="before")
    @classmethod
    def title_is_text(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("Title is required.")
        return value.strip()

    @field_validator("price", mode="before")
    @classmethod
    def price_is_positive(cls, value: Any) -> Any:
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise ValueError("Price must be greater than 0")
        return value

    @field_validator("ticket_id", mode="before")
    @classmethod
    def ticket_id_is_an_id(cls, value: Any) -> Any:
        if not is_object_id(value):
            raise ValueError("TicketId must be provided")
        return value.lower()


class TicketAlreadyReserved(BadRequestError):
    message = "Ticket is already reserved"


class TitleTaken(BadRequestError):
    message = "Title in use"
    field = "title"


VALID_BODY = {"title": " Gig ", "price": 10.5, "ticketId": "A" * 24}


def build_app() -> FastAPI:
    app = create_service_app(title="test")
    router = APIRouter(prefix="/api/things")

    @router.post("")
    async def create_thing(
        body: Annotated[CreateThingBody, JsonBody(CreateThingBody)],
    ) -> dict[str, Any]:
        return body.model_dump(by_alias=True)

    @router.post("/raw")
    async def create_raw(data: JsonObject) -> dict[str, Any]:
        return {"keys": sorted(data)}

    @router.post("/native")
    async def create_native(body: CreateThingBody) -> dict[str, Any]:
        return body.model_dump(by_alias=True)

    @router.get("")
    async def list_things(limit: int = 10) -> dict[str, int]:
        return {"limit": limit}

    @router.get("/n/{number}")
    async def show_number(number: int) -> dict[str, int]:
        return {"number": number}

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail")

    @router.get("/overtaken")
    async def overtaken() -> None:
        raise VersionConflict("things", "a" * 24, expected=3)

    @router.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418, "I'm a teapot")

    @router.get("/raise/{kind}")
    async def raise_error(kind: str) -> None:
        raise ERRORS[kind][0]

    app.include_router(router)
    return app


ERRORS: dict[str, tuple[ZombiletError, int, list[dict[str, str]]]] = {
    "bad": (BadRequestError("Nope.", "title"), 400, [{"message": "Nope.", "field": "title"}]),
    "bad-no-field": (BadRequestError("Nope."), 400, [{"message": "Nope."}]),
    "unauthorized": (NotAuthorizedError(), 401, [{"message": "Not authorized"}]),
    "expired": (NotAuthorizedError("Token has expired."), 401, [{"message": "Token has expired."}]),
    "payment": (
        PaymentRequiredError("Your card was declined."),
        402,
        [{"message": "Your card was declined."}],
    ),
    "not-found": (NotFoundError(), 404, [{"message": "Not Found"}]),
    "conflict": (ConflictError("Try again."), 409, [{"message": "Try again."}]),
    "too-large": (PayloadTooLargeError(), 413, [{"message": "Request body is too large."}]),
    "upstream": (UpstreamUnavailableError("Down."), 502, [{"message": "Down."}]),
    "subclass": (TicketAlreadyReserved(), 400, [{"message": "Ticket is already reserved"}]),
    "subclass-field": (TitleTaken(), 400, [{"message": "Title in use", "field": "title"}]),
    "several": (
        ValidationFailed([FieldError("A is bad.", "a"), FieldError("B is bad.", "b")]),
        400,
        [{"message": "A is bad.", "field": "a"}, {"message": "B is bad.", "field": "b"}],
    ),
}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def json_logs() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("test", "INFO")
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def assert_envelope(response: httpx.Response, status: int, body: dict[str, Any]) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == body


@pytest.mark.parametrize("kind", ERRORS)
async def test_each_error_renders_its_status_message_and_field(
    client: httpx.AsyncClient, kind: str
) -> None:
    _, status, items = ERRORS[kind]
    response = await client.get(f"/api/things/raise/{kind}")
    assert_envelope(response, status, {"errors": items})


def test_subclass_message_is_its_str_and_status_is_inherited() -> None:
    error = TicketAlreadyReserved()
    assert str(error) == "Ticket is already reserved"
    assert error.status_code == 400
    assert error.field is None


async def test_valid_body_reaches_the_route_whatever_the_content_type(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/things", content=json.dumps(VALID_BODY), headers={"content-type": "text/plain"}
    )
    assert response.status_code == 200
    assert response.json() == {"title": "Gig", "price": 10.5, "ticketId": "a" * 24, "quantity": 1}


async def test_validation_gives_one_item_per_field_in_model_order(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/things", json={"quantity": "many", "ticketId": {"$ne": None}, "title": "  "}
    )
    assert_envelope(
        response,
        400,
        {
            "errors": [
                {"message": "Title is required.", "field": "title"},
                {"message": "Price must be greater than 0", "field": "price"},
                {"message": "TicketId must be provided", "field": "ticketId"},
                {"message": "quantity is invalid.", "field": "quantity"},
            ]
        },
    )


async def test_null_fails_like_a_missing_key(client: httpx.AsyncClient) -> None:
    missing = await client.post("/api/things", json={"price": 1, "ticketId": "a" * 24})
    null = await client.post("/api/things", json={**VALID_BODY, "title": None})
    assert missing.json() == null.json()
    assert null.json() == {"errors": [{"message": "Title is required.", "field": "title"}]}


def test_validate_body_keeps_only_the_first_error_of_a_field() -> None:
    class TwoRules(BaseModel):
        code: str = Field(min_length=3, pattern="^[a-z]+$")

    with pytest.raises(ValidationFailed) as caught:
        validate_body(TwoRules, {"code": "A"})
    assert caught.value.errors == [FieldError("code is invalid.", "code")]


@pytest.mark.parametrize(
    ("path", "field"), [("/api/things?limit=x", "limit"), ("/api/things/n/x", "number")]
)
async def test_query_and_path_validation_is_400_naming_the_parameter(
    client: httpx.AsyncClient, path: str, field: str
) -> None:
    response = await client.get(path)
    assert_envelope(
        response, 400, {"errors": [{"message": f"{field} is invalid.", "field": field}]}
    )


async def test_fastapi_parsed_body_fails_in_the_envelope_too(client: httpx.AsyncClient) -> None:
    malformed = await client.post(
        "/api/things/native", content=b"{bad", headers={"content-type": "application/json"}
    )
    invalid = await client.post("/api/things/native", json={**VALID_BODY, "price": -1})
    assert_envelope(malformed, 400, INVALID_JSON)
    assert_envelope(
        invalid, 400, {"errors": [{"message": "Price must be greater than 0", "field": "price"}]}
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"{bad",
        b'{"title": "x",}',
        b'{"price": NaN}',
        b'{"price": Infinity}',
        b'{"price": -Infinity}',
        b'{"price": 1e999}',
        b'{"price": -1e999}',
        b'{"price": 1' + b"0" * 400 + b"}",
        b'{"title": "caf\xe9"}',
        '{"title": "x"}'.encode("utf-16"),
        b'{"title": "\\ud800"}',
        b"[" * 100_000,
    ],
)
async def test_malformed_json_is_400_without_field(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post("/api/things", content=raw)
    assert_envelope(response, 400, INVALID_JSON)


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"1", b"null", b"true", b'[{"title": "x"}]'])
async def test_json_that_is_not_an_object_is_400(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post("/api/things", content=raw)
    assert_envelope(response, 400, NOT_AN_OBJECT)


async def test_json_object_dependency_parses_without_validating(
    client: httpx.AsyncClient,
) -> None:
    parsed = await client.post("/api/things/raw", content=b'{"b": 1, "a": null}')
    malformed = await client.post("/api/things/raw", content=b"[1]")
    assert parsed.json() == {"keys": ["a", "b"]}
    assert_envelope(malformed, 400, NOT_AN_OBJECT)


async def test_body_over_100_kib_is_413(client: httpx.AsyncClient) -> None:
    padding = "x" * (100 * 1024)
    response = await client.post("/api/things", json={**VALID_BODY, "padding": padding})
    assert_envelope(response, 413, {"errors": [{"message": "Request body is too large."}]})


async def test_body_of_exactly_100_kib_is_read(client: httpx.AsyncClient) -> None:
    raw = json.dumps(VALID_BODY).encode()
    raw = raw[:-1] + b', "p": "' + b"x" * (100 * 1024 - len(raw) - 9) + b'"}'
    assert len(raw) == 100 * 1024
    response = await client.post("/api/things", content=raw)
    assert response.status_code == 200


async def test_chunked_body_over_100_kib_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(11):
            yield b" " * 10_000

    response = await client.post("/api/things", content=chunks())
    assert "content-length" not in response.request.headers
    assert_envelope(response, 413, {"errors": [{"message": "Request body is too large."}]})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nowhere"),
        ("GET", "/api/things/n/1/extra"),
        ("DELETE", "/api/things"),
        ("PUT", "/api/things/boom"),
    ],
)
async def test_unknown_route_and_wrong_method_are_404(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert_envelope(response, 404, NOT_FOUND)
    assert "allow" not in response.headers


async def test_other_http_exceptions_keep_their_status_and_detail(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/things/teapot")
    assert_envelope(response, 418, {"errors": [{"message": "I'm a teapot"}]})


async def test_unexpected_error_is_a_logged_500_without_details(
    client: httpx.AsyncClient, json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await client.get("/api/things/boom")

    assert_envelope(response, 500, {"errors": [{"message": "Something went wrong"}]})
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    [logged] = [line for line in lines if line["level"] == "ERROR"]
    assert logged["request_id"] == response.headers["x-request-id"]
    assert "RuntimeError: secret detail" in logged["trace"]
    assert logged["path"] == "/api/things/boom"


async def test_install_error_handlers_alone_answers_500_in_the_envelope() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("nope")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert_envelope(response, 500, {"errors": [{"message": "Something went wrong"}]})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/things"),
        ("GET", "/nowhere"),
        ("GET", "/api/things/boom"),
        ("POST", "/api/things"),
        ("GET", "/healthz"),
    ],
)
async def test_every_response_carries_a_new_request_id(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert HEX32.fullmatch(response.headers["x-request-id"])


@pytest.mark.parametrize("incoming", ["abc", "x" * 128, "req 1/2:~!", "7"])
async def test_valid_incoming_request_id_is_echoed(
    client: httpx.AsyncClient, incoming: str
) -> None:
    response = await client.get("/api/things/boom", headers={"x-request-id": incoming})
    assert response.headers.get_list("x-request-id") == [incoming]


@pytest.mark.parametrize("incoming", [b"x" * 129, b"caf\xe9", b"a\x7fb", b"tab\there"])
async def test_invalid_incoming_request_id_is_replaced(
    client: httpx.AsyncClient, incoming: bytes
) -> None:
    response = await client.get("/api/things", headers={b"x-request-id": incoming})
    assert HEX32.fullmatch(response.headers["x-request-id"])


async def test_a_missing_camel_case_key_is_named_as_sent(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/things", json={"title": "t", "price": 1})
    assert response.json()["errors"][0]["field"] == "ticketId"


async def test_a_python_name_in_a_body_is_an_unknown_key(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/things", json={"title": "t", "price": 1, "ticket_id": "x"})
    assert response.json()["errors"][0]["field"] == "ticketId"


async def test_a_write_that_kept_losing_races_answers_409(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/things/overtaken")

    assert response.status_code == 409
    assert response.json() == {
        "errors": [{"message": "It was changed by another request. Please try again."}]
    }
