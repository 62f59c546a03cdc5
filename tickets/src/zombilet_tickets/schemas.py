"""HTTP shapes of tickets and the field rules of SPEC.md §5."""

import re
from decimal import Decimal
from typing import Any

from pydantic import field_validator

from zombilet_common.body import Required, validate_body
from zombilet_common.errors import BadRequestError, FieldError, ValidationFailed
from zombilet_common.events import WireModel
from zombilet_common.ids import is_object_id, parse_object_id
from zombilet_tickets.models import Ticket

TITLE_REQUIRED = "Title is required."
TITLE_NOT_STRING = "Title must be a string."
TITLE_TOO_LONG = "Title must be at most 200 characters."
PRICE_INVALID = "Price must be decimal greater than 0."
PRICE_TOO_HIGH = "Price must be at most 999999.99."
PRICE_DECIMALS = "Price must have at most two decimal places."
NOTHING_TO_CHANGE = "Provide a title or a price to change."
TICKET_ID_INVALID = "ticketId must be valid."
LIMIT_INVALID = "limit must be an integer between 1 and 1000."
BEFORE_INVALID = "before must be a valid ticket id."

MAX_TITLE = 200
MAX_PRICE = 999999.99
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100

_DIGITS = re.compile(r"[0-9]+")


def title_rule(value: Any) -> str:
    """The trimmed title, or ValueError with the first rule it breaks."""
    if value is None:
        raise ValueError(TITLE_REQUIRED)
    if not isinstance(value, str):
        raise ValueError(TITLE_NOT_STRING)
    title = value.strip()
    if not title:
        raise ValueError(TITLE_REQUIRED)
    if len(title) > MAX_TITLE:
        raise ValueError(TITLE_TOO_LONG)
    return title


def decimals(value: float | int) -> int:
    """Decimal places of the shortest decimal form of `value` (Python's repr): 1e-3 has 3."""
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: the body parser refuses NaN and Infinity
    return max(0, -exponent)


def price_rule(value: Any) -> float:
    """A JSON number over 0, at most 999999.99, with at most two decimals."""
    # bool is an int in Python, but `true` is not a JSON number.
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(PRICE_INVALID)
    if value > MAX_PRICE:
        raise ValueError(PRICE_TOO_HIGH)
    if decimals(value) > 2:
        raise ValueError(PRICE_DECIMALS)
    return float(value)


class CreateTicketBody(WireModel):
    title: str = Required()
    price: float = Required()

    _title = field_validator("title", mode="before")(title_rule)
    _price = field_validator("price", mode="before")(price_rule)


class UpdateTicketBody(WireModel):
    """Either field may be absent (None); a field that is given, `null` included, is checked."""

    title: str | None = None
    price: float | None = None

    _title = field_validator("title", mode="before")(title_rule)
    _price = field_validator("price", mode="before")(price_rule)


class TicketPublic(WireModel):
    id: str
    title: str
    price: float
    user_id: str
    version: int
    order_id: str | None

    @classmethod
    def of(cls, ticket: Ticket) -> "TicketPublic":
        return cls(
            id=ticket.id,
            title=ticket.title,
            price=ticket.price,
            user_id=ticket.user_id,
            version=ticket.version,
            order_id=ticket.order_id,
        )


def ticket_id_rule(value: object) -> str:
    return parse_object_id(value, "ticketId", TICKET_ID_INVALID)


def validate_page(limit: str | None, before: str | None) -> tuple[int, str | None]:
    """`limit` (1–1000, default 100) and `before` (an id) of the list, one error per field."""
    errors = []
    size = DEFAULT_LIMIT
    if limit is not None:
        # Checked as text first: int() refuses strings past 4300 digits.
        if (
            _DIGITS.fullmatch(limit)
            and len(limit.lstrip("0")) <= 4
            and 1 <= int(limit) <= MAX_LIMIT
        ):
            size = int(limit)
        else:
            errors.append(FieldError(LIMIT_INVALID, "limit"))
    if before is not None and not is_object_id(before):
        errors.append(FieldError(BEFORE_INVALID, "before"))
    if errors:
        raise ValidationFailed(errors)
    return size, None if before is None else before.lower()


def validate_update(ticket_id: str, data: dict[str, Any]) -> tuple[str, UpdateTicketBody]:
    """Path and body of the update together, in rule order (SPEC.md §5.3 step 2)."""
    errors: list[FieldError] = []
    try:
        ticket_id = ticket_id_rule(ticket_id)
    except BadRequestError as exc:
        errors.extend(exc.errors)
    body: UpdateTicketBody | None = None
    if "title" not in data and "price" not in data:
        errors.append(FieldError(NOTHING_TO_CHANGE))
    else:
        given: dict[str, Any] = {key: data[key] for key in ("title", "price") if key in data}
        try:
            body = validate_body(UpdateTicketBody, given)
        except ValidationFailed as failed:
            errors.extend(failed.errors)
    if errors or body is None:
        raise ValidationFailed(errors)
    return ticket_id, body
