"""Every read and write of auth's database: users and password-reset tokens."""

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from zombilet_auth.models import ResetToken, User
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay, Pending, outbox_fields, with_outbox
from zombilet_common.versioning import insert_versioned, update_versioned


class EmailTaken(Exception):
    """The unique index on `email` refused an insert."""


class UserRepository:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.collection: AsyncCollection[Document] = db["users"]
        self._relay = relay

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("email", unique=True)

    async def by_email(self, email: str) -> User | None:
        doc = await self.collection.find_one({"email": email}, {"outbox": 0})
        return None if doc is None else User.from_document(doc)

    async def by_id(self, user_id: str) -> User | None:
        doc = await self.collection.find_one({"_id": ObjectId(user_id)}, {"outbox": 0})
        return None if doc is None else User.from_document(doc)

    async def insert(self, user: User, event: Pending) -> None:
        """Store a new user at version 0 with its `user.signed-up` event."""
        doc = {"_id": ObjectId(user.id), "email": user.email, "password_hash": user.password_hash}
        try:
            await insert_versioned(self.collection, doc, event)
        except DuplicateKeyError:
            raise EmailTaken(user.email) from None
        self._relay.dispatch(self.collection, ObjectId(user.id), event)

    async def change_password(self, user: User, password_hash: str, event: Pending) -> None:
        """Store the new hash at version +1, conditional on `user.version`."""
        user_id = ObjectId(user.id)
        await update_versioned(
            self.collection,
            user_id,
            user.version,
            {"$set": {"password_hash": password_hash}},
            event,
        )
        self._relay.dispatch(self.collection, user_id, event)

    async def record(self, user: User, event: Pending) -> None:
        """Queue an event that changes nothing about the user (a sign-in)."""
        user_id = ObjectId(user.id)
        await self.collection.update_one({"_id": user_id}, with_outbox({}, event))
        self._relay.dispatch(self.collection, user_id, event)


class ResetTokenRepository:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.collection: AsyncCollection[Document] = db["password_resets"]
        self._relay = relay

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("hash")
        await self.collection.create_index("user_id")

    async def insert(self, token: ResetToken, event: Pending) -> None:
        """Store a token with its `user.forgot-password` event in the same document."""
        await self.collection.insert_one({**token.document(), **outbox_fields(event)})
        self._relay.dispatch(self.collection, ObjectId(token.id), event)

    async def find(self, hash_: str, type_: str) -> ResetToken | None:
        doc = await self.collection.find_one({"hash": hash_, "type": type_})
        return None if doc is None else ResetToken.from_document(doc)

    async def take(self, hash_: str, type_: str) -> ResetToken | None:
        """Find and delete in one step: of concurrent takers exactly one gets the token."""
        doc = await self.collection.find_one_and_delete({"hash": hash_, "type": type_})
        return None if doc is None else ResetToken.from_document(doc)

    async def delete_for_user(self, user_id: str) -> None:
        await self.collection.delete_many({"user_id": user_id})
