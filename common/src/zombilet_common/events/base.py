"""The base of every event payload: camelCase on the wire, snake_case in Python."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
)
from pydantic.alias_generators import to_camel

from zombilet_common.events.subjects import Subject

ObjectIdStr = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")]
"""A MongoDB ObjectId as 24 lower-case hex characters."""


def format_time(value: datetime) -> str:
    """ISO 8601 UTC with milliseconds and `Z`, e.g. `2025-03-01T12:00:05.123Z`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _zoned_on_the_wire(value: datetime, info: ValidationInfo) -> datetime:
    # A time read off the wire without its zone could only be guessed at, and a naive time
    # cannot be compared with the service's clock; in Python a naive time is taken as UTC.
    if info.mode == "json" and value.tzinfo is None:
        raise ValueError("a time zone is required")
    return value


UtcTime = Annotated[
    datetime,
    AfterValidator(_zoned_on_the_wire),
    PlainSerializer(format_time, return_type=str),
]
"""A time written as SPEC.md's ISO form; read off the wire only with its time zone."""


class WireModel(BaseModel):
    """A JSON shape with camelCase keys on the wire and snake_case attributes."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        frozen=True,
        extra="ignore",
    )


class Event(WireModel):
    """One event payload; the class carries its subject."""

    subject: ClassVar[Subject]
    # Sign-in and forgot-password change no version: each occurrence has an id of its own.
    per_occurrence: ClassVar[bool] = False

    def message_id(self, event_id: str | None = None) -> str:
        """`<subject>:<id>:<version>`, or `<subject>:<id>:<eventId>` for an event that changes
        no version (sign-in, forgot-password), as SPEC.md §8.2 gives them."""
        entity = getattr(self, "id")  # noqa: B009 - every versioned payload has one
        suffix = event_id if event_id is not None else getattr(self, "version")  # noqa: B009
        return f"{self.subject.value}:{entity}:{suffix}"

    def new_message_id(self) -> str:
        """The message id of this event as a write records it: stable for a versioned event,
        fresh for one that happens again at the same version."""
        return self.message_id(uuid.uuid4().hex if self.per_occurrence else None)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Event":
        """Parse a message body; keys are read by their camelCase wire names only, and values
        strictly: `"3"` or `true` is no version, `"16"` no price."""
        return cls.model_validate_json(data, strict=True, by_alias=True, by_name=False)
