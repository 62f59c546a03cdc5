"""One collection of a service's database, written in the store's dialect (see `dialect`).

Ids go in and come out as 24-hex strings (a read document carries `id`, never `_id`), the
outbox is never read back, and a write that causes events stores them in the same
single-document write and hands them to the relay.
"""

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.dialect import id_of, object_id
from zombilet_common.events.base import Event
from zombilet_common.mongo import Document
from zombilet_common.outbox import (
    OUTBOX,
    PENDING,
    OutboxRelay,
    Pending,
    outbox_fields,
    pending,
    with_outbox,
)
from zombilet_common.versioning import (
    Verdict,
    apply_replica,
    insert_replica,
    insert_versioned,
    update_versioned,
)


def _without_outbox() -> Document:
    # A fresh dict per query: mongomock adds `_id` to the projection it is given, which a real
    # store then reads as an inclusion projection.
    return {OUTBOX: 0, PENDING: 0}


def _read(doc: Document) -> Document:
    fields = {key: value for key, value in doc.items() if key != "_id"}
    return {"id": id_of(doc), **fields}


class Collection:
    """A collection whose documents are versioned and publish through their outbox.

    `relay` is needed only by writes that carry events; replicas and logs go without.
    """

    def __init__(
        self, db: AsyncDatabase[Document], name: str, *, relay: OutboxRelay | None = None
    ) -> None:
        self.raw: AsyncCollection[Document] = db[name]
        self._relay = relay

    async def get(self, doc_id: str) -> Document | None:
        return await self.find_one({"_id": object_id(doc_id)})

    async def find_one(self, query: Document) -> Document | None:
        doc = await self.raw.find_one(query, _without_outbox())
        return None if doc is None else _read(doc)

    async def find(
        self, query: Document, *, sort: tuple[str, int] = ("_id", 1), limit: int = 0
    ) -> list[Document]:
        cursor = self.raw.find(query, _without_outbox()).sort(*sort).limit(limit)
        return [_read(doc) async for doc in cursor]

    async def take(self, query: Document) -> Document | None:
        """Find and delete one document in one step: of concurrent takers one gets it."""
        doc = await self.raw.find_one_and_delete(query, projection=_without_outbox())
        return None if doc is None else _read(doc)

    async def insert(
        self, doc_id: str, fields: Document, *events: Event, versioned: bool = True
    ) -> None:
        """Insert at version 0 (or without a version) together with `events`."""
        doc = {"_id": object_id(doc_id), **fields}
        entries = self._entries(events)
        if versioned:
            await insert_versioned(self.raw, doc, *entries)
        else:
            await self.raw.insert_one({**doc, **outbox_fields(*entries)})
        self._dispatch(doc_id, entries)

    async def update(
        self,
        doc_id: str,
        read_version: int,
        update: Document,
        *events: Event,
        where: Document | None = None,
    ) -> None:
        """Apply `update` at version +1 with `events`, only while the document is still at
        `read_version` (and matches `where`); VersionConflict otherwise."""
        entries = self._entries(events)
        await update_versioned(
            self.raw, object_id(doc_id), read_version, update, *entries, extra_filter=where
        )
        self._dispatch(doc_id, entries)

    async def record(self, doc_id: str, *events: Event) -> None:
        """Publish `events` of the document without changing it (a sign-in)."""
        entries = self._entries(events)
        await self.raw.update_one({"_id": object_id(doc_id)}, with_outbox({}, *entries))
        self._dispatch(doc_id, entries)

    async def update_where(self, doc_id: str, where: Document, update: Document) -> bool:
        """One conditional write outside the version (a claim); whether it matched."""
        result = await self.raw.update_one({"_id": object_id(doc_id), **where}, update)
        return result.matched_count == 1

    async def insert_replica(self, doc_id: str, fields: Document, *, version: int) -> Verdict:
        """Create a replica at the event's version; an existing one makes it a duplicate."""
        return await insert_replica(self.raw, {"_id": object_id(doc_id), **fields}, version=version)

    async def apply_replica(self, doc_id: str, *, version: int, fields: Document) -> Verdict:
        """Set `fields` at `version`, only while the replica holds `version - 1`."""
        return await apply_replica(self.raw, object_id(doc_id), version=version, fields=fields)

    def _entries(self, events: tuple[Event, ...]) -> list[Pending]:
        if events and self._relay is None:
            raise RuntimeError(f"{self.raw.name} has no outbox relay to publish through")
        return [pending(event) for event in events]

    def _dispatch(self, doc_id: str, entries: list[Pending]) -> None:
        if entries and self._relay is not None:
            self._relay.dispatch(self.raw, object_id(doc_id), *entries)
