"""The client's settings, read from the environment at start."""

from typing import Annotated, ClassVar

from pydantic import BeforeValidator

from zombilet_common.settings import HttpUrl, ServiceSettings


def _parse_publishable_key(value: object) -> object:
    if isinstance(value, str) and not value.strip().startswith("pk_"):
        raise ValueError("expected a Stripe publishable key (pk_...)")
    return value.strip() if isinstance(value, str) else value


PublishableKey = Annotated[str, BeforeValidator(_parse_publishable_key)]


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "client"

    api_base_url: HttpUrl = "http://localhost:8080"
    stripe_publishable_key: PublishableKey | None = None
