"""Events kept inside the document whose change caused them, and the relay that publishes them.

A state change and its events are one single-document write: each event becomes an entry of
the document's `outbox` map (keyed by a fresh hex key, since message ids hold dots) and
`outbox_pending` counts the entries. The relay publishes each entry under its stable message id,
then removes it; on start and on every sweep it publishes whatever a crash left behind.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo.asynchronous.collection import AsyncCollection

from zombilet_common.events.base import Event
from zombilet_common.headers import REQUEST_ID
from zombilet_common.logging import request_id_var
from zombilet_common.mongo import Document

log = logging.getLogger(__name__)


OUTBOX = "outbox"
PENDING = "outbox_pending"


@dataclass(frozen=True)
class Pending:
    """One event waiting in a document's outbox."""

    key: str
    subject: str
    msg_id: str
    data: str
    request_id: str | None
    seq: int

    def as_document(self) -> Document:
        return {
            "subject": self.subject,
            "msg_id": self.msg_id,
            "data": self.data,
            "request_id": self.request_id,
            "seq": self.seq,
        }

    @classmethod
    def from_document(cls, key: str, doc: Document) -> "Pending":
        return cls(
            key=key,
            subject=doc["subject"],
            msg_id=doc["msg_id"],
            data=doc["data"],
            request_id=doc.get("request_id"),
            seq=doc.get("seq", 0),
        )


def pending(event: Event, msg_id: str | None = None) -> Pending:
    """An outbox entry for `event`, published later under `msg_id` (by default the event's own,
    `Event.new_message_id`)."""
    return Pending(
        key=uuid.uuid4().hex,
        subject=event.subject.value,
        msg_id=event.new_message_id() if msg_id is None else msg_id,
        # Kept as the exact bytes to publish, so a re-publish is byte-identical.
        data=event.model_dump_json(),
        request_id=request_id_var.get(),
        seq=time.time_ns(),
    )


def outbox_fields(*entries: Pending) -> Document:
    """The outbox fields of a document inserted together with `entries`."""
    return {OUTBOX: {e.key: e.as_document() for e in entries}, PENDING: len(entries)}


def with_outbox(update: Document, *entries: Pending) -> Document:
    """`update` (a Mongo update document) that also adds `entries` to the outbox."""
    merged = {op: dict(fields) for op, fields in update.items()}
    merged.setdefault("$set", {}).update({f"{OUTBOX}.{e.key}": e.as_document() for e in entries})
    merged.setdefault("$inc", {})[PENDING] = len(entries)
    return merged


class RawPublisher(Protocol):
    """What the relay publishes through: `Publisher`, or a test's recording double."""

    async def publish_raw(
        self, subject: str, data: bytes, *, msg_id: str, headers: dict[str, str] | None = None
    ) -> None: ...


class OutboxRelay:
    """Publishes outbox entries of some collections, in order, then removes them.

    `dispatch` hands over what a write just stored, for prompt publishing; the sweep (at start
    and every `sweep_interval` seconds) finds anything left pending by a crash or a failure.
    """

    def __init__(
        self,
        publisher: RawPublisher,
        collections: Sequence[AsyncCollection[Document]],
        *,
        sweep_interval: float = 5.0,
    ) -> None:
        self._publisher = publisher
        self._collections = {c.full_name: c for c in collections}
        self._sweep_interval = sweep_interval
        self._queue: asyncio.Queue[tuple[str, Any, tuple[Pending, ...]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Publish what a previous run left behind, then keep relaying in the background.

        What cannot be published now stays pending for the next sweep: one stuck entry must not
        keep the service from starting."""
        await self._guarded(self.sweep())
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Publish what is queued, then stop."""
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None

    def dispatch(
        self, collection: AsyncCollection[Document], doc_id: Any, *entries: Pending
    ) -> None:
        """Queue entries that a write has just stored in document `doc_id`."""
        self._queue.put_nowait((collection.full_name, doc_id, entries))

    async def sweep(self) -> int:
        """Publish every pending entry of every collection; returns how many were published."""
        published = 0
        for collection in self._collections.values():
            async for doc in collection.find({PENDING: {"$gt": 0}}, {OUTBOX: 1}):
                entries = [Pending.from_document(k, v) for k, v in (doc.get(OUTBOX) or {}).items()]
                # One document whose entries fail does not hold up the documents after it.
                published += await self._guarded(self._relay(collection, doc["_id"], entries))
        return published

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time() + self._sweep_interval
        while True:
            # Due whether or not the queue ever empties: under steady load a failed publish
            # would otherwise wait for the first quiet moment.
            if loop.time() >= next_sweep:
                await self._guarded(self.sweep())
                next_sweep = loop.time() + self._sweep_interval
            try:
                async with asyncio.timeout_at(next_sweep):
                    item = await self._queue.get()
            except TimeoutError:
                continue
            if item is None:
                return
            name, doc_id, entries = item
            await self._guarded(self._relay(self._collections[name], doc_id, list(entries)))

    @staticmethod
    async def _guarded(work: Awaitable[int]) -> int:
        """How many `work` published; 0 when it failed."""
        try:
            return await work
        except Exception:
            # The entries stay in their documents; the next sweep tries again.
            log.warning("outbox relay failed", exc_info=True)
            return 0

    async def _relay(
        self, collection: AsyncCollection[Document], doc_id: Any, entries: list[Pending]
    ) -> int:
        for entry in sorted(entries, key=lambda e: e.seq):
            headers = {REQUEST_ID: entry.request_id} if entry.request_id else None
            await self._publisher.publish_raw(
                entry.subject, entry.data.encode(), msg_id=entry.msg_id, headers=headers
            )
            await collection.update_one(
                {"_id": doc_id, f"{OUTBOX}.{entry.key}": {"$exists": True}},
                {"$unset": {f"{OUTBOX}.{entry.key}": ""}, "$inc": {PENDING: -1}},
            )
        return len(entries)
