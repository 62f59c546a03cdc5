"""Tickets' settings, read from the environment at start."""

from typing import ClassVar

from zombilet_common.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "tickets"

    mongo_uri: str
    nats_url: str
    jwt_key: str
