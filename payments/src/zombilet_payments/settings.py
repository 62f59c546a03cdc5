"""Payments' settings, read from the environment at start."""

import re
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, model_validator

from zombilet_common.settings import (
    HttpUrl,
    JwtKey,
    MissingSettingError,
    MongoUri,
    NatsUrl,
    PositiveInt,
    ServiceSettings,
)
from zombilet_payments.repository import CLAIM_TTL_MS

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
    # Unset: the offline gateway that honours Stripe's test payment methods (SPEC.md §7.5).
    stripe_key: str | None = None
    # The webhook endpoint's signing secret; required with STRIPE_KEY.
    stripe_webhook_secret: str | None = None
    stripe_currency: Currency = "gbp"
    # Where the Stripe library sends its requests; unset means api.stripe.com. The local stack
    # and tests point it at a stand-in server.
    stripe_api_base: HttpUrl | None = None
    # How long a charge claim protects a request that may have died mid-charge; longer than
    # a charge can take. The buyer's retry after a crash waits this long at most.
    payment_claim_seconds: PositiveInt = CLAIM_TTL_MS // 1000
    # The site the buyer comes back to after authenticating: PUBLIC_URL/orders/<orderId>.
    public_url: HttpUrl = "http://localhost:8080"

    @model_validator(mode="after")
    def _webhook_secret_comes_with_the_key(self) -> "Settings":
        if self.stripe_key is not None and self.stripe_webhook_secret is None:
            raise MissingSettingError("STRIPE_WEBHOOK_SECRET")
        return self
