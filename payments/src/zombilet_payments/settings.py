"""Payments' settings, read from the environment at start."""

import re
from typing import Annotated, ClassVar

from pydantic import BeforeValidator

from zombilet_common.settings import (
    HttpUrl,
    JwtKey,
    MongoUri,
    NatsUrl,
    PositiveInt,
    ServiceSettings,
)

_CURRENCY = re.compile(r"[a-z]{3}")


def _currency(value: object) -> object:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.strip().lower()):
        raise ValueError("expected a three-letter ISO 4217 currency code, e.g. gbp")
    return value.strip().lower()


Currency = Annotated[str, BeforeValidator(_currency)]


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "payments"

    mongo_uri: MongoUri
    nats_url: NatsUrl
    jwt_key: JwtKey
    # Unset: the offline gateway that honours Stripe's test tokens (SPEC.md §7.3).
    stripe_key: str | None = None
    stripe_currency: Currency = "gbp"
    # Where the Stripe library sends its requests; unset means api.stripe.com. The local stack
    # and tests point it at a stand-in server.
    stripe_api_base: HttpUrl | None = None
    # How long a charge claim protects a request that may have died mid-charge; longer than
    # a charge can take. The buyer's retry after a crash waits this long at most.
    payment_claim_seconds: PositiveInt = 120
