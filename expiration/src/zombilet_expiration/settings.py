"""Expiration's settings, read from the environment at start."""

import re
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, model_validator

from zombilet_common.settings import (
    InvalidSettingError,
    MissingSettingError,
    NatsUrl,
    ServiceSettings,
)

_REDIS_URL = re.compile(r"(redis|rediss|unix)://\S+")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
MAX_POLL_DELAY = 5.0


def _poll_delay(value: object) -> object:
    text = str(value).strip()
    if _NUMBER.fullmatch(text) and 0 < float(text) <= MAX_POLL_DELAY:
        return float(text)
    raise ValueError(f"expected a number of seconds above 0 and at most {MAX_POLL_DELAY:g}")


PollDelay = Annotated[float, BeforeValidator(_poll_delay)]


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "expiration"

    nats_url: NatsUrl
    # REDIS_URL, or REDIS_HOST standing for redis://<host>:6379/0 (SPEC.md §13).
    redis_url: str | None = None
    redis_host: str | None = None
    # Not in SPEC.md: the Redis sorted set holding the jobs, so that two deployments (or two
    # tests) can share one Redis; and how often the worker looks for due jobs.
    expiration_queue: str = "zombilet:expiration"
    expiration_poll_delay_seconds: PollDelay = 0.1

    @model_validator(mode="after")
    def _redis(self) -> "Settings":
        if not self.redis_url:
            if not self.redis_host:
                raise MissingSettingError("REDIS_URL")
            self.redis_url = f"redis://{self.redis_host.strip()}:6379/0"
        if not _REDIS_URL.fullmatch(self.redis_url.strip()):
            raise InvalidSettingError("REDIS_URL", "expected a redis://, rediss:// or unix:// URL")
        return self

    @property
    def redis_dsn(self) -> str:
        """Where Redis is, whichever variable said it."""
        assert self.redis_url is not None  # the validator filled it
        return self.redis_url.strip()
