"""retry_on_conflict: a lost conditional write is tried again, a bounded number of times."""

from collections.abc import Awaitable, Callable

import pytest

from zombilet_common.bus import NotYet
from zombilet_common.errors import ConflictError
from zombilet_common.versioning import VersionConflict, retry_on_conflict


def losing(times: int, answer: str = "won") -> tuple[list[int], Callable[[], Awaitable[str]]]:
    calls: list[int] = []

    async def attempt() -> str:
        calls.append(len(calls) + 1)
        if len(calls) <= times:
            raise VersionConflict("things", "x", expected=len(calls) - 1)
        return answer

    return calls, attempt


async def test_an_attempt_that_loses_then_wins_returns_what_it_won() -> None:
    calls, attempt = losing(4)
    assert await retry_on_conflict(attempt, tries=5) == "won"
    assert calls == [1, 2, 3, 4, 5]


async def test_without_an_answer_the_last_conflict_is_raised() -> None:
    calls, attempt = losing(5)
    with pytest.raises(VersionConflict) as raised:
        await retry_on_conflict(attempt, tries=5)
    assert raised.value.expected == 4
    assert len(calls) == 5


async def test_an_exception_answer_is_raised_once_the_tries_are_spent() -> None:
    _, attempt = losing(3)
    with pytest.raises(ConflictError):
        await retry_on_conflict(attempt, tries=3, exhausted=ConflictError())


async def test_a_value_answer_is_returned_once_the_tries_are_spent() -> None:
    _, attempt = losing(2)
    kept_changing = NotYet("kept changing")
    answer = await retry_on_conflict(attempt, tries=2, exhausted=kept_changing)
    assert answer is kept_changing


async def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    async def attempt() -> None:
        calls.append(1)
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        await retry_on_conflict(attempt, tries=5)
    assert calls == [1]
