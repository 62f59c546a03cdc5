"""Orders' settings, read from the environment at start."""

from typing import ClassVar

from zombilet_common.settings import JwtKey, MongoUri, NatsUrl, PositiveInt, ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "orders"

    mongo_uri: MongoUri
    nats_url: NatsUrl
    jwt_key: JwtKey
    expiration_window_seconds: PositiveInt = 60
