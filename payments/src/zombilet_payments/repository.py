"""Every read and write of payments' database: order replicas, payments, the offline ledger."""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from zombilet_common.collection import Collection
from zombilet_common.dialect import object_id
from zombilet_common.events import OrderCreatedEvent, OrderStatus, PaymentCreatedEvent
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.versioning import Verdict, VersionConflict
from zombilet_payments.models import OrderReplica, Payment, order_replica_fields

CLAIM_TTL_MS = 120_000
"""A charge claim older than this belongs to a request that died; another may take it."""


class PaymentExists(Exception):
    """The unique index on `order_id` refused a second payment for one order."""


class OrderReplicaRepository:
    """Replicated fields follow the version rule; the claim fields are payments' own:
    `claim_at` (epoch ms, 0 when free), `claim_id` (the holding request) and `reconcile`
    (a charge may exist for this order and has not been checked against a cancel yet)."""

    def __init__(self, db: AsyncDatabase[Document], *, claim_ttl_ms: int = CLAIM_TTL_MS) -> None:
        self.replicas = Collection(db, "order_replicas")
        self._claim_ttl_ms = claim_ttl_ms

    async def ensure_indexes(self) -> None:
        await self.replicas.raw.create_index([("status", 1), ("reconcile", 1)])

    async def get(self, order_id: str) -> OrderReplica | None:
        doc = await self.replicas.get(order_id)
        return None if doc is None else OrderReplica.from_document(doc)

    async def insert(self, event: OrderCreatedEvent) -> Verdict:
        return await self.replicas.insert_replica(
            event.id, order_replica_fields(event), version=event.version
        )

    async def apply_status(self, order_id: str, version: int, status: OrderStatus) -> Verdict:
        fields = {"status": status.value}
        return await self.replicas.apply_replica(order_id, version=version, fields=fields)

    async def claim(self, order_id: str, claim_id: str, now_ms: int) -> bool:
        """Take the order's charge claim: one conditional write, so one request of many wins."""
        return await self.replicas.update_where(
            order_id,
            {"status": OrderStatus.CREATED.value, "claim_at": {"$lt": now_ms - self._claim_ttl_ms}},
            {"$set": {"claim_at": now_ms, "claim_id": claim_id, "reconcile": True}},
        )

    async def release(self, order_id: str, claim_id: str) -> None:
        """Give the claim back, unless a later request already took it over."""
        await self.replicas.update_where(
            order_id, {"claim_id": claim_id}, {"$set": {"claim_at": 0, "claim_id": ""}}
        )

    async def to_reconcile(self, *, after: str | None, limit: int) -> list[str]:
        """Cancelled orders with a charge attempt nobody has checked since, by id after `after`."""
        query: Document = {"status": OrderStatus.CANCELLED.value, "reconcile": True}
        if after is not None:
            query["_id"] = {"$gt": object_id(after)}
        return [doc["id"] for doc in await self.replicas.find(query, limit=limit)]

    async def mark_reconciled(self, order_id: str, now_ms: int) -> None:
        """Checked: no unrefunded charge, and no live claim that could still store one."""
        await self.replicas.update_where(
            order_id,
            {"claim_at": {"$lt": now_ms - self._claim_ttl_ms}},
            {"$set": {"reconcile": False}},
        )


class PaymentRepository:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.payments = Collection(db, "payments", relay=relay)

    async def ensure_indexes(self) -> None:
        await self.payments.raw.create_index("order_id", unique=True)

    async def by_order(self, order_id: str) -> Payment | None:
        doc = await self.payments.find_one({"order_id": order_id})
        return None if doc is None else Payment.from_document(doc)

    async def insert(self, payment: Payment, event: PaymentCreatedEvent) -> None:
        """Store a new payment at version 0 with its `payment.created` event."""
        try:
            await self.payments.insert(payment.id, payment.document(), event)
        except DuplicateKeyError:
            raise PaymentExists(payment.order_id) from None

    async def mark_refunded(self, payment: Payment, refund_id: str) -> bool:
        """Record the refund at version +1; False when another writer recorded it first."""
        try:
            await self.payments.update(
                payment.id,
                payment.version,
                {"$set": {"refunded": True, "refund_id": refund_id}},
                where={"refunded": False},
            )
        except VersionConflict:
            return False
        return True


@dataclass(frozen=True)
class LedgerEntry:
    """One call of the offline gateway as it was first answered."""

    outcome: str
    object_id: str | None = None
    message: str | None = None


class GatewayLedgerRepository:
    """The offline gateway's idempotency keys: the first answer for a key is the answer."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["offline_gateway"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("key", unique=True)

    async def remember(
        self, key: str, kind: str, entry: LedgerEntry, **details: str
    ) -> LedgerEntry:
        doc = {
            "_id": ObjectId(),
            "key": key,
            "kind": kind,
            "outcome": entry.outcome,
            "object_id": entry.object_id,
            "message": entry.message,
            "created_at": datetime.now(UTC),
            **details,
        }
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            stored = await self.collection.find_one({"key": key})
            if stored is None:  # only a delete between the two calls could do this
                raise
            return LedgerEntry(stored["outcome"], stored.get("object_id"), stored.get("message"))
        return entry
