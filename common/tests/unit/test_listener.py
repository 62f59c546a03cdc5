"""The listener's answers, decided in the base class, with a fake message."""

import asyncio
import logging
from typing import Any, ClassVar

import pytest

from zombilet_common.bus import Ack, Answer, Delivery, Listener, Nak, NotYet, backoff
from zombilet_common.events import TicketCreatedEvent
from zombilet_common.logging import request_id_var
from zombilet_common.testing.messages import FakeMessage
from zombilet_common.testing.wait import wait_until

EVENT = TicketCreatedEvent(id="a" * 24, version=0, title="Show", price=10, user_id="b" * 24)


class Scripted(Listener[TicketCreatedEvent]):
    max_deliver: ClassVar[int] = 5

    def __init__(self, outcome: Any) -> None:
        super().__init__(service="orders")
        self.outcome = outcome
        self.deliveries: list[Delivery] = []
        self.request_ids: list[str | None] = []

    async def on_message(self, event: TicketCreatedEvent, delivery: Delivery) -> Answer:
        self.deliveries.append(delivery)
        self.request_ids.append(request_id_var.get())
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_durable_is_named_after_service_and_subject() -> None:
    listener = Scripted(Ack())
    config = listener.consumer_config()
    assert Scripted.payload is TicketCreatedEvent
    assert listener.durable_name() == "orders-ticket-created"
    assert config.durable_name == "orders-ticket-created"
    assert config.filter_subject == "ticket.created"
    assert config.ack_wait == 30.0
    assert config.max_deliver == 5


def test_backoff_doubles_from_a_quarter_second_up_to_thirty() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [0.25, 0.5, 1.0, 2.0]
    assert backoff(8) == 30.0
    assert backoff(30) == 30.0


async def test_handled_message_is_acked_with_its_delivery_facts() -> None:
    listener = Scripted(Ack())
    msg = FakeMessage.of(EVENT, msg_id="ticket.created:x:0")
    msg.headers = {**(msg.headers or {}), "X-Request-Id": "req-1"}

    await listener.handle(msg)

    assert msg.answers == ["ack"]
    assert listener.deliveries[0].msg_id == "ticket.created:x:0"
    assert listener.request_ids == ["req-1"]


async def test_nak_without_delay_uses_the_backoff_of_the_delivery_count() -> None:
    msg = FakeMessage.of(EVENT, num_delivered=3)
    await Scripted(Nak()).handle(msg)
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [1.0]


async def test_not_yet_naks_with_its_delay_and_says_why(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    msg = FakeMessage.of(EVENT)
    await Scripted(NotYet("replica behind", delay=2.5)).handle(msg)
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [2.5]
    (record,) = [r for r in caplog.records if r.getMessage() == "not yet"]
    assert record.reason == "replica behind"


async def test_not_yet_without_delay_uses_the_backoff() -> None:
    msg = FakeMessage.of(EVENT, num_delivered=2)
    await Scripted(NotYet("replica behind")).handle(msg)
    assert msg.nak_delays == [0.5]


async def test_handler_error_is_naked_with_backoff(caplog: pytest.LogCaptureFixture) -> None:
    msg = FakeMessage.of(EVENT, num_delivered=2)
    await Scripted(RuntimeError("boom")).handle(msg)
    assert msg.answers == ["nak"]
    assert msg.nak_delays == [0.5]
    assert any(r.getMessage() == "handler failed" for r in caplog.records)


async def test_failure_on_last_delivery_parks_the_message(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    msg = FakeMessage.of(EVENT, msg_id="ticket.created:p:0", num_delivered=5)
    await Scripted(RuntimeError("boom")).handle(msg)
    assert msg.answers == ["term"]
    parked = next(r for r in caplog.records if r.getMessage() == "message parked")
    assert parked.levelno == logging.ERROR
    assert parked.msg_id == "ticket.created:p:0"
    assert parked.consumer == "orders-ticket-created"
    assert '"title":"Show"' in parked.payload


async def test_not_yet_on_last_delivery_parks_too() -> None:
    msg = FakeMessage.of(EVENT, num_delivered=5)
    await Scripted(NotYet()).handle(msg)
    assert msg.answers == ["term"]


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"{}",
        b'{"id": "x"}',
        b"[1, 2]",
        b'{"id": 5, "version": "a"}',
        EVENT.to_bytes().replace(b'"version":0', b'"version":"0"'),
        EVENT.to_bytes().replace(b'"version":0', b'"version":false'),
    ],
)
async def test_undecodable_payload_is_parked_at_once(data: bytes) -> None:
    listener = Scripted(Ack())
    msg = FakeMessage(subject="ticket.created", data=data, num_delivered=1)
    await listener.handle(msg)
    assert msg.answers == ["term"]
    assert listener.deliveries == []


async def test_duplicate_is_acked() -> None:
    msg = FakeMessage.of(EVENT, num_delivered=4)
    await Scripted(Ack()).handle(msg)
    assert msg.answers == ["ack"]


class _Subscription:
    """Hands out scripted batches, then nothing, as an idle pull subscription does."""

    def __init__(self, *batches: list[FakeMessage]) -> None:
        self._batches = list(batches)

    async def fetch(self, batch: int, timeout: float) -> list[FakeMessage]:  # noqa: ASYNC109 - nats-py's signature
        if self._batches:
            return self._batches.pop(0)
        await asyncio.sleep(0)
        raise TimeoutError


class _Unanswerable(FakeMessage):
    async def ack(self) -> None:
        raise ConnectionError("connection lost while answering")


async def test_a_failed_answer_does_not_stop_the_worker() -> None:
    listener = Scripted(Ack())
    lost = _Unanswerable.of(EVENT)
    later = FakeMessage.of(EVENT)
    worker = asyncio.create_task(listener._pull(_Subscription([lost], [later])))  # type: ignore[arg-type]

    await wait_until(lambda: later.answers == ["ack"], within=2)
    listener._stopping.set()
    await worker

    assert len(listener.deliveries) == 2


class Slow(Listener[TicketCreatedEvent]):
    """A handler that runs for several ack waits: until JetStream heard it is still working."""

    ack_wait: ClassVar[float] = 0.03

    def __init__(self, msg: FakeMessage) -> None:
        super().__init__(service="orders")
        self.msg = msg

    async def on_message(self, event: TicketCreatedEvent, delivery: Delivery) -> Answer:
        await wait_until(lambda: self.msg.progress >= 3, within=5)
        return Ack()


async def test_a_long_handler_keeps_its_message_in_progress() -> None:
    msg = FakeMessage.of(EVENT)

    await Slow(msg).handle(msg)

    assert msg.answers == ["ack"]
