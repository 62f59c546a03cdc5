"""Documents as auth stores them."""

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from bson import ObjectId

from zombilet_common.dialect import as_utc
from zombilet_common.events import (
    ResetToken as ResetTokenPayload,
)
from zombilet_common.events import (
    UserChangedPasswordEvent,
    UserForgotPasswordEvent,
    UserSignedInEvent,
    UserSignedUpEvent,
)
from zombilet_common.mongo import Document

RESET_TOKEN_TYPE: Final = "forgot-password"
RESET_TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class User:
    id: str
    email: str
    password_hash: str
    version: int

    @classmethod
    def sign_up(cls, email: str, password_hash: str) -> tuple["User", UserSignedUpEvent]:
        user = cls(id=str(ObjectId()), email=email, password_hash=password_hash, version=0)
        return user, UserSignedUpEvent(id=user.id, email=email, version=0)

    def sign_in(self) -> UserSignedInEvent:
        """A sign-in changes nothing about the user; it is only told."""
        return UserSignedInEvent(id=self.id, version=self.version)

    def change_password(self, password_hash: str) -> tuple["User", UserChangedPasswordEvent]:
        user = replace(self, password_hash=password_hash, version=self.version + 1)
        return user, UserChangedPasswordEvent(id=user.id, version=user.version)

    def forgot_password(self, now: datetime) -> tuple["ResetToken", UserForgotPasswordEvent]:
        """A fresh reset token and the event that mails its plain value, which is never stored."""
        token, plain = ResetToken.new(self.id, now)
        event = UserForgotPasswordEvent(
            id=self.id,
            version=self.version,
            token=ResetTokenPayload(
                value=plain, type=RESET_TOKEN_TYPE, expires_at=token.expires_at
            ),
        )
        return token, event

    @classmethod
    def from_document(cls, doc: Document) -> "User":
        return cls(
            id=doc["id"],
            email=doc["email"],
            password_hash=doc["password_hash"],
            version=doc["version"],
        )

    def document(self) -> Document:
        return {"email": self.email, "password_hash": self.password_hash}


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

    def document(self) -> Document:
        return {
            "user_id": self.user_id,
            "hash": self.hash,
            "type": self.type,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_document(cls, doc: Document) -> "ResetToken":
        return cls(
            id=doc["id"],
            user_id=doc["user_id"],
            hash=doc["hash"],
            type=doc["type"],
            expires_at=as_utc(doc["expires_at"]),
        )
