"""The listeners over a scheduler double: what each order event asks of the scheduler, and the
answer JetStream gets (SPEC.md §8.3, §9)."""

from dataclasses import dataclass, field
from datetime import datetime

import pytest

from zombilet_common.events import OrderCreatedEvent
from zombilet_common.testing.messages import FakeMessage, RecordingPublisher
from zombilet_expiration.main import SERVICE
from zombilet_expiration.service import ExpirationService


@dataclass
class SchedulerDouble:
    scheduled: dict[str, datetime] = field(default_factory=dict)
    aborted: list[str] = field(default_factory=list)
    down: bool = False

    async def schedule(self, order_id: str, due: datetime) -> bool:
        if self.down:
            raise ConnectionError("redis is down")
        if order_id in self.scheduled:
            return False
        self.scheduled[order_id] = due
        return True

    async def abort(self, order_id: str) -> bool:
        self.aborted.append(order_id)
        return order_id in self.scheduled


@pytest.fixture
def scheduler() -> SchedulerDouble:
    return SchedulerDouble()


@pytest.fixture
def handlers(scheduler):
    service = ExpirationService(scheduler, RecordingPublisher())  # type: ignore[arg-type]
    return dict(
        zip(("created", "cancelled", "completed"), SERVICE.build_listeners(service), strict=True)
    )


async def test_order_created_schedules_its_expiry_and_acks(handlers, scheduler, orders) -> None:
    event = orders.created(due_in=30)
    msg = FakeMessage.of(event)

    await handlers["created"].handle(msg)

    assert msg.answers == ["ack"]
    # Due at `expiresAt` as it travels on the wire (milliseconds).
    on_the_wire = OrderCreatedEvent.model_validate_json(event.to_bytes()).expires_at
    assert scheduler.scheduled == {event.id: on_the_wire}


async def test_a_redelivered_order_created_is_acked_without_a_second_job(
    handlers, scheduler, orders
) -> None:
    event = orders.created()
    first, again = FakeMessage.of(event), FakeMessage.of(event, num_delivered=2)
    await handlers["created"].handle(first)
    await handlers["created"].handle(again)
    assert (first.answers, again.answers) == (["ack"], ["ack"])
    assert list(scheduler.scheduled) == [event.id]


async def test_order_created_is_nakked_with_backoff_while_redis_is_down(
    handlers, scheduler, orders
) -> None:
    scheduler.down = True
    msg = FakeMessage.of(orders.created(), num_delivered=2)
    await handlers["created"].handle(msg)
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [0.5]


@pytest.mark.parametrize("kind", ["cancelled", "completed"])
async def test_an_order_that_is_over_has_its_expiry_aborted(
    handlers, scheduler, orders, kind: str
) -> None:
    created = orders.created()
    await handlers["created"].handle(FakeMessage.of(created))
    event = orders.cancelled(created.id) if kind == "cancelled" else orders.completed(created.id)
    msg = FakeMessage.of(event)

    await handlers[kind].handle(msg)

    assert msg.answers == ["ack"]
    assert scheduler.aborted == [created.id]


async def test_ending_an_order_with_no_job_is_acked(handlers, scheduler, orders) -> None:
    msg = FakeMessage.of(orders.cancelled("a" * 24))
    await handlers["cancelled"].handle(msg)
    assert msg.answers == ["ack"]


def test_listeners_are_durables_named_after_the_service(handlers) -> None:
    names = sorted(listener.durable_name() for listener in handlers.values())
    assert names == [
        "expiration-order-cancelled",
        "expiration-order-completed",
        "expiration-order-created",
    ]


async def test_an_order_created_without_a_time_zone_is_parked_at_once(
    handlers, scheduler, orders
) -> None:
    event = orders.created()
    zoned = event.to_bytes()
    # "...T12:00:05.123Z" becomes "...T12:00:05.123": a time the scheduler could not compare.
    naive = zoned.replace(b'Z"', b'"', 1)
    assert naive != zoned
    msg = FakeMessage(subject=event.subject.value, data=naive, num_delivered=1)

    await handlers["created"].handle(msg)

    assert msg.answers == ["term"]
    assert scheduler.scheduled == {}
