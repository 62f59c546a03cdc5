"""The error family: each error knows its HTTP status, message and, for validation, its field."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_VALUE_ERROR_PREFIX = "Value error, "


@dataclass(frozen=True, slots=True)
class FieldError:
    """One item of the `{"errors": [...]}` envelope."""

    message: str
    field: str | None = None

    def wire(self) -> dict[str, str]:
        """The item as JSON: `field` only when set."""
        if self.field is None:
            return {"message": self.message}
        return {"message": self.message, "field": self.field}


class ZombiletError(Exception):
    """Base of every error a service answers on purpose.

    Subclasses set `status_code` and may set `message` and `field` as class attributes, so
    `class TicketAlreadyReserved(BadRequestError): message = "Ticket is already reserved"` is
    raised with no arguments.
    """

    status_code: int = 500
    message: str = "Something went wrong"
    field: str | None = None

    def __init__(self, message: str | None = None, field: str | None = None) -> None:
        if message is not None:
            self.message = message
        if field is not None:
            self.field = field
        super().__init__(self.message)

    @property
    def errors(self) -> list[FieldError]:
        """The items this error renders."""
        return [FieldError(self.message, self.field)]


class BadRequestError(ZombiletError):
    """400: validation, malformed body or a business rule."""

    status_code = 400
    message = "Bad Request"


class NotAuthorizedError(ZombiletError):
    """401: no valid session, or another user's resource."""

    status_code = 401
    message = "Not authorized"


class PaymentRequiredError(ZombiletError):
    """402: the payment provider refused the card or token."""

    status_code = 402
    message = "Payment Required"


class NotFoundError(ZombiletError):
    """404: unknown id, path or method."""

    status_code = 404
    message = "Not Found"


class ConflictError(ZombiletError):
    """409: a write still conflicting after its retries."""

    status_code = 409
    message = "Conflict"


class PayloadTooLargeError(ZombiletError):
    """413: a request body over the limit."""

    status_code = 413
    message = "Request body is too large."


class UpstreamUnavailableError(ZombiletError):
    """502: a provider (Stripe, SendGrid) could not be reached."""

    status_code = 502
    message = "Bad Gateway"


class ValidationFailed(BadRequestError):
    """400 carrying one item per failing field, in rule order."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        items = list(errors)
        if not items:
            raise ValueError("ValidationFailed needs at least one field error")
        self._errors = items
        super().__init__(items[0].message, items[0].field)

    @property
    def errors(self) -> list[FieldError]:
        return list(self._errors)

    @classmethod
    def from_pydantic(cls, errors: Iterable[Mapping[str, Any]]) -> "ValidationFailed":
        """Turn pydantic's error list into one item per field: its first broken rule."""
        items: list[FieldError] = []
        seen: set[str | None] = set()
        for error in errors:
            field = next((part for part in reversed(error["loc"]) if isinstance(part, str)), None)
            if field in seen:
                continue
            seen.add(field)
            items.append(FieldError(_message_of(error, field), field))
        return cls(items)


def _message_of(error: Mapping[str, Any], field: str | None) -> str:
    # A validator's ValueError carries the SPEC message; pydantic's own wording never reaches users.
    if error.get("type") == "value_error":
        cause = error.get("ctx", {}).get("error")
        if cause is not None:
            return str(cause)
        return str(error.get("msg", "")).removeprefix(_VALUE_ERROR_PREFIX)
    if field is None:
        return "Request is invalid."
    return f"{field} is invalid."
