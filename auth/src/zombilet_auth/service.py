"""Auth's use cases: one method each, raising domain errors the routes render."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from bson import ObjectId

from zombilet_auth.models import RESET_TOKEN_TYPE, ResetToken, User, token_hash
from zombilet_auth.passwords import hash_password, verify_password
from zombilet_auth.repository import EmailTaken, ResetTokenRepository, UserRepository
from zombilet_common.errors import BadRequestError, NotAuthorizedError, NotFoundError
from zombilet_common.events import (
    ResetToken as ResetTokenPayload,
)
from zombilet_common.events import (
    UserChangedPasswordEvent,
    UserForgotPasswordEvent,
    UserSignedInEvent,
    UserSignedUpEvent,
)
from zombilet_common.outbox import pending
from zombilet_common.versioning import VersionConflict

PASSWORD_CHANGE_TRIES = 5


class EmailInUse(BadRequestError):
    message = "E-mail in use!"


class InvalidCredentials(BadRequestError):
    message = "Invalid Credentials!"


class TokenExpired(NotAuthorizedError):
    message = "Token has expired."


class AuthService:
    def __init__(
        self,
        users: UserRepository,
        tokens: ResetTokenRepository,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._now = clock

    async def sign_up(self, email: str, password: str) -> User:
        if await self._users.by_email(email) is not None:
            raise EmailInUse()
        user = User(
            id=str(ObjectId()), email=email, password_hash=await hash_password(password), version=0
        )
        event = UserSignedUpEvent(id=user.id, email=user.email, version=0)
        try:
            await self._users.insert(user, pending(event, event.message_id()))
        except EmailTaken:
            # A concurrent signup with the same address won the unique index.
            raise EmailInUse() from None
        return user

    async def sign_in(self, email: str, password: str) -> User:
        user = await self._users.by_email(email)
        if not await verify_password(password, user.password_hash if user else None):
            raise InvalidCredentials()
        assert user is not None  # verify_password is False without a stored hash
        event = UserSignedInEvent(id=user.id, version=user.version)
        await self._users.record(user, pending(event, event.message_id(uuid.uuid4().hex)))
        return user

    async def forgot_password(self, email: str) -> None:
        """Create a reset token for a known address; an unknown one gets the same silence."""
        user = await self._users.by_email(email)
        if user is None:
            return
        token, plain = ResetToken.new(user.id, self._now())
        event = UserForgotPasswordEvent(
            id=user.id,
            version=user.version,
            token=ResetTokenPayload(
                value=plain, type=RESET_TOKEN_TYPE, expires_at=token.expires_at
            ),
        )
        await self._tokens.insert(token, pending(event, event.message_id(uuid.uuid4().hex)))

    async def validate_token(self, plain: str, type_: str) -> None:
        token = await self._tokens.find(token_hash(plain), type_)
        if token is None:
            raise NotFoundError()
        if token.expires_at <= self._now():
            raise TokenExpired()

    async def reset_password(self, plain: str, type_: str, new_password: str) -> None:
        token = await self._tokens.take(token_hash(plain), type_)
        if token is None:
            raise NotFoundError()
        if token.expires_at <= self._now():
            raise TokenExpired()
        password_hash = await hash_password(new_password)
        for attempt in range(1, PASSWORD_CHANGE_TRIES + 1):
            user = await self._users.by_id(token.user_id)
            if user is None:
                raise NotAuthorizedError()
            event = UserChangedPasswordEvent(id=user.id, version=user.version + 1)
            try:
                await self._users.change_password(
                    user, password_hash, pending(event, event.message_id())
                )
                break
            except VersionConflict:
                # Another reset of the same user wrote first: apply ours on top of it.
                if attempt == PASSWORD_CHANGE_TRIES:
                    raise
        await self._tokens.delete_for_user(token.user_id)
