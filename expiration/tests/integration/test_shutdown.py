"""SIGTERM semantics of the worker (SPEC.md §9), on the Scheduler with real Redis: stop taking
jobs, finish the one in hand, or put it back for the next worker when it overruns."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from zombilet_common.testing.wait import wait_until
from zombilet_expiration.models import JobState

pytestmark = pytest.mark.integration


async def _is(scheduler, order_id: str, state: JobState) -> bool:
    return (await scheduler.describe(order_id)).state is state


async def test_stop_finishes_the_job_in_hand_and_takes_no_other(scheduler_at) -> None:
    in_hand, waiting = str(ObjectId()), str(ObjectId())
    started, release = asyncio.Event(), asyncio.Event()
    published: list[str] = []

    async def slow_publish(order_id: str) -> None:
        started.set()
        await release.wait()
        published.append(order_id)

    scheduler = await scheduler_at()
    await scheduler.start(slow_publish)
    await scheduler.schedule(in_hand, datetime.now(UTC))
    await asyncio.wait_for(started.wait(), timeout=5)
    waiting_due = datetime.now(UTC) + timedelta(seconds=0.3)
    await scheduler.schedule(waiting, waiting_due)

    stopping = asyncio.create_task(scheduler.stop(grace=10))
    # Let the second job fall due while the worker is stopping.
    await wait_until(lambda: datetime.now(UTC) > waiting_due + timedelta(seconds=0.2), within=5)
    release.set()
    await stopping

    assert published == [in_hand]
    observer = await scheduler_at()
    assert await _is(observer, in_hand, JobState.DONE)
    untouched = await observer.describe(waiting)
    assert (untouched.state, untouched.tries) == (JobState.SCHEDULED, 0)


async def test_a_job_overrunning_the_grace_is_put_back_and_run_by_the_next_worker(
    scheduler_at,
) -> None:
    order_id = str(ObjectId())
    started = asyncio.Event()
    published: list[str] = []

    async def stuck(order: str) -> None:
        started.set()
        await asyncio.Event().wait()

    async def publish(order: str) -> None:
        published.append(order)

    first = await scheduler_at()
    await first.start(stuck)
    await first.schedule(order_id, datetime.now(UTC))
    await asyncio.wait_for(started.wait(), timeout=5)

    await first.stop(grace=0.1)

    second = await scheduler_at()
    put_back = await second.describe(order_id)
    assert (put_back.state, put_back.tries) == (JobState.SCHEDULED, 1)
    await second.start(publish)
    await wait_until(lambda: _is(second, order_id, JobState.DONE), within=5)
    assert published == [order_id]
