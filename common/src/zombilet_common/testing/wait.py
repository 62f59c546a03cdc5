"""Waiting for a condition with a deadline, in place of sleeping for a guessed time."""

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

DEFAULT_MESSAGE = "condition was not met in time"


async def wait_until(
    predicate: Callable[[], Awaitable[bool] | bool],
    within: float = 5.0,
    interval: float = 0.02,
    message: str = DEFAULT_MESSAGE,
) -> None:
    """Poll `predicate` (sync or async) until it is true; AssertionError after `within` s."""
    deadline = time.monotonic() + within
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(message)
        await asyncio.sleep(min(interval, remaining))


def wait_until_sync(
    predicate: Callable[[], bool],
    within: float = 5.0,
    interval: float = 0.02,
    message: str = DEFAULT_MESSAGE,
) -> None:
    """The blocking twin of `wait_until`, for sync fixtures and helpers."""
    deadline = time.monotonic() + within
    while not predicate():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(message)
        time.sleep(min(interval, remaining))
