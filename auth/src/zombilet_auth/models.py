"""Documents as auth stores them."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from bson import ObjectId

RESET_TOKEN_TYPE: Final = "forgot-password"
RESET_TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class User:
    id: str
    email: str
    password_hash: str
    version: int

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "User":
        return cls(
            id=str(doc["_id"]),
            email=doc["email"],
            password_hash=doc["password_hash"],
            version=doc["version"],
        )


def token_hash(plain: str) -> str:
    """SHA-256 hex of a plain reset token: the only form of it that is stored."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ResetToken:
    id: str
    user_id: str
    hash: str
    type: str
    expires_at: datetime

    @classmethod
    def new(cls, user_id: str, now: datetime) -> tuple["ResetToken", str]:
        """A fresh token and its plain value (32 random bytes as 64 hex), which is never stored."""
        plain = secrets.token_hex(32)
        token = cls(
            id=str(ObjectId()),
            user_id=user_id,
            hash=token_hash(plain),
            type=RESET_TOKEN_TYPE,
            expires_at=now + RESET_TOKEN_LIFETIME,
        )
        return token, plain

    def document(self) -> dict[str, Any]:
        return {
            "_id": ObjectId(self.id),
            # Ids outside `_id` stay strings: the local store never matches an ObjectId there.
            "user_id": self.user_id,
            "hash": self.hash,
            "type": self.type,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "ResetToken":
        return cls(
            id=str(doc["_id"]),
            user_id=doc["user_id"],
            hash=doc["hash"],
            type=doc["type"],
            expires_at=as_utc(doc["expires_at"]),
        )


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC time (BSON dates carry no zone)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
