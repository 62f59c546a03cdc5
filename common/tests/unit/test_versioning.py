"""The version rule and optimistic writes, on the in-process double."""

import pytest
from bson import ObjectId
from mongomock_motor import AsyncMongoMockClient

from zombilet_common.events import TicketCreatedEvent
from zombilet_common.outbox import pending
from zombilet_common.versioning import (
    Verdict,
    VersionConflict,
    apply_replica,
    insert_replica,
    insert_versioned,
    judge,
    update_versioned,
)


@pytest.mark.parametrize(
    ("replica", "event", "verdict"),
    [
        (None, 0, Verdict.AHEAD),
        (None, 3, Verdict.AHEAD),
        (0, 1, Verdict.APPLIED),
        (4, 5, Verdict.APPLIED),
        (1, 1, Verdict.DUPLICATE),
        (5, 2, Verdict.DUPLICATE),
        (1, 3, Verdict.AHEAD),
    ],
)
def test_version_rule(replica: int | None, event: int, verdict: Verdict) -> None:
    assert judge(replica, event) is verdict


@pytest.fixture
def collection():  # type: ignore[no-untyped-def]
    return AsyncMongoMockClient()["db"]["things"]


async def test_insert_starts_at_version_zero_with_its_events(collection) -> None:  # type: ignore[no-untyped-def]
    doc_id = ObjectId()
    event = TicketCreatedEvent(id=str(doc_id), version=0, title="t", price=1, user_id="b" * 24)
    await insert_versioned(collection, {"_id": doc_id, "title": "t"}, pending(event, "m:0"))
    doc = await collection.find_one({"_id": doc_id})
    assert doc["version"] == 0
    assert doc["outbox_pending"] == 1
    (entry,) = doc["outbox"].values()
    assert entry["msg_id"] == "m:0"
    assert entry["subject"] == "ticket.created"


async def test_update_moves_one_version_and_conflicts_loudly(collection) -> None:  # type: ignore[no-untyped-def]
    doc_id = ObjectId()
    await insert_versioned(collection, {"_id": doc_id, "title": "a"})
    await update_versioned(collection, doc_id, 0, {"$set": {"title": "b"}})
    with pytest.raises(VersionConflict):
        await update_versioned(collection, doc_id, 0, {"$set": {"title": "c"}})
    doc = await collection.find_one({"_id": doc_id})
    assert (doc["title"], doc["version"]) == ("b", 1)


async def test_replica_applies_next_version_only(collection) -> None:  # type: ignore[no-untyped-def]
    doc_id = ObjectId()
    assert await insert_replica(collection, {"_id": doc_id, "t": "a"}, version=0) is Verdict.APPLIED
    assert (
        await insert_replica(collection, {"_id": doc_id, "t": "z"}, version=0) is Verdict.DUPLICATE
    )
    assert await apply_replica(collection, doc_id, version=2, fields={"t": "c"}) is Verdict.AHEAD
    assert await apply_replica(collection, doc_id, version=1, fields={"t": "b"}) is Verdict.APPLIED
    assert (
        await apply_replica(collection, doc_id, version=1, fields={"t": "x"}) is Verdict.DUPLICATE
    )
    assert await apply_replica(collection, doc_id, version=2, fields={"t": "c"}) is Verdict.APPLIED
    doc = await collection.find_one({"_id": doc_id})
    assert (doc["t"], doc["version"]) == ("c", 2)
