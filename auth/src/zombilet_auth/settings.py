"""Auth's settings, read from the environment at start."""

from typing import ClassVar

from pydantic import model_validator

from zombilet_auth.passwords import MIN_MEMORY_KIB, HashCost
from zombilet_common.settings import (
    Bool,
    InvalidSettingError,
    JwtKey,
    MongoUri,
    NatsUrl,
    PositiveInt,
    ServiceSettings,
)

PRODUCTION_COST = HashCost()


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "auth"

    mongo_uri: MongoUri
    nats_url: NatsUrl
    jwt_key: JwtKey
    jwt_ttl_seconds: PositiveInt = 86400
    cookie_secure: Bool = False
    # Argon2id's cost; left unset in every deployment. Test suites lower it explicitly.
    password_hash_time_cost: PositiveInt = PRODUCTION_COST.time_cost
    password_hash_memory_kib: PositiveInt = PRODUCTION_COST.memory_kib

    @model_validator(mode="after")
    def memory_fits_argon2(self) -> "Settings":
        if self.password_hash_memory_kib < MIN_MEMORY_KIB:
            raise InvalidSettingError(
                "PASSWORD_HASH_MEMORY_KIB", f"expected at least {MIN_MEMORY_KIB} (kibibytes)"
            )
        return self

    @property
    def hash_cost(self) -> HashCost:
        return HashCost(
            time_cost=self.password_hash_time_cost, memory_kib=self.password_hash_memory_kib
        )
