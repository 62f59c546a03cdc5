"""Auth's use cases: one method each, raising domain errors the routes render."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from zombilet_auth.models import User, token_hash
from zombilet_auth.passwords import Passwords
from zombilet_auth.repository import EmailTaken, ResetTokenRepository, UserRepository
from zombilet_common.errors import (
    BadRequestError,
    ConflictError,
    NotAuthorizedError,
    NotFoundError,
)
from zombilet_common.versioning import retry_on_conflict

log = logging.getLogger(__name__)

PASSWORD_CHANGE_TRIES = 5


class EmailInUse(BadRequestError):
    message = "E-mail in use!"


class InvalidCredentials(BadRequestError):
    message = "Invalid Credentials!"


class TokenExpired(NotAuthorizedError):
    message = "Token has expired."


class AccountChanged(ConflictError):
    message = "The account was changed by another request. Please try again."


class AuthService:
    def __init__(
        self,
        users: UserRepository,
        tokens: ResetTokenRepository,
        passwords: Passwords,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._users = users
        self._tokens = tokens
        self.passwords = passwords
        self._now = clock

    async def sign_up(self, email: str, password: str) -> User:
        if await self._users.by_email(email) is not None:
            raise EmailInUse()
        user, event = User.sign_up(email, await self.passwords.hash(password))
        try:
            await self._users.insert(user, event)
        except EmailTaken:
            # A concurrent signup with the same address won the unique index.
            raise EmailInUse() from None
        return user

    async def sign_in(self, email: str, password: str) -> User:
        user = await self._users.by_email(email)
        matches, upgraded = await self.passwords.verify(
            password, user.password_hash if user else None
        )
        if not matches:
            raise InvalidCredentials()
        assert user is not None  # no stored hash never matches
        if upgraded is not None:
            await self._upgrade(user, upgraded)
        await self._users.record(user, user.sign_in())
        return user

    async def forgot_password(self, email: str) -> None:
        """Create a reset token for a known address; an unknown one gets the same silence."""
        user = await self._users.by_email(email)
        if user is None:
            return
        await self._tokens.insert(*user.forgot_password(self._now()))

    async def validate_token(self, plain: str, type_: str) -> None:
        token = await self._tokens.find(token_hash(plain), type_)
        if token is None:
            raise NotFoundError()
        if token.expires_at <= self._now():
            raise TokenExpired()

    async def reset_password(self, plain: str, type_: str, new_password: str) -> None:
        # Taken in one step, so that of concurrent resets with one token exactly one proceeds;
        # put back if the change is not stored, so that a failure does not spend the token.
        token = await self._tokens.take(token_hash(plain), type_)
        if token is None:
            raise NotFoundError()
        if token.expires_at <= self._now():
            raise TokenExpired()
        password_hash = await self.passwords.hash(new_password)

        async def attempt() -> None:
            # Another reset of the same user that wrote first makes us apply ours on top of it.
            read = await self._users.by_id(token.user_id)
            if read is None:
                raise NotAuthorizedError()
            await self._users.change_password(read, *read.change_password(password_hash))

        try:
            await retry_on_conflict(
                attempt, tries=PASSWORD_CHANGE_TRIES, exhausted=AccountChanged()
            )
        except NotAuthorizedError:
            raise  # the user is gone, and with it any use of the token
        except Exception:
            await self._tokens.restore(token)
            raise
        await self._tokens.delete_for_user(token.user_id)

    async def _upgrade(self, user: User, password_hash: str) -> None:
        """Store the current kind of hash of a password just checked against an older one."""
        try:
            await self._users.upgrade_hash(user, password_hash)
        except Exception:
            # The sign-in stands; the next one tries again.
            log.warning("password hash not upgraded", extra={"user_id": user.id}, exc_info=True)
