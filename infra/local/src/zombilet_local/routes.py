"""The edge's route table (`infra/routes.toml`), read once into typed values.

The local Envoy config and the Kubernetes HTTPRoutes are both derived from this, so a route is
added or changed in one place.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The workspace installs this package in place, so the table is found beside it in the checkout.
ROUTES_FILE = Path(__file__).resolve().parents[3] / "routes.toml"


class RouteTableError(ValueError):
    """The table does not have the shape described in routes.toml's header."""


@dataclass(frozen=True)
class ApiRoute:
    """A path prefix served by one service; it owns itself and what follows a "/"."""

    prefix: str
    service: str

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


@dataclass(frozen=True)
class RateLimit:
    """Requests per minute per client address on `paths`; `setting` overrides `per_minute`."""

    setting: str
    per_minute: int
    paths: tuple[str, ...]


@dataclass(frozen=True)
class RouteTable:
    api: tuple[ApiRoute, ...]
    site: str
    rate_limit: RateLimit

    @property
    def services(self) -> tuple[str, ...]:
        """Every service the edge routes to, API services first, in the table's order."""
        return (*(route.service for route in self.api), self.site)

    def route(self, path: str) -> str | None:
        """The service that serves `path`; None for an `/api` path that no service owns."""
        for api_route in self.api:
            if api_route.owns(path):
                return api_route.service
        if path == "/api" or path.startswith("/api/"):
            return None
        return self.site


def load_routes(path: Path = ROUTES_FILE) -> RouteTable:
    """The table in `path`; RouteTableError names what is wrong with it."""
    try:
        raw = tomllib.loads(path.read_text())
        return RouteTable(
            api=tuple(_api_route(entry) for entry in raw["api"]),
            site=_text(raw["site"]["service"]),
            rate_limit=RateLimit(
                setting=_text(raw["rate_limit"]["setting"]),
                per_minute=_count(raw["rate_limit"]["per_minute"]),
                paths=tuple(_path(item) for item in raw["rate_limit"]["paths"]),
            ),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise RouteTableError(f"{path}: {exc!r}") from exc


def _api_route(entry: Any) -> ApiRoute:
    prefix = _path(entry["prefix"])
    if not prefix.startswith("/api/") or prefix.endswith("/"):
        raise RouteTableError(f"an API prefix is /api/<name> without a trailing /: {prefix!r}")
    return ApiRoute(prefix=prefix, service=_text(entry["service"]))


def _path(value: Any) -> str:
    text = _text(value)
    if not text.startswith("/"):
        raise RouteTableError(f"a path starts with /: {text!r}")
    return text


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise RouteTableError(f"expected a non-empty string, got {value!r}")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RouteTableError(f"expected a whole number >= 0, got {value!r}")
    return value
