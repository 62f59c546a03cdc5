"""Waits end as soon as their condition holds, and fail with their message at the deadline."""

import itertools

import pytest

from zombilet_common.testing.wait import wait_until, wait_until_sync


async def test_wait_until_returns_once_a_sync_predicate_holds() -> None:
    calls = itertools.count(1)

    await wait_until(lambda: next(calls) >= 3, within=1.0, interval=0.001)

    assert next(calls) == 4


async def test_wait_until_awaits_an_async_predicate() -> None:
    calls = itertools.count(1)

    async def third_time() -> bool:
        return next(calls) >= 3

    await wait_until(third_time, within=1.0, interval=0.001)

    assert next(calls) == 4


async def test_wait_until_raises_its_message_at_the_deadline() -> None:
    with pytest.raises(AssertionError, match=r"^order never completed$"):
        await wait_until(lambda: False, within=0.05, message="order never completed")


def test_wait_until_sync_returns_once_the_predicate_holds() -> None:
    calls = itertools.count(1)

    wait_until_sync(lambda: next(calls) >= 3, within=1.0, interval=0.001)

    assert next(calls) == 4


def test_wait_until_sync_raises_its_message_at_the_deadline() -> None:
    with pytest.raises(AssertionError, match=r"^job still queued$"):
        wait_until_sync(lambda: False, within=0.05, message="job still queued")
