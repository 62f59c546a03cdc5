"""Every read and write of contact's database: the user replica and the delivery log."""

import time
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from zombilet_common.mongo import Document
from zombilet_common.versioning import Verdict, apply_replica, insert_replica
from zombilet_contact.models import DeliveryKey, DeliveryStatus, UserReplica


class UserReplicaRepository:
    """`{id, email, version}` from user events, in version order (SPEC.md §10.1)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["user_replicas"]

    async def create(self, user_id: str, email: str, version: int) -> Verdict:
        """Insert at the event's version; an existing replica makes the event a duplicate."""
        doc = {"_id": ObjectId(user_id), "email": email}
        return await insert_replica(self.collection, doc, version=version)

    async def move_version(self, user_id: str, version: int) -> Verdict:
        """Only the version moves: the e-mail never changes."""
        return await apply_replica(self.collection, ObjectId(user_id), version=version, fields={})

    async def get(self, user_id: str) -> UserReplica | None:
        doc = await self.collection.find_one({"_id": ObjectId(user_id)})
        return None if doc is None else UserReplica.from_document(doc)


class DeliveryLog:
    """One document per e-mail, unique on `Nats-Msg-Id` + recipient (SPEC.md §10.2).

    `sending` is written before the provider is called and `sent` once it accepted; a key
    that exists, in either state, is never sent again.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["deliveries"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("msg_id", 1), ("recipient", 1)], unique=True)

    async def claim(self, key: DeliveryKey, subject: str) -> bool:
        """Log the mail as `sending`; False when its key is already there."""
        try:
            await self.collection.insert_one(
                {
                    "_id": ObjectId(),
                    "msg_id": key.msg_id,
                    "recipient": key.recipient,
                    "subject": subject,
                    "status": DeliveryStatus.SENDING.value,
                    # A datetime is safe here: it is written by an insert.
                    "created_at": datetime.now(UTC),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def mark_sent(self, key: DeliveryKey) -> None:
        # Epoch milliseconds: a datetime given to `$set` is stored as a string by the local
        # Mongo-wire store.
        await self.collection.update_one(
            {**_match(key), "status": DeliveryStatus.SENDING.value},
            {"$set": {"status": DeliveryStatus.SENT.value, "sent_at_ms": time.time_ns() // 10**6}},
        )

    async def release(self, key: DeliveryKey) -> None:
        """Remove a `sending` key whose send failed, so a redelivery tries again."""
        await self.collection.delete_one({**_match(key), "status": DeliveryStatus.SENDING.value})

    async def status(self, key: DeliveryKey) -> DeliveryStatus | None:
        doc = await self.collection.find_one(_match(key), {"status": 1})
        return None if doc is None else DeliveryStatus(doc["status"])


def _match(key: DeliveryKey) -> Document:
    return {"msg_id": key.msg_id, "recipient": key.recipient}
