"""Auth's use cases: one method each, raising domain errors the routes render."""

from collections.abc import Callable
from datetime import UTC, datetime

from zombilet_auth.models import User, token_hash
from zombilet_auth.passwords import hash_password, verify_password
from zombilet_auth.repository import EmailTaken, ResetTokenRepository, UserRepository
from zombilet_common.errors import (
    BadRequestError,
    ConflictError,
    NotAuthorizedError,
    NotFoundError,
)
from zombilet_common.versioning import retry_on_conflict

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
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._now = clock

    async def sign_up(self, email: str, password: str) -> User:
        if await self._users.by_email(email) is not None:
            raise EmailInUse()
        user, event = User.sign_up(email, await hash_password(password))
        try:
            await self._users.insert(user, event)
        except EmailTaken:
            # A concurrent signup with the same address won the unique index.
            raise EmailInUse() from None
        return user

    async def sign_in(self, email: str, password: str) -> User:
        user = await self._users.by_email(email)
        if not await verify_password(password, user.password_hash if user else None):
            raise InvalidCredentials()
        assert user is not None  # verify_password is False without a stored hash
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
        password_hash = await hash_password(new_password)

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
