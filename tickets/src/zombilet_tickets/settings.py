"""Tickets' settings, read from the environment at start."""

from typing import ClassVar

from zombilet_common.settings import JwtKey, MongoUri, NatsUrl, ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "tickets"

    mongo_uri: MongoUri
    nats_url: NatsUrl
    jwt_key: JwtKey
