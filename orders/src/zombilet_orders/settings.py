"""Orders' settings, read from the environment at start."""

from typing import ClassVar

from zombilet_common.settings import PositiveInt, ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "orders"

    mongo_uri: str
    nats_url: str
    jwt_key: str
    expiration_window_seconds: PositiveInt = 60
