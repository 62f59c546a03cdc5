"""HTTP shapes of auth and the field rules of SPEC.md §4.2."""

import re
import unicodedata
from typing import Any

from pydantic import field_validator

from zombilet_auth.models import RESET_TOKEN_TYPE
from zombilet_common.body import Required, validate_body
from zombilet_common.errors import FieldError, ValidationFailed
from zombilet_common.events import WireModel

INVALID_EMAIL = "E-mail must be valid."
PASSWORD_LENGTH = "Password must be between 8 and 20 characters."

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TOP_LABEL = re.compile(r"[a-z]{2,}")


def normalise_email(value: Any) -> str:
    """The trimmed, lower-cased address, or ValueError with SPEC's message."""
    if not isinstance(value, str):
        raise ValueError(INVALID_EMAIL)
    email = value.strip().lower()
    local, at, domain = email.partition("@")
    labels = domain.split(".")
    if (
        len(email) > 254
        or not at
        or "@" in domain
        or not 1 <= len(local) <= 64
        or any(c.isspace() or unicodedata.category(c) == "Cc" for c in local)
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or not _TOP_LABEL.fullmatch(labels[-1])
    ):
        raise ValueError(INVALID_EMAIL)
    return email


def sized_password(value: Any) -> str:
    """A JSON string of 8–20 characters once trimmed."""
    if not isinstance(value, str) or not 8 <= len(value.strip()) <= 20:
        raise ValueError(PASSWORD_LENGTH)
    return value.strip()


def _required(value: Any, message: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(message)
    return value.strip()


class SignupBody(WireModel):
    email: str = Required()
    password: str = Required()

    _email = field_validator("email", mode="before")(normalise_email)
    _password = field_validator("password", mode="before")(sized_password)


class SigninBody(WireModel):
    email: str = Required()
    password: str = Required()

    _email = field_validator("email", mode="before")(normalise_email)

    @field_validator("password", mode="before")
    @classmethod
    def _password(cls, value: Any) -> str:
        return _required(value, "Password must be supplied.")


class ForgotPasswordBody(WireModel):
    email: str = Required()

    _email = field_validator("email", mode="before")(normalise_email)


class UserPublic(WireModel):
    id: str
    email: str


class CurrentUserPublic(WireModel):
    current_user: UserPublic | None


class ResetPasswordBody(WireModel):
    new_password: str = Required()
    repeated_new_password: str = Required()

    _new_password = field_validator("new_password", mode="before")(sized_password)

    @field_validator("repeated_new_password", mode="before")
    @classmethod
    def _repeated(cls, value: Any) -> str:
        # Only empty counts as absent here; blanks fail the match with newPassword instead.
        if not isinstance(value, str) or not value:
            raise ValueError("Repeated password must exist to confirm new password.")
        return value


def token_query_errors(token: str | None, type_: str | None) -> list[FieldError]:
    """The rules of `token` and `type` in the query (SPEC.md §4.2), in table order."""
    errors = []
    if not token:
        errors.append(FieldError("Token must be provided.", "token"))
    if not type_:
        errors.append(FieldError("Token type must be provided.", "type"))
    elif type_ != RESET_TOKEN_TYPE:
        errors.append(FieldError("Token type must be valid.", "type"))
    return errors


def validate_reset(token: str | None, type_: str | None, data: dict[str, Any]) -> ResetPasswordBody:
    """Query and body rules of reset-password together, one error per field, in table order."""
    errors = token_query_errors(token, type_)
    body: ResetPasswordBody | None = None
    try:
        body = validate_body(ResetPasswordBody, data)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    new, repeated = data.get("newPassword"), data.get("repeatedNewPassword")
    # Once the repeated password passed its own rule it is a non-empty string.
    repeated_ok = "repeatedNewPassword" not in {error.field for error in errors}
    if repeated_ok and (not isinstance(new, str) or new.strip() != str(repeated).strip()):
        errors.append(FieldError("Passwords must match.", "repeatedNewPassword"))
    if errors or body is None:
        raise ValidationFailed(errors)
    return body
