"""Waiting out the moment between one service storing something and another hearing of it."""

import asyncio
import time
from collections.abc import Awaitable, Callable

from zombilet_client.api import ApiAnswer

PATIENCE_SECONDS = 5.0
INTERVAL_SECONDS = 0.2


async def until_found(
    call: Callable[[], Awaitable[ApiAnswer]], within: float = PATIENCE_SECONDS
) -> ApiAnswer:
    """`call`'s answer, repeated while it is 404 for at most `within` seconds.

    Orders answers 404 for a ticket it has not heard of yet, payments for an order; both are
    told within moments, so a visitor who clicks quickly is not shown "Not Found".
    """
    deadline = time.monotonic() + within
    answer = await call()
    while answer.status == 404 and time.monotonic() < deadline:
        await asyncio.sleep(INTERVAL_SECONDS)
        answer = await call()
    return answer
