"""The event bus against a real nats-server with JetStream."""

import logging
import uuid
from collections import Counter
from typing import Any

import pytest
from bson import ObjectId

from zombilet_common.bus import Ack, Delivery, Nak, Publisher, ensure_streams, stream_config
from zombilet_common.events import TicketCreatedEvent, TicketUpdatedEvent
from zombilet_common.mongo import mongo_client
from zombilet_common.outbox import OutboxRelay, outbox_fields, pending
from zombilet_common.testing.servers import Servers
from zombilet_common.testing.wait import wait_until
from zombilet_common.versioning import Verdict, apply_replica, insert_replica

pytestmark = pytest.mark.integration


def oid() -> str:
    return str(ObjectId())


def ticket(ticket_id: str | None = None, *, version: int = 0, title: str = "Show") -> Any:
    return TicketCreatedEvent(
        id=ticket_id or oid(), version=version, title=title, price=10, user_id=oid()
    )


async def publish(publisher: Publisher, event: Any, msg_id: str | None = None) -> None:
    await publisher.publish(event, msg_id=msg_id or f"{event.subject}:{event.id}:{event.version}")


class Recorder:
    """A handler that keeps the ids it saw, ignoring other tests' history on shared subjects."""

    def __init__(self, mine: set[str] | None = None) -> None:
        self.mine = mine if mine is not None else set()
        self.seen: list[str] = []

    def expect(self, event: Any) -> Any:
        self.mine.add(event.id)
        return event

    async def __call__(self, event: Any, delivery: Delivery) -> Ack:
        if event.id in self.mine:
            self.seen.append(event.id)
        return Ack()


async def test_event_reaches_another_services_listener_once(listeners, publisher) -> None:
    recorder = Recorder()
    await listeners.start(listeners.define(recorder))
    first, barrier = recorder.expect(ticket()), recorder.expect(ticket())

    await publish(publisher, first)
    await publish(publisher, barrier)

    await wait_until(lambda: barrier.id in recorder.seen, within=5)
    assert Counter(recorder.seen) == {first.id: 1, barrier.id: 1}


async def test_second_publish_with_same_message_id_is_dropped(listeners, publisher, js) -> None:
    recorder = Recorder()
    await listeners.start(listeners.define(recorder))
    event, barrier = recorder.expect(ticket()), recorder.expect(ticket())

    await publish(publisher, event, msg_id="dup-" + event.id)
    ack = await js.publish(
        event.subject, event.to_bytes(), headers={"Nats-Msg-Id": "dup-" + event.id}
    )
    await publish(publisher, barrier)

    assert ack.duplicate is True
    await wait_until(lambda: barrier.id in recorder.seen, within=5)
    assert recorder.seen.count(event.id) == 1


async def test_failing_handler_is_redelivered_then_parked_and_never_again(
    listeners, publisher, js, caplog
) -> None:
    poison, barrier = ticket(), ticket()
    attempts: Counter[str] = Counter()

    async def handler(event: Any, delivery: Delivery) -> Ack:
        if event.id == poison.id:
            attempts[event.id] += 1
            raise RuntimeError("the handler keeps failing")
        if event.id == barrier.id:
            attempts[event.id] += 1
        return Ack()

    caplog.set_level(logging.ERROR, logger="zombilet_common.bus.listener")
    listener = await listeners.start(listeners.define(handler, max_deliver=3))
    await publish(publisher, poison)

    def parked() -> bool:
        return any(r.getMessage() == "message parked" for r in caplog.records)

    await wait_until(parked, within=10)
    record = next(r for r in caplog.records if r.getMessage() == "message parked")
    assert record.msg_id == f"ticket.created:{poison.id}:0"
    assert record.consumer == listener.durable_name()
    assert poison.id in record.payload
    # A later message flows past the parked one, which is not delivered again.
    await publish(publisher, barrier)
    await wait_until(lambda: attempts[barrier.id] == 1, within=5)
    info = await js.consumer_info(listener.payload.subject.stream, listener.durable_name())
    assert attempts[poison.id] == 3
    assert info.num_ack_pending == 0


async def test_versions_arriving_out_of_order_are_applied_in_order(
    listeners, publisher, servers: Servers
) -> None:
    client = mongo_client(servers.mongo_uri(f"bus{uuid.uuid4().hex[:8]}"))
    replicas = client.get_default_database()["replicas"]
    ticket_id = oid()
    applied: list[int] = []

    async def handler(event: Any, delivery: Delivery) -> Ack | Nak:
        if event.id != ticket_id:
            return Ack()
        if event.version == 0:
            verdict = await insert_replica(
                replicas, {"_id": ObjectId(event.id), "title": event.title}, version=0
            )
        else:
            verdict = await apply_replica(
                replicas, ObjectId(event.id), version=event.version, fields={"title": event.title}
            )
        if verdict is Verdict.AHEAD:
            return Nak()
        if verdict is Verdict.APPLIED:
            applied.append(event.version)
        return Ack()

    service = f"svc{uuid.uuid4().hex[:10]}"
    await listeners.start(listeners.define(handler, service=service))
    await listeners.start(listeners.define(handler, service=service, payload=TicketUpdatedEvent))
    seller = oid()

    def updated(version: int) -> TicketUpdatedEvent:
        return TicketUpdatedEvent(
            id=ticket_id,
            version=version,
            title=f"v{version}",
            price=5,
            user_id=seller,
            order_id=None,
        )

    await publish(publisher, ticket(ticket_id))
    await publish(publisher, updated(2))
    await publish(publisher, updated(1))

    async def at_version_2() -> bool:
        doc = await replicas.find_one({"_id": ObjectId(ticket_id)})
        return doc is not None and doc["version"] == 2

    await wait_until(at_version_2, within=10)
    doc = await replicas.find_one({"_id": ObjectId(ticket_id)})
    assert applied == [0, 1, 2]
    assert doc is not None
    assert doc["title"] == "v2"
    await client.close()


async def test_relay_after_a_crash_publishes_the_pending_event_exactly_once(
    listeners, publisher, servers: Servers
) -> None:
    client = mongo_client(servers.mongo_uri(f"bus{uuid.uuid4().hex[:8]}"))
    tickets = client.get_default_database()["tickets"]
    recorder = Recorder()
    event, barrier = recorder.expect(ticket()), recorder.expect(ticket())
    # The state and its event were written, then the process died before publishing.
    entry = pending(event, msg_id=f"ticket.created:{event.id}:0")
    await tickets.insert_one({"_id": ObjectId(event.id), "version": 0, **outbox_fields(entry)})
    await listeners.start(listeners.define(recorder))

    first, second = OutboxRelay(publisher, [tickets]), OutboxRelay(publisher, [tickets])
    await first.start()
    await second.start()
    await first.stop()
    await second.stop()
    await publish(publisher, barrier)

    await wait_until(lambda: barrier.id in recorder.seen, within=5)
    doc = await tickets.find_one({"_id": ObjectId(event.id)})
    assert recorder.seen.count(event.id) == 1
    assert doc is not None
    assert doc["outbox_pending"] == 0
    assert doc["outbox"] == {}
    await client.close()


async def test_two_replicas_share_one_durable_and_split_the_messages(listeners, publisher) -> None:
    handled: dict[str, list[str]] = {"a": [], "b": []}
    events = [ticket() for _ in range(40)]
    mine = {e.id for e in events}

    def replica(name: str) -> Any:
        async def handler(event: Any, delivery: Delivery) -> Ack:
            if event.id in mine:
                handled[name].append(event.id)
            return Ack()

        return handler

    service = f"svc{uuid.uuid4().hex[:10]}"
    first = await listeners.start(listeners.define(replica("a"), service=service))
    second = await listeners.start(listeners.define(replica("b"), service=service))
    for event in events:
        await publish(publisher, event)

    await wait_until(lambda: len(handled["a"]) + len(handled["b"]) >= len(events), within=10)
    assert first.durable_name() == second.durable_name()
    assert sorted(handled["a"] + handled["b"]) == sorted(mine)
    assert not set(handled["a"]) & set(handled["b"])


async def test_listener_restarted_mid_stream_resumes_where_it_left_off(
    listeners, publisher
) -> None:
    recorder = Recorder()
    cls = listeners.define(recorder)
    before = [recorder.expect(ticket()) for _ in range(5)]
    after = [recorder.expect(ticket()) for _ in range(5)]

    listener = await listeners.start(cls)
    for event in before:
        await publish(publisher, event)
    await wait_until(lambda: len(recorder.seen) == 5, within=5)
    await listener.stop()
    for event in after:
        await publish(publisher, event)
    await listeners.start(cls)

    await wait_until(lambda: len(recorder.seen) == 10, within=5)
    assert Counter(recorder.seen) == Counter(e.id for e in before + after)
    assert set(recorder.seen[5:]) == {e.id for e in after}


async def test_streams_are_created_once_and_a_drifted_config_is_updated(js) -> None:
    drifted = stream_config("payment")
    drifted.duplicate_window = 30.0
    await js.update_stream(drifted)

    await ensure_streams(js)
    await ensure_streams(js)

    info = await js.stream_info("PAYMENTS")
    assert info.config.duplicate_window == 120.0
    longer = stream_config("payment")
    longer.duplicate_window = 300.0
    await js.update_stream(longer)
    await ensure_streams(js)
    assert (await js.stream_info("PAYMENTS")).config.duplicate_window == 300.0
    await js.update_stream(stream_config("payment"))
    assert info.config.subjects == ["payment.>"]
    assert info.config.storage == "file"
