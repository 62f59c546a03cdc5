"""Every read and write of payments' database: order replicas, payments, webhook events seen,
the offline ledger and its intents."""

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
from zombilet_payments.gateways import Intent, IntentStatus
from zombilet_payments.models import OrderReplica, Payment, order_replica_fields

CLAIM_TTL_MS = 120_000
"""A charge claim older than this belongs to a request that died; another may take it."""
NO_INTENT_WAITING: Document = {"$in": [0, None]}
"""`intent_at` of a replica no intent holds (None: stored before payments held intents)."""


class PaymentExists(Exception):
    """The unique index on `order_id` refused a second payment for one order."""


class OrderReplicaRepository:
    """Replicated fields follow the version rule; the claim fields are payments' own:
    `claim_at` (epoch ms, 0 when free), `claim_id` (the holding request), `intent_id` and
    `intent_at` (an intent waiting for authentication holds the order until it settles; ""
    and 0 when none) and `reconcile` (a charge may exist for this order and has not been
    checked against a cancel yet)."""

    def __init__(self, db: AsyncDatabase[Document], *, claim_ttl_ms: int = CLAIM_TTL_MS) -> None:
        self.replicas = Collection(db, "order_replicas")
        self._claim_ttl_ms = claim_ttl_ms

    async def ensure_indexes(self) -> None:
        await self.replicas.raw.create_index([("status", 1), ("reconcile", 1)])
        await self.replicas.raw.create_index("intent_at")

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
            {
                "status": OrderStatus.CREATED.value,
                "claim_at": {"$lt": now_ms - self._claim_ttl_ms},
                "intent_at": NO_INTENT_WAITING,
            },
            {"$set": {"claim_at": now_ms, "claim_id": claim_id, "reconcile": True}},
        )

    async def hold_for_intent(
        self, order_id: str, claim_id: str, intent_id: str, now_ms: int
    ) -> None:
        """Keep the order for `intent_id` after the request that made it lets its claim go."""
        await self.replicas.update_where(
            order_id,
            {"claim_id": claim_id},
            {"$set": {"intent_id": intent_id, "intent_at": now_ms}},
        )

    async def release_intent(self, order_id: str, intent_id: str) -> None:
        """The intent settled: the order is free for another attempt (or already paid)."""
        await self.replicas.update_where(
            order_id, {"intent_id": intent_id}, {"$set": {"intent_id": "", "intent_at": 0}}
        )

    async def waiting_intents(self, *, before_ms: int, limit: int) -> list[tuple[str, str]]:
        """(order id, intent id) of intents held since before `before_ms`, oldest first."""
        docs = await self.replicas.find(
            {"intent_at": {"$gt": 0, "$lt": before_ms}}, sort=("intent_at", 1), limit=limit
        )
        return [(doc["id"], doc["intent_id"]) for doc in docs]

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
            {"claim_at": {"$lt": now_ms - self._claim_ttl_ms}, "intent_at": NO_INTENT_WAITING},
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


class WebhookEventRepository:
    """Stripe event ids already handled: Stripe repeats events, each is acted on once."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["webhook_events"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("event_id", unique=True)

    async def seen(self, event_id: str) -> bool:
        return await self.collection.find_one({"event_id": event_id}) is not None

    async def remember(self, event_id: str, event_type: str) -> None:
        doc = {
            "_id": ObjectId(),
            "event_id": event_id,
            "type": event_type,
            "created_at": datetime.now(UTC),
        }
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            return  # a concurrent delivery of the same event handled it as well


@dataclass(frozen=True)
class OfflineIntent:
    """An intent of the offline gateway, kept so authentication can settle it later."""

    id: str
    status: IntentStatus
    amount: int
    currency: str
    order_id: str
    return_url: str

    def intent(self) -> Intent:
        return Intent(self.id, self.status, self.amount, self.currency, self.order_id)


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
        self.intents: AsyncCollection[Document] = db["offline_intents"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("key", unique=True)
        await self.intents.create_index("intent_id", unique=True)

    async def save_intent(self, intent: OfflineIntent) -> None:
        await self.intents.insert_one(
            {
                "_id": ObjectId(),
                "intent_id": intent.id,
                "status": intent.status.value,
                "amount": intent.amount,
                "currency": intent.currency,
                "order_id": intent.order_id,
                "return_url": intent.return_url,
            }
        )

    async def intent(self, intent_id: str) -> OfflineIntent | None:
        doc = await self.intents.find_one({"intent_id": intent_id})
        if doc is None:
            return None
        return OfflineIntent(
            id=doc["intent_id"],
            status=IntentStatus(doc["status"]),
            amount=doc["amount"],
            currency=doc["currency"],
            order_id=doc["order_id"],
            return_url=doc["return_url"],
        )

    async def settle_intent(self, intent_id: str, status: IntentStatus) -> bool:
        """Move a pending intent to `status`; False when it had settled already."""
        result = await self.intents.update_one(
            {"intent_id": intent_id, "status": IntentStatus.PENDING.value},
            {"$set": {"status": status.value}},
        )
        return result.modified_count == 1

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
