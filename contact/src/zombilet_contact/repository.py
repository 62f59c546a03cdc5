"""Every read and write of contact's database: the user replica and the delivery log."""

from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from zombilet_common.collection import Collection
from zombilet_common.dialect import epoch_ms
from zombilet_common.mongo import Document
from zombilet_common.versioning import Verdict
from zombilet_contact.models import DeliveryKey, DeliveryStatus, UserReplica


class UserReplicaRepository:
    """`{id, email, version}` from user events, in version order (SPEC.md §10.1)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.replicas = Collection(db, "user_replicas")

    async def create(self, user_id: str, email: str, version: int) -> Verdict:
        """Insert at the event's version; an existing replica makes the event a duplicate."""
        return await self.replicas.insert_replica(user_id, {"email": email}, version=version)

    async def move_version(self, user_id: str, version: int) -> Verdict:
        """Only the version moves: the e-mail never changes."""
        return await self.replicas.apply_replica(user_id, version=version, fields={})

    async def get(self, user_id: str) -> UserReplica | None:
        doc = await self.replicas.get(user_id)
        return None if doc is None else UserReplica.from_document(doc)


class DeliveryLog:
    """One document per e-mail, unique on `Nats-Msg-Id` + recipient (SPEC.md §10.2).

    `sending` is written before the provider is called, `sent` once it accepted, `uncertain`
    when it took the mail but no answer came; a key that exists, in any state, is never sent
    again.
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
        sent = {"status": DeliveryStatus.SENT.value, "sent_at_ms": epoch_ms(datetime.now(UTC))}
        await self.collection.update_one(
            {**_match(key), "status": DeliveryStatus.SENDING.value}, {"$set": sent}
        )

    async def mark_uncertain(self, key: DeliveryKey) -> None:
        await self.collection.update_one(
            {**_match(key), "status": DeliveryStatus.SENDING.value},
            {"$set": {"status": DeliveryStatus.UNCERTAIN.value}},
        )

    async def release(self, key: DeliveryKey) -> None:
        """Remove a `sending` key whose send failed, so a redelivery tries again."""
        await self.collection.delete_one({**_match(key), "status": DeliveryStatus.SENDING.value})

    async def status(self, key: DeliveryKey) -> DeliveryStatus | None:
        doc = await self.collection.find_one(_match(key), {"status": 1})
        return None if doc is None else DeliveryStatus(doc["status"])


def _match(key: DeliveryKey) -> Document:
    return {"msg_id": key.msg_id, "recipient": key.recipient}
