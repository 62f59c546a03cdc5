"""Every read and write of orders' database: orders and the ticket replica with its claim."""

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay, Pending
from zombilet_common.versioning import (
    Verdict,
    apply_replica,
    insert_replica,
    insert_versioned,
    update_versioned,
)
from zombilet_orders.models import Order, OrderStatus, TicketReplica


def _without_outbox() -> Document:
    # A fresh dict per query: mongomock adds `_id` to the projection it is given, which a real
    # store then reads as an inclusion projection.
    return {"outbox": 0, "outbox_pending": 0}


class OrderRepository:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.collection: AsyncCollection[Document] = db["orders"]
        self._relay = relay

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("user_id")

    async def get(self, order_id: str) -> Order | None:
        doc = await self.collection.find_one({"_id": ObjectId(order_id)}, _without_outbox())
        return None if doc is None else Order.from_document(doc)

    async def of_user(self, user_id: str) -> list[Order]:
        """The user's orders of any status, newest (highest id) first."""
        cursor = self.collection.find({"user_id": user_id}, _without_outbox()).sort("_id", -1)
        return [Order.from_document(doc) async for doc in cursor]

    async def insert(self, order: Order, event: Pending) -> None:
        """Store a new order at version 0 with its `order.created` event."""
        await insert_versioned(self.collection, order.document(), event)
        self._relay.dispatch(self.collection, ObjectId(order.id), event)

    async def move(self, read: Order, status: OrderStatus, event: Pending) -> None:
        """Set `status` at version +1, conditional on the version and the status read."""
        order_id = ObjectId(read.id)
        await update_versioned(
            self.collection,
            order_id,
            read.version,
            {"$set": {"status": status.value}},
            event,
            extra_filter={"status": read.status.value},
        )
        self._relay.dispatch(self.collection, order_id, event)


class TicketReplicaRepository:
    """The replica follows ticket events; `holder` / `claimed_at` are orders' own claim."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["ticket_replicas"]

    async def get(self, ticket_id: str) -> TicketReplica | None:
        doc = await self.collection.find_one({"_id": ObjectId(ticket_id)})
        return None if doc is None else TicketReplica.from_document(doc)

    async def by_ids(self, ticket_ids: list[str]) -> dict[str, TicketReplica]:
        ids = [ObjectId(t) for t in set(ticket_ids)]
        cursor = self.collection.find({"_id": {"$in": ids}})
        return {str(doc["_id"]): TicketReplica.from_document(doc) async for doc in cursor}

    async def create(self, ticket_id: str, title: str, price: float, version: int) -> Verdict:
        doc = {
            "_id": ObjectId(ticket_id),
            "title": title,
            "price": price,
            "holder": None,
            "claimed_at": None,
        }
        return await insert_replica(self.collection, doc, version=version)

    async def apply(self, ticket_id: str, title: str, price: float, version: int) -> Verdict:
        fields = {"title": title, "price": price}
        return await apply_replica(
            self.collection, ObjectId(ticket_id), version=version, fields=fields
        )

    async def claim(self, ticket_id: str, order_id: str, now_ms: int) -> bool:
        """Hold the ticket for `order_id` if nobody holds it: one conditional write."""
        return await self._set_holder(ticket_id, None, order_id, now_ms)

    async def take_over(self, ticket_id: str, stale: str, order_id: str, now_ms: int) -> bool:
        """Replace the stale holder `stale` by `order_id`, only if `stale` still holds it."""
        return await self._set_holder(ticket_id, stale, order_id, now_ms)

    async def release(self, ticket_id: str, order_id: str) -> None:
        """Free the ticket if `order_id` still holds it."""
        await self._set_holder(ticket_id, order_id, None, None)

    async def _set_holder(
        self, ticket_id: str, current: str | None, new: str | None, now_ms: int | None
    ) -> bool:
        result = await self.collection.update_one(
            {"_id": ObjectId(ticket_id), "holder": current},
            {"$set": {"holder": new, "claimed_at": now_ms}},
        )
        return result.matched_count == 1
