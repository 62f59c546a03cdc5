"""Reading posted forms and turning typed text into what the APIs expect."""

import re
from urllib.parse import parse_qsl

from fastapi import Request

MAX_FORM_BYTES = 100 * 1024
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


async def form_fields(request: Request) -> dict[str, str]:
    """The posted `application/x-www-form-urlencoded` fields; the first of repeated names.

    An oversized or undecodable body reads as an empty form, which every API then refuses
    with its own messages.
    """
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


def price_value(text: str) -> float | str:
    """A JSON number when `text` is a decimal number, else the text, so the API's message shows."""
    stripped = text.strip()
    return float(stripped) if _DECIMAL.fullmatch(stripped) else stripped
