"""The client's settings, read from the environment at start."""

from typing import Annotated, ClassVar
from urllib.parse import urlsplit

from pydantic import BeforeValidator

from zombilet_common.settings import ServiceSettings


def _parse_base_url(value: object) -> object:
    if not isinstance(value, str):
        return value
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - reading it checks that the port is a number
    except ValueError:
        raise ValueError(f"bad port in {url}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected http://host[:port] or https://host[:port]")
    return url


def _parse_publishable_key(value: object) -> object:
    if isinstance(value, str) and not value.strip().startswith("pk_"):
        raise ValueError("expected a Stripe publishable key (pk_...)")
    return value.strip() if isinstance(value, str) else value


BaseUrl = Annotated[str, BeforeValidator(_parse_base_url)]
PublishableKey = Annotated[str, BeforeValidator(_parse_publishable_key)]


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "client"

    api_base_url: BaseUrl = "http://localhost:8080"
    stripe_publishable_key: PublishableKey | None = None
