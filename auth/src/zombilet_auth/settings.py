"""Auth's settings, read from the environment at start."""

from typing import ClassVar

from zombilet_common.settings import Bool, JwtKey, MongoUri, NatsUrl, PositiveInt, ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "auth"

    mongo_uri: MongoUri
    nats_url: NatsUrl
    jwt_key: JwtKey
    jwt_ttl_seconds: PositiveInt = 86400
    cookie_secure: Bool = False
