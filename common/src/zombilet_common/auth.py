"""The session (SPEC 3): an HS256 JWT in the `session` cookie, verified by every service alone."""

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from jwt.api_jws import PyJWS
from starlette.requests import HTTPConnection

from zombilet_common.errors import NotAuthorizedError

SESSION_COOKIE = "session"
ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 4096

_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_USER_ID = re.compile(r"[0-9a-fA-F]{24}")
_EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a valid session belongs to."""

    id: str
    email: str


# Settings refuse a JWT_KEY under 32 bytes at start; PyJWT refuses one here too, should a
# key reach it some other way.
_jws = PyJWS(algorithms=[ALGORITHM], options={"enforce_minimum_key_length": True})


def issue_token(user: SessionUser, key: str, ttl_seconds: int, now: datetime | None = None) -> str:
    """A compact HS256 JWT with claims `id`, `email`, `iat` and `exp = iat + ttl_seconds`."""
    issued_at = int((now or datetime.now(UTC)).timestamp())
    claims = {"id": user.id, "email": user.email, "iat": issued_at, "exp": issued_at + ttl_seconds}
    payload = json.dumps(claims, separators=(",", ":")).encode()
    return _jws.encode(payload, key, algorithm=ALGORITHM, headers={"typ": "JWT"})


def verify_token(token: str | None, key: str, now: datetime | None = None) -> SessionUser | None:
    """The session's user, or None for any token that is not a valid, unexpired session."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    if _COMPACT_JWS.fullmatch(token) is None:
        return None
    try:
        if _jws.get_unverified_header(token).get("alg") != ALGORITHM:
            return None
        claims = json.loads(_jws.decode(token, key, algorithms=[ALGORITHM]))
    # The token is whatever a client sent: any failure to read it means signed out.
    except Exception:
        return None
    return _session_user(claims, (now or datetime.now(UTC)).timestamp())


def _session_user(claims: Any, now: float) -> SessionUser | None:
    if not isinstance(claims, dict):
        return None
    exp, user_id, email = claims.get("exp"), claims.get("id"), claims.get("email")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    # An integer past a double's range (10**400) would overflow isfinite(): compare it as is.
    if (isinstance(exp, float) and not math.isfinite(exp)) or exp <= now:
        return None
    if not isinstance(user_id, str) or _USER_ID.fullmatch(user_id) is None:
        return None
    if not isinstance(email, str):
        return None
    return SessionUser(id=user_id.lower(), email=email)


def session_cookie(connection: HTTPConnection) -> str | None:
    """The value of the first `session` cookie sent, as SPEC 3 counts only that one."""
    # Starlette's parsed cookies keep the last duplicate, so the raw header is read.
    for header in connection.headers.getlist("cookie"):
        for pair in header.split(";"):
            name, sep, value = pair.partition("=")
            if sep and name.strip() == SESSION_COOKIE:
                return value.strip()
    return None


def set_session_cookie(response: Response, token: str, ttl_seconds: int, secure: bool) -> None:
    """Add the `Set-Cookie` that signs the browser in."""
    cookie = f"{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl_seconds}"
    response.headers.append("set-cookie", cookie + ("; Secure" if secure else ""))


def clear_session_cookie(response: Response, secure: bool) -> None:
    """Add the `Set-Cookie` that removes the browser's session."""
    cookie = f"{SESSION_COOKIE}=; Path=/; Max-Age=0; Expires={_EPOCH}; HttpOnly; SameSite=Lax"
    response.headers.append("set-cookie", cookie + ("; Secure" if secure else ""))


async def current_user(request: Request) -> SessionUser | None:
    """Dependency: the signed-in user, or None; the key is `request.app.state.jwt_key`."""
    key: str = request.app.state.jwt_key
    return verify_token(session_cookie(request), key)


async def require_user(request: Request) -> SessionUser:
    """Dependency: the signed-in user, else 401 "Not authorized"."""
    user = await current_user(request)
    if user is None:
        raise NotAuthorizedError()
    return user


OptionalUser = Annotated[SessionUser | None, Depends(current_user)]
CurrentUser = Annotated[SessionUser, Depends(require_user)]
