"""The facts of one delivery that a handler may need besides the payload."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from zombilet_common.headers import MESSAGE_ID, REQUEST_ID


class Message(Protocol):
    """The part of a JetStream message the listener uses (nats-py's `Msg` and the test double)."""

    subject: str
    data: bytes
    headers: dict[str, str] | None

    @property
    def metadata(self) -> Any: ...

    async def ack(self) -> None: ...

    async def nak(self, delay: float | None = None) -> None: ...

    async def term(self) -> None: ...

    async def in_progress(self) -> None: ...


@dataclass(frozen=True)
class Delivery:
    subject: str
    msg_id: str
    num_delivered: int
    published_at: datetime
    stream_sequence: int
    request_id: str | None

    @classmethod
    def of(cls, msg: Message) -> "Delivery":
        meta = msg.metadata
        headers = msg.headers or {}
        return cls(
            subject=msg.subject,
            msg_id=headers.get(MESSAGE_ID, ""),
            num_delivered=meta.num_delivered,
            published_at=meta.timestamp,
            stream_sequence=meta.sequence.stream,
            request_id=headers.get(REQUEST_ID),
        )
