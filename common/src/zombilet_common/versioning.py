"""Versioned documents: optimistic writes for owners, the version rule for replicas."""

import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from zombilet_common.bus.outcomes import NotYet
from zombilet_common.mongo import Document
from zombilet_common.outbox import Pending, outbox_fields, with_outbox

log = logging.getLogger(__name__)

T = TypeVar("T")


class VersionConflict(Exception):
    """A conditional write found another version than the one it read."""

    def __init__(self, collection: str, doc_id: object, *, expected: int) -> None:
        super().__init__(f"{collection} {doc_id}: version is no longer {expected}")
        self.collection = collection
        self.doc_id = doc_id
        self.expected = expected


async def retry_on_conflict(
    attempt: Callable[[], Awaitable[T]],
    *,
    tries: int,
    exhausted: T | BaseException | None = None,
) -> T:
    """Run `attempt` (read, decide, write) again each time its write loses to another writer,
    `tries` times in all. Then `exhausted` answers: raised if it is an exception, returned
    otherwise (a `NotYet`, say); without it, the last `VersionConflict` is raised."""
    for attempt_number in range(1, tries + 1):
        try:
            return await attempt()
        except VersionConflict as conflict:
            # A race of many writers loses often: the record is built only when it is shown.
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "write lost a race",
                    extra={
                        "collection": conflict.collection,
                        "doc_id": str(conflict.doc_id),
                        "attempt": attempt_number,
                    },
                )
            if attempt_number < tries:
                continue
            if exhausted is None:
                raise
            if isinstance(exhausted, BaseException):
                raise exhausted from None
            return exhausted
    raise ValueError("tries must be at least 1")


class Verdict(Enum):
    """What the version rule made of a replica event."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    AHEAD = "ahead"


EARLIER_VERSION_PENDING = NotYet("an earlier version has not arrived")


def not_yet_if_ahead(verdict: Verdict) -> NotYet | None:
    """A replica event that came early waits for the versions before it; any other is done."""
    return EARLIER_VERSION_PENDING if verdict is Verdict.AHEAD else None


def judge(replica_version: int | None, event_version: int) -> Verdict:
    """Replica at r, event at v: r = v−1 applies, r ≥ v is a duplicate, else it is early."""
    if replica_version is None or replica_version < event_version - 1:
        return Verdict.AHEAD
    if replica_version >= event_version:
        return Verdict.DUPLICATE
    return Verdict.APPLIED


async def insert_versioned(
    collection: AsyncCollection[Document], doc: Document, *entries: Pending
) -> None:
    """Insert `doc` at version 0 together with its events."""
    await collection.insert_one({**doc, "version": 0, **outbox_fields(*entries)})


async def update_versioned(
    collection: AsyncCollection[Document],
    doc_id: object,
    read_version: int,
    update: Document,
    *entries: Pending,
    extra_filter: Document | None = None,
) -> None:
    """Apply `update` and bump the version, only where the version is still `read_version`.

    Raises VersionConflict when someone else wrote first; it never overwrites.
    """
    changes = {op: dict(fields) for op, fields in update.items()}
    changes.setdefault("$set", {})["version"] = read_version + 1
    result = await collection.update_one(
        {"_id": doc_id, "version": read_version, **(extra_filter or {})},
        with_outbox(changes, *entries) if entries else changes,
    )
    if result.matched_count == 0:
        raise VersionConflict(collection.name, doc_id, expected=read_version)


async def insert_replica(
    collection: AsyncCollection[Document], doc: Document, *, version: int
) -> Verdict:
    """Create a replica at the event's version; an existing one makes the event a duplicate."""
    try:
        await collection.insert_one({**doc, "version": version})
    except DuplicateKeyError:
        return Verdict.DUPLICATE
    return Verdict.APPLIED


async def apply_replica(
    collection: AsyncCollection[Document],
    doc_id: object,
    *,
    version: int,
    fields: Document,
) -> Verdict:
    """Set `fields` and move to `version`, only while the replica holds `version - 1`."""
    result = await collection.update_one(
        {"_id": doc_id, "version": version - 1},
        {"$set": {**fields, "version": version}},
    )
    if result.matched_count:
        return Verdict.APPLIED
    current = await collection.find_one({"_id": doc_id}, {"version": 1})
    verdict = judge(None if current is None else current["version"], version)
    # v-1 arrived between our write and our read: try again rather than lose the event.
    return Verdict.AHEAD if verdict is Verdict.APPLIED else verdict
