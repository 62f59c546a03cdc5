"""Who is asking: the visitor's API access and signed-in user, fetched once per page."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from zombilet_client.api import Api


@dataclass(frozen=True)
class User:
    id: str
    email: str


@dataclass
class Visitor:
    """One request's visitor; `set_cookies` collects auth's cookies for the page to relay."""

    api: Api
    user: User | None
    set_cookies: list[str] = field(default_factory=list)

    def require_user(self, next_path: str) -> User:
        """The signed-in user, or SignInRequiredError sending the visitor to sign in."""
        if self.user is None:
            raise SignInRequiredError(next_path)
        return self.user


class SignInRequiredError(Exception):
    """A signed-out visitor asked for a page that needs a user."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.location = "/auth/signin?" + urlencode({"next": next_path})


def safe_next(value: str | None) -> str:
    """`value` when it is a path on this site, else `/`: sign-in never sends anyone away."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    # Browsers read a backslash as a slash and drop tabs and newlines: "/\\host" is "//host".
    if "\\" in value or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return "/"
    return value


def _user(body: Any) -> User | None:
    current = body.get("currentUser") if isinstance(body, dict) else None
    if isinstance(current, dict) and isinstance(current.get("id"), str):
        return User(id=current["id"], email=str(current.get("email", "")))
    return None


async def visitor(request: Request) -> Visitor:
    """FastAPI dependency: the visitor, signed out when the current user cannot be known."""
    api = Api(request.app.state.http, request)
    answer = await api.get("/api/users/currentuser")
    found = _user(answer.body) if answer.ok else None
    request.state.user = found
    return Visitor(api=api, user=found)
