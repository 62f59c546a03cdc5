"""Every read and write of orders' database: orders and the ticket replica with its claim."""

from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.collection import Collection
from zombilet_common.dialect import object_id
from zombilet_common.events import OrderCancelledEvent, OrderCompletedEvent, OrderCreatedEvent
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.versioning import Verdict
from zombilet_orders.models import Order, TicketReplica


class OrderRepository:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.orders = Collection(db, "orders", relay=relay)

    async def ensure_indexes(self) -> None:
        await self.orders.raw.create_index("user_id")

    async def get(self, order_id: str) -> Order | None:
        doc = await self.orders.get(order_id)
        return None if doc is None else Order.from_document(doc)

    async def of_user(self, user_id: str) -> list[Order]:
        """The user's orders of any status, newest (highest id) first."""
        docs = await self.orders.find({"user_id": user_id}, sort=("_id", -1))
        return [Order.from_document(doc) for doc in docs]

    async def insert(self, order: Order, event: OrderCreatedEvent) -> None:
        """Store a new order at version 0 with its `order.created` event."""
        await self.orders.insert(order.id, order.document(), event)

    async def move(
        self, read: Order, moved: Order, event: OrderCancelledEvent | OrderCompletedEvent
    ) -> None:
        """Store the new status, conditional on the version and the status read."""
        await self.orders.update(
            read.id,
            read.version,
            {"$set": {"status": moved.status.value}},
            event,
            where={"status": read.status.value},
        )


class TicketReplicaRepository:
    """The replica follows ticket events; `holder` / `claimed_at` are orders' own claim."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.replicas = Collection(db, "ticket_replicas")

    async def get(self, ticket_id: str) -> TicketReplica | None:
        doc = await self.replicas.get(ticket_id)
        return None if doc is None else TicketReplica.from_document(doc)

    async def by_ids(self, ticket_ids: list[str]) -> dict[str, TicketReplica]:
        query = {"_id": {"$in": [object_id(t) for t in set(ticket_ids)]}}
        return {
            doc["id"]: TicketReplica.from_document(doc) for doc in await self.replicas.find(query)
        }

    async def create(self, ticket_id: str, title: str, price: float, version: int) -> Verdict:
        fields = {"title": title, "price": price, "holder": None, "claimed_at": None}
        return await self.replicas.insert_replica(ticket_id, fields, version=version)

    async def apply(self, ticket_id: str, title: str, price: float, version: int) -> Verdict:
        fields = {"title": title, "price": price}
        return await self.replicas.apply_replica(ticket_id, version=version, fields=fields)

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
        return await self.replicas.update_where(
            ticket_id, {"holder": current}, {"$set": {"holder": new, "claimed_at": now_ms}}
        )
