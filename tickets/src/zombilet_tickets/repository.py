"""Every read and write of tickets' database."""

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay, Pending
from zombilet_common.versioning import VersionConflict, insert_versioned, update_versioned
from zombilet_tickets.models import Ticket


def _without_outbox() -> Document:
    # The outbox is the relay's business. A fresh dict per query: mongomock adds `_id` to the
    # projection it is given, which a real store then reads as an inclusion projection.
    return {"outbox": 0, "outbox_pending": 0}


class TicketRepository:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.collection: AsyncCollection[Document] = db["tickets"]
        self._relay = relay

    async def get(self, ticket_id: str) -> Ticket | None:
        doc = await self.collection.find_one({"_id": ObjectId(ticket_id)}, _without_outbox())
        return None if doc is None else Ticket.from_document(doc)

    async def page(self, limit: int, before: str | None) -> list[Ticket]:
        """At most `limit` tickets with an id below `before`, newest (highest id) first."""
        query = {} if before is None else {"_id": {"$lt": ObjectId(before)}}
        cursor = self.collection.find(query, _without_outbox()).sort("_id", -1).limit(limit)
        return [Ticket.from_document(doc) async for doc in cursor]

    async def insert(self, ticket: Ticket, event: Pending) -> None:
        """Store a new ticket at version 0 with its `ticket.created` event."""
        await insert_versioned(self.collection, ticket.document(), event)
        self._relay.dispatch(self.collection, ObjectId(ticket.id), event)

    async def change(self, read: Ticket, fields: Document, event: Pending) -> None:
        """Set `fields` at version +1, conditional on the version of `read`."""
        await self._update(read, {"$set": fields}, event)

    async def reserve(self, read: Ticket, order_id: str, event: Pending) -> None:
        """Name `order_id` as the holder at version +1; an earlier holder joins `released`.

        Conditional on the version read and on `order_id` not having been released since, so a
        cancellation that slipped in between (it does not move the version) wins.
        """
        update: Document = {"$set": {"order_id": order_id}}
        if read.order_id is not None:
            update["$addToSet"] = {"released": read.order_id}
        await self._update(read, update, event, extra_filter={"released": {"$nin": [order_id]}})

    async def release(self, read: Ticket, order_id: str, event: Pending) -> None:
        """Clear the holder `order_id` at version +1 and remember it as released."""
        update = {"$set": {"order_id": None}, "$addToSet": {"released": order_id}}
        await self._update(read, update, event, extra_filter={"order_id": order_id})

    async def remember_released(self, read: Ticket, order_id: str) -> None:
        """Add `order_id` to `released` without a new version, conditional on the version read."""
        result = await self.collection.update_one(
            {"_id": ObjectId(read.id), "version": read.version},
            {"$addToSet": {"released": order_id}},
        )
        if result.matched_count == 0:
            raise VersionConflict(self.collection.name, read.id, expected=read.version)

    async def _update(
        self,
        read: Ticket,
        update: Document,
        event: Pending,
        *,
        extra_filter: Document | None = None,
    ) -> None:
        ticket_id = ObjectId(read.id)
        await update_versioned(
            self.collection, ticket_id, read.version, update, event, extra_filter=extra_filter
        )
        self._relay.dispatch(self.collection, ticket_id, event)
