"""Every read and write of auth's database: users and password-reset tokens."""

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from zombilet_auth.models import ResetToken, User
from zombilet_common.collection import Collection
from zombilet_common.events import (
    UserChangedPasswordEvent,
    UserForgotPasswordEvent,
    UserSignedInEvent,
    UserSignedUpEvent,
)
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay


class EmailTaken(Exception):
    """The unique index on `email` refused an insert."""


class UserRepository:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.users = Collection(db, "users", relay=relay)

    async def ensure_indexes(self) -> None:
        await self.users.raw.create_index("email", unique=True)

    async def by_email(self, email: str) -> User | None:
        doc = await self.users.find_one({"email": email})
        return None if doc is None else User.from_document(doc)

    async def by_id(self, user_id: str) -> User | None:
        doc = await self.users.get(user_id)
        return None if doc is None else User.from_document(doc)

    async def insert(self, user: User, event: UserSignedUpEvent) -> None:
        """Store a new user at version 0 with its `user.signed-up` event."""
        try:
            await self.users.insert(user.id, user.document(), event)
        except DuplicateKeyError:
            raise EmailTaken(user.email) from None

    async def change_password(
        self, read: User, changed: User, event: UserChangedPasswordEvent
    ) -> None:
        """Store the new hash at version +1, conditional on the version of `read`."""
        update = {"$set": {"password_hash": changed.password_hash}}
        await self.users.update(read.id, read.version, update, event)

    async def upgrade_hash(self, user: User, password_hash: str) -> None:
        """Replace the hash `user` was read with by another of the same password. No version
        or event: the password did not change. A reset that wrote first keeps its hash."""
        await self.users.update_where(
            user.id,
            {"password_hash": user.password_hash},
            {"$set": {"password_hash": password_hash}},
        )

    async def record(self, user: User, event: UserSignedInEvent) -> None:
        """Queue an event that changes nothing about the user (a sign-in)."""
        await self.users.record(user.id, event)


class ResetTokenRepository:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.tokens = Collection(db, "password_resets", relay=relay)

    async def ensure_indexes(self) -> None:
        await self.tokens.raw.create_index("hash")
        await self.tokens.raw.create_index("user_id")

    async def insert(self, token: ResetToken, event: UserForgotPasswordEvent) -> None:
        """Store a token with its `user.forgot-password` event in the same document."""
        await self.tokens.insert(token.id, token.document(), event, versioned=False)

    async def find(self, hash_: str, type_: str) -> ResetToken | None:
        doc = await self.tokens.find_one({"hash": hash_, "type": type_})
        return None if doc is None else ResetToken.from_document(doc)

    async def take(self, hash_: str, type_: str) -> ResetToken | None:
        """Find and delete in one step: of concurrent takers exactly one gets the token."""
        doc = await self.tokens.take({"hash": hash_, "type": type_})
        return None if doc is None else ResetToken.from_document(doc)

    async def restore(self, token: ResetToken) -> None:
        """Put back a token that `take` removed; its event was published when it was made."""
        await self.tokens.insert(token.id, token.document(), versioned=False)

    async def delete_for_user(self, user_id: str) -> None:
        await self.tokens.raw.delete_many({"user_id": user_id})
