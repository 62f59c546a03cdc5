"""The expiration app with its real lifespan on NATS and Redis: each order's job fires once,
at its time, and not for an order that is over (SPEC.md §9)."""

import asyncio

import pytest

from zombilet_common.events import OrderCreatedEvent
from zombilet_common.testing.wait import wait_until
from zombilet_expiration.models import JobState

pytestmark = pytest.mark.integration


async def _state(scheduler, order_id: str) -> JobState:
    return (await scheduler.describe(order_id)).state


async def test_a_due_job_publishes_expiration_completed_no_earlier_than_expires_at(
    start_expiration, bus, orders
) -> None:
    live = await start_expiration()
    created = orders.created(due_in=1.0)

    await bus.publish(created)

    await wait_until(lambda: bus.expirations_of(created.id), within=10)
    (seen,) = bus.expirations_of(created.id)
    assert seen.data == {"orderId": created.id}
    assert seen.msg_id == f"expiration.completed:{created.id}"
    # Never before `expiresAt` as orders published it (milliseconds on the wire).
    assert seen.received_at >= OrderCreatedEvent.from_bytes(created.to_bytes()).expires_at
    await wait_until(lambda: _is(live.scheduler, created.id, JobState.DONE), within=5)


async def test_an_order_already_past_its_expiry_expires_at_once(
    start_expiration, bus, orders
) -> None:
    await start_expiration()
    created = orders.created(due_in=-30)
    await bus.publish(created)
    await wait_until(lambda: bus.expirations_of(created.id), within=5)


async def test_a_duplicated_order_created_makes_one_job(start_expiration, bus, orders) -> None:
    live = await start_expiration()
    created = orders.created(due_in=1.5)

    # Two copies in the stream (distinct message ids, so JetStream keeps both).
    await bus.publish(created, msg_id="copy-1")
    last = await bus.publish(created, msg_id="copy-2")
    await wait_until(lambda: bus.acked_up_to("expiration-order-created", last), within=5)
    assert await _state(live.scheduler, created.id) is JobState.SCHEDULED

    await wait_until(lambda: _is(live.scheduler, created.id, JobState.DONE), within=10)
    # Done means published and acked; a second job would have published too.
    assert len(bus.expirations_of(created.id)) == 1


@pytest.mark.parametrize("ending", ["cancelled", "completed"])
async def test_an_order_that_ends_has_its_job_aborted(
    start_expiration, bus, orders, ending: str
) -> None:
    live = await start_expiration()
    created = orders.created(due_in=30)
    await bus.publish(created)
    await wait_until(lambda: _is(live.scheduler, created.id, JobState.SCHEDULED), within=5)

    over = orders.cancelled(created.id) if ending == "cancelled" else orders.completed(created.id)
    await bus.publish(over)

    await wait_until(lambda: _is(live.scheduler, created.id, JobState.ABORTED), within=5)
    assert bus.expirations_of(created.id) == []
    # The id stays taken: a late copy of order.created schedules nothing.
    last = await bus.publish(created, msg_id="late-copy")
    await wait_until(lambda: bus.acked_up_to("expiration-order-created", last), within=5)
    assert await _state(live.scheduler, created.id) is JobState.ABORTED


async def test_readyz_follows_redis(start_expiration, own_redis, bus, orders) -> None:
    live = await start_expiration(redis_url=own_redis.url)
    async with live.client() as client:
        assert (await client.get("/readyz")).json() == {"status": "ready"}

        await asyncio.to_thread(own_redis.stop)
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json() == {"errors": [{"message": "redis is not reachable."}]}

        await asyncio.to_thread(own_redis.start)

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await wait_until(ready, within=10)

    # The worker came back with Redis: a new order still expires.
    created = orders.created(due_in=0.5)
    await bus.publish(created)
    await wait_until(lambda: bus.expirations_of(created.id), within=15)


async def _is(scheduler, order_id: str, state: JobState) -> bool:
    return await _state(scheduler, order_id) is state
