"""The store's dialect and the Collection over a real store: what is written reads back the
same on the local Mongo-wire store and on MongoDB 7."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from zombilet_common.collection import Collection
from zombilet_common.dialect import as_bool, as_utc, epoch_ms, object_id
from zombilet_common.events import TicketCreatedEvent, TicketUpdatedEvent
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.messages import RecordingPublisher
from zombilet_common.versioning import Verdict, VersionConflict

pytestmark = pytest.mark.integration


def created(doc_id: str) -> TicketCreatedEvent:
    return TicketCreatedEvent(id=doc_id, version=0, title="A", price=1, user_id="b" * 24)


def updated(doc_id: str, version: int) -> TicketUpdatedEvent:
    return TicketUpdatedEvent(
        id=doc_id, version=version, title="B", price=2, user_id="b" * 24, order_id=None
    )


@pytest.fixture
def relayed(mongo_db: Any) -> tuple[Collection, OutboxRelay, RecordingPublisher]:
    publisher = RecordingPublisher()
    relay = OutboxRelay(publisher, [mongo_db["things"]])
    return Collection(mongo_db, "things", relay=relay), relay, publisher


async def test_ids_match_as_object_ids_in_id_and_as_strings_elsewhere(mongo_db: Any) -> None:
    things = Collection(mongo_db, "things")
    doc_id, owner = str(ObjectId()), str(ObjectId())
    await things.insert(doc_id, {"owner_id": owner})

    assert (await things.get(doc_id) or {})["owner_id"] == owner
    (found,) = await things.find({"owner_id": owner})
    assert found["id"] == doc_id
    assert "_id" not in found
    assert await things.find({"_id": {"$lt": object_id(doc_id)}, "owner_id": owner}) == []


async def test_a_date_from_an_insert_and_epoch_ms_from_an_update_read_back_equal(
    mongo_db: Any,
) -> None:
    things = Collection(mongo_db, "things")
    doc_id = str(ObjectId())
    moment = datetime(2025, 3, 1, 12, 0, 5, 123000, tzinfo=UTC)
    await things.insert(doc_id, {"due": moment, "seen_ms": 0})

    later = moment + timedelta(seconds=30)
    assert await things.update_where(doc_id, {}, {"$set": {"seen_ms": epoch_ms(later)}})

    doc = await things.get(doc_id) or {}
    assert as_utc(doc["due"]) == moment
    assert doc["seen_ms"] == epoch_ms(later)
    assert datetime.fromtimestamp(doc["seen_ms"] / 1000, UTC) == later
    assert (await things.find({"seen_ms": {"$gt": epoch_ms(moment)}}))[0]["id"] == doc_id


@pytest.mark.parametrize("value", [True, False])
async def test_a_boolean_set_by_an_update_reads_back_as_itself(mongo_db: Any, value: bool) -> None:
    things = Collection(mongo_db, "things")
    doc_id = str(ObjectId())
    await things.insert(doc_id, {"flag": not value})
    await things.update(doc_id, 0, {"$set": {"flag": value}}, where={"flag": not value})

    doc = await things.get(doc_id) or {}
    assert as_bool(doc["flag"]) is value
    assert doc["version"] == 1


async def test_add_to_set_extends_an_array_created_with_the_document(mongo_db: Any) -> None:
    things = Collection(mongo_db, "things")
    doc_id = str(ObjectId())
    await things.insert(doc_id, {"released": []})
    for order in ("a" * 24, "b" * 24, "a" * 24):
        await things.update_where(doc_id, {}, {"$addToSet": {"released": order}})

    assert (await things.get(doc_id) or {})["released"] == ["a" * 24, "b" * 24]
    assert await things.find_one({"released": {"$nin": ["c" * 24]}}) is not None
    assert (
        await things.find_one({"_id": object_id(doc_id), "released": {"$nin": ["a" * 24]}}) is None
    )


async def test_events_ride_in_the_write_and_leave_after_the_publish(relayed: Any) -> None:
    things, relay, publisher = relayed
    doc_id = str(ObjectId())
    await things.insert(doc_id, {"title": "A"}, created(doc_id))
    await things.update(doc_id, 0, {"$set": {"title": "B"}}, updated(doc_id, 1))

    stored = await things.raw.find_one({"_id": object_id(doc_id)})
    assert stored["outbox_pending"] == 2
    assert len(stored["outbox"]) == 2
    assert "outbox" not in (await things.get(doc_id) or {})

    assert await relay.sweep() == 2
    assert [msg_id for _, msg_id, _ in publisher.published] == [
        f"ticket.created:{doc_id}:0",
        f"ticket.updated:{doc_id}:1",
    ]
    stored = await things.raw.find_one({"_id": object_id(doc_id)})
    assert (stored["outbox_pending"], stored["outbox"]) == (0, {})
    assert await relay.sweep() == 0


async def test_an_update_from_a_stale_version_conflicts_and_changes_nothing(
    relayed: Any,
) -> None:
    things, relay, _ = relayed
    doc_id = str(ObjectId())
    await things.insert(doc_id, {"title": "A"})
    await things.update(doc_id, 0, {"$set": {"title": "B"}})

    with pytest.raises(VersionConflict):
        await things.update(doc_id, 0, {"$set": {"title": "C"}}, updated(doc_id, 1))

    doc = await things.get(doc_id) or {}
    assert (doc["title"], doc["version"]) == ("B", 1)
    assert await relay.sweep() == 0


async def test_a_replica_follows_the_version_rule(mongo_db: Any) -> None:
    replicas = Collection(mongo_db, "replicas")
    doc_id = str(ObjectId())

    assert await replicas.apply_replica(doc_id, version=1, fields={"t": 1}) is Verdict.AHEAD
    assert await replicas.insert_replica(doc_id, {"t": 0}, version=0) is Verdict.APPLIED
    assert await replicas.insert_replica(doc_id, {"t": 0}, version=0) is Verdict.DUPLICATE
    assert await replicas.apply_replica(doc_id, version=2, fields={"t": 2}) is Verdict.AHEAD
    assert await replicas.apply_replica(doc_id, version=1, fields={"t": 1}) is Verdict.APPLIED
    assert await replicas.apply_replica(doc_id, version=1, fields={"t": 1}) is Verdict.DUPLICATE
    assert (await replicas.get(doc_id) or {})["t"] == 1


async def test_take_hands_a_document_to_one_taker_only(mongo_db: Any) -> None:
    tokens = Collection(mongo_db, "tokens")
    await tokens.insert(str(ObjectId()), {"hash": "h"}, versioned=False)

    first, second = await tokens.take({"hash": "h"}), await tokens.take({"hash": "h"})

    assert first is not None
    assert first["hash"] == "h"
    assert second is None
