"""The outbox relay on the in-process double with a recording publisher."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId
from mongomock_motor import AsyncMongoMockClient

from zombilet_common.events import TicketCreatedEvent, TicketUpdatedEvent
from zombilet_common.outbox import OutboxRelay, outbox_fields, pending, with_outbox
from zombilet_common.testing.messages import RecordingPublisher
from zombilet_common.testing.wait import wait_until


def created(doc_id: ObjectId) -> TicketCreatedEvent:
    return TicketCreatedEvent(id=str(doc_id), version=0, title="t", price=1, user_id="b" * 24)


def updated(doc_id: ObjectId, version: int) -> TicketUpdatedEvent:
    return TicketUpdatedEvent(
        id=str(doc_id), version=version, title="t", price=1, user_id="b" * 24, order_id=None
    )


async def test_start_publishes_what_a_crash_left_in_order_and_clears_it() -> None:
    tickets = AsyncMongoMockClient()["db"]["tickets"]
    doc_id = ObjectId()
    first, second = pending(created(doc_id), "c:0"), pending(updated(doc_id, 1), "u:1")
    await tickets.insert_one({"_id": doc_id, "version": 0, **outbox_fields(first)})
    await tickets.update_one({"_id": doc_id}, with_outbox({"$set": {"version": 1}}, second))
    publisher = RecordingPublisher()

    relay = OutboxRelay(publisher, [tickets])  # type: ignore[arg-type]
    await relay.start()
    await relay.stop()

    assert [msg_id for _, msg_id, _ in publisher.published] == ["c:0", "u:1"]
    assert publisher.published[0][2] == created(doc_id).to_bytes()
    doc = await tickets.find_one({"_id": doc_id})
    assert doc["outbox"] == {}
    assert doc["outbox_pending"] == 0
    assert doc["version"] == 1


async def test_dispatch_publishes_promptly_and_once() -> None:
    tickets = AsyncMongoMockClient()["db"]["tickets"]
    publisher = RecordingPublisher()
    relay = OutboxRelay(publisher, [tickets], sweep_interval=60)  # type: ignore[arg-type]
    await relay.start()
    doc_id = ObjectId()
    entry = pending(created(doc_id), "c:0")
    await tickets.insert_one({"_id": doc_id, "version": 0, **outbox_fields(entry)})

    relay.dispatch(tickets, doc_id, entry)  # type: ignore[arg-type]
    await wait_until(lambda: len(publisher.published) == 1, within=2)
    assert await relay.sweep() == 0
    await relay.stop()

    assert publisher.subjects() == ["ticket.created"]


def test_with_outbox_keeps_the_callers_update() -> None:
    doc_id = ObjectId()
    entry = pending(created(doc_id), "c:0")
    update = {"$set": {"title": "x"}, "$inc": {"n": 1}}
    merged = with_outbox(update, entry)
    assert merged["$set"]["title"] == "x"
    assert merged["$set"][f"outbox.{entry.key}"]["msg_id"] == "c:0"
    assert merged["$inc"] == {"n": 1, "outbox_pending": 1}
    assert update == {"$set": {"title": "x"}, "$inc": {"n": 1}}


@dataclass
class RefusingPublisher(RecordingPublisher):
    """Refuses the message ids in `refused` (`once` of them only the first time)."""

    refused: set[str] = field(default_factory=set)
    once: set[str] = field(default_factory=set)

    async def publish_raw(
        self, subject: str, data: bytes, *, msg_id: str, headers: dict[str, str] | None = None
    ) -> None:
        if msg_id in self.refused:
            if msg_id in self.once:
                self.refused.discard(msg_id)
            raise ConnectionError(f"no stream takes {msg_id}")
        await super().publish_raw(subject, data, msg_id=msg_id, headers=headers)


@dataclass
class BusyPublisher(RefusingPublisher):
    """Each publish of a `load:` event dispatches another, so the relay's queue never empties."""

    relay: OutboxRelay | None = None
    collection: Any = None
    busy: bool = True

    async def publish_raw(
        self, subject: str, data: bytes, *, msg_id: str, headers: dict[str, str] | None = None
    ) -> None:
        # A real publish waits on the network; this one lets the loop run as that would.
        await asyncio.sleep(0)
        await super().publish_raw(subject, data, msg_id=msg_id, headers=headers)
        if self.busy and msg_id.startswith("load:"):
            self.load()

    def load(self) -> None:
        assert self.relay is not None
        doc_id = ObjectId()
        self.relay.dispatch(self.collection, doc_id, pending(created(doc_id), f"load:{doc_id}"))


async def test_a_failed_publish_is_swept_while_the_queue_stays_busy() -> None:
    tickets = AsyncMongoMockClient()["db"]["tickets"]
    publisher = BusyPublisher(refused={"c:0"}, once={"c:0"}, collection=tickets)
    relay = OutboxRelay(publisher, [tickets], sweep_interval=0.05)  # type: ignore[arg-type]
    publisher.relay = relay
    await relay.start()
    doc_id = ObjectId()
    failing = pending(created(doc_id), "c:0")
    await tickets.insert_one({"_id": doc_id, "version": 0, **outbox_fields(failing)})

    relay.dispatch(tickets, doc_id, failing)  # type: ignore[arg-type]
    publisher.load()
    try:
        await wait_until(lambda: "c:0" in [m for _, m, _ in publisher.published], within=5)
    finally:
        publisher.busy = False
        await relay.stop()

    doc = await tickets.find_one({"_id": doc_id})
    assert doc is not None
    assert doc["outbox_pending"] == 0


async def test_an_entry_that_can_never_be_published_does_not_stop_the_start() -> None:
    tickets = AsyncMongoMockClient()["db"]["tickets"]
    stuck, fine = ObjectId(), ObjectId()
    await tickets.insert_one({"_id": stuck, **outbox_fields(pending(created(stuck), "stuck"))})
    await tickets.insert_one({"_id": fine, **outbox_fields(pending(created(fine), "fine"))})
    publisher = RefusingPublisher(refused={"stuck"})

    relay = OutboxRelay(publisher, [tickets], sweep_interval=60)  # type: ignore[arg-type]
    await relay.start()
    await relay.stop()

    assert [msg_id for _, msg_id, _ in publisher.published] == ["fine"]
    left = await tickets.find_one({"_id": stuck})
    assert left is not None
    assert left["outbox_pending"] == 1
