"""Request bodies (SPEC 2.2): UTF-8 JSON objects read whatever Content-Type says, then validated.

A route declares its session before its body, so authentication answers first (SPEC 2.4):

    async def create_ticket(
        user: CurrentUser, body: Annotated[CreateTicketBody, JsonBody(CreateTicketBody)]
    ) -> TicketPublic: ...
"""

import json
import math
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, Field, ValidationError

from zombilet_common.errors import BadRequestError, PayloadTooLargeError, ValidationFailed

M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 100 * 1024


class InvalidJsonError(BadRequestError):
    """400: the body is empty, not UTF-8, not JSON, or holds a non-finite number."""

    message = "Request body must be valid JSON."


class NotJsonObjectError(BadRequestError):
    """400: the body is JSON but not an object."""

    message = "Request body must be a JSON object."


async def read_json_object(request: Request, max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """Read the raw body as one JSON object; 413 past `max_bytes`, 400 when malformed."""
    return parse_json_object(await _read_limited(request, max_bytes))


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Parse `raw` as strict UTF-8 JSON holding an object."""
    try:
        data = json.loads(
            raw.decode("utf-8"),
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_finite_int,
        )
        # An escaped lone surrogate ("\ud800") parses, but could never be stored or sent.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):
        raise InvalidJsonError() from None
    if not isinstance(data, dict):
        raise NotJsonObjectError()
    return data


def validate_body(model: type[M], data: dict[str, Any]) -> M:
    """Validate `data` into `model`; failures become one `ValidationFailed` item per field."""
    try:
        # Clients speak camelCase only: `order_id` in a body is an unknown key, not `orderId`.
        return model.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(_as_sent(model, exc.errors())) from None


def _as_sent(model: type[BaseModel], errors: list[Any]) -> list[Any]:
    # A default validated for a missing key is reported under the Python name (`ticket_id`);
    # the client sent, or should have sent, the wire name (`ticketId`).
    wire = {name: field.alias or name for name, field in model.model_fields.items()}
    return [
        {**error, "loc": (wire.get(error["loc"][0], error["loc"][0]), *error["loc"][1:])}
        if error["loc"]
        else error
        for error in errors
    ]


def Required() -> Any:  # noqa: N802 - read as a field type's default, like Field()
    """The default of a body field whose rule also judges a missing key and `null`, so that
    each fails with the rule's own message."""
    return Field(default=None, validate_default=True)


def JsonBody(model: type[M], *, max_bytes: int = MAX_BODY_BYTES) -> Any:  # noqa: N802 - like Depends()
    """A dependency reading and validating the body into `model`: `Annotated[X, JsonBody(X)]`."""

    async def read_body(request: Request) -> M:
        return validate_body(model, await read_json_object(request, max_bytes))

    return Depends(read_body)


async def _json_object(request: Request) -> dict[str, Any]:
    return await read_json_object(request)


JsonObject = Annotated[dict[str, Any], Depends(_json_object)]
"""The parsed body before validation, for routes that must validate path and query first."""


async def _read_limited(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > max_bytes:
        raise PayloadTooLargeError()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        # Content-Length may be absent (chunked) or false, so the bytes themselves are counted.
        if len(body) > max_bytes:
            raise PayloadTooLargeError()
    return bytes(body)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} overflows a double")
    return value


def _finite_int(text: str) -> int:
    value = int(text)
    try:
        float(value)
    except OverflowError:
        raise ValueError(f"{text} overflows a double") from None
    return value
