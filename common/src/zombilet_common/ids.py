"""Ids as SPEC 2.1 has them: 24 hex characters in either case, lower-case once accepted."""

import re
from typing import TypeGuard

from zombilet_common.errors import BadRequestError

OBJECT_ID_RE = re.compile(r"[0-9a-fA-F]{24}")
"""Matches a whole id (use `fullmatch`)."""


def is_object_id(value: object) -> TypeGuard[str]:
    """True for a string of 24 hex characters; any other JSON value is malformed."""
    return isinstance(value, str) and OBJECT_ID_RE.fullmatch(value) is not None


def parse_object_id(value: object, field: str, message: str) -> str:
    """The lower-case id, or 400 `message` naming `field`."""
    if not is_object_id(value):
        raise BadRequestError(message, field)
    return value.lower()
