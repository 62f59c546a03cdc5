"""Contact's settings, read from the environment at start (SPEC.md §13)."""

from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, model_validator

from zombilet_common.settings import (
    HttpUrl,
    MissingSettingError,
    MongoUri,
    NatsUrl,
    ServiceSettings,
)

DEFAULT_FROM = "no-reply@zombilet.com"
SENDGRID_API = "https://api.sendgrid.com"


def _address(value: object) -> object:
    if isinstance(value, str) and "@" not in value.strip():
        raise ValueError("expected an e-mail address")
    return value.strip() if isinstance(value, str) else value


Address = Annotated[str, BeforeValidator(_address)]


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "contact"

    mongo_uri: MongoUri
    nats_url: NatsUrl
    sendgrid_key: str | None = None
    # Required with SENDGRID_KEY; without it, the From of the .eml files.
    sendgrid_email: Address | None = None
    # Not in SPEC.md: where the SendGrid client sends, so tests and the local stack can point
    # the real library at a stand-in.
    sendgrid_host: HttpUrl = SENDGRID_API
    public_url: HttpUrl = "http://localhost:8080"
    mail_outbox_dir: Path = Path("./mail-outbox")

    @model_validator(mode="after")
    def _sender_address_is_given(self) -> "Settings":
        if self.sendgrid_key is not None and self.sendgrid_email is None:
            raise MissingSettingError("SENDGRID_EMAIL")
        return self

    @property
    def from_email(self) -> str:
        return self.sendgrid_email or DEFAULT_FROM
