"""Ids (SPEC 2.1): 24 hex characters, either case, lower-case once accepted."""

from typing import Any

import pytest

from zombilet_common.errors import BadRequestError
from zombilet_common.ids import is_object_id, parse_object_id

MALFORMED: list[Any] = [
    "a" * 23,
    "a" * 25,
    "g" * 24,
    "a" * 12,
    "",
    "a" * 23 + "\n",
    "a" * 24 + "\n",
    " " + "a" * 24,
    "\uff41" * 24,  # full-width "a"
    12345,
    0x123456789012345678901234,
    1.5,
    True,
    None,
    ["a" * 24],
    {"$ne": None},
    b"a" * 24,
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a" * 24, "a" * 24),
        ("ABCDEF" * 4, "abcdef" * 4),
        ("5f8D0d55b54764421B7156c9", "5f8d0d55b54764421b7156c9"),
    ],
)
def test_hex_ids_of_either_case_come_back_lower_case(raw: str, expected: str) -> None:
    assert is_object_id(raw)
    assert parse_object_id(raw, "ticketId", "TicketId must be provided") == expected


@pytest.mark.parametrize("raw", MALFORMED)
def test_anything_else_is_malformed(raw: Any) -> None:
    assert not is_object_id(raw)
    with pytest.raises(BadRequestError) as caught:
        parse_object_id(raw, "ticketId", "TicketId must be provided")
    assert caught.value.status_code == 400
    assert (caught.value.message, caught.value.field) == ("TicketId must be provided", "ticketId")
