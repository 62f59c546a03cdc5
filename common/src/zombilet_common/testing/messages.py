"""In-process doubles for unit tests: a JetStream message that records its answer, a publisher
that records what it was asked to publish."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from zombilet_common.events.base import Event
from zombilet_common.headers import MESSAGE_ID

Answer = Literal["ack", "nak", "term"]


@dataclass(frozen=True)
class _Sequence:
    consumer: int
    stream: int


@dataclass(frozen=True)
class FakeMetadata:
    num_delivered: int
    timestamp: datetime
    sequence: _Sequence
    stream: str = "TEST"
    consumer: str = "test"


@dataclass
class FakeMessage:
    """A message as a listener sees it; `answers` records ack / nak / term in order."""

    subject: str
    data: bytes
    headers: dict[str, str] | None = None
    num_delivered: int = 1
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    answers: list[Answer] = field(default_factory=list)
    nak_delays: list[float | None] = field(default_factory=list)
    progress: int = 0
    """How often the listener said it is still working on the message."""

    @classmethod
    def of(
        cls,
        event: Event,
        *,
        msg_id: str | None = None,
        num_delivered: int = 1,
        timestamp: datetime | None = None,
    ) -> "FakeMessage":
        return cls(
            subject=event.subject.value,
            data=event.to_bytes(),
            headers={MESSAGE_ID: msg_id or event.message_id()},
            num_delivered=num_delivered,
            timestamp=timestamp or datetime.now(UTC),
        )

    @property
    def metadata(self) -> FakeMetadata:
        return FakeMetadata(
            num_delivered=self.num_delivered,
            timestamp=self.timestamp,
            sequence=_Sequence(consumer=self.num_delivered, stream=1),
        )

    @property
    def answer(self) -> Answer | None:
        return self.answers[-1] if self.answers else None

    async def ack(self) -> None:
        self.answers.append("ack")

    async def nak(self, delay: float | None = None) -> None:
        self.answers.append("nak")
        self.nak_delays.append(delay)

    async def term(self) -> None:
        self.answers.append("term")

    async def in_progress(self) -> None:
        self.progress += 1


@dataclass
class RecordingPublisher:
    """Stands in for `Publisher`: keeps (subject, msg id, payload bytes) instead of sending."""

    published: list[tuple[str, str, bytes]] = field(default_factory=list)

    async def publish(self, event: Event, *, msg_id: str) -> None:
        self.published.append((event.subject.value, msg_id, event.to_bytes()))

    async def publish_raw(
        self, subject: str, data: bytes, *, msg_id: str, headers: dict[str, str] | None = None
    ) -> None:
        self.published.append((subject, msg_id, data))

    def subjects(self) -> list[str]:
        return [subject for subject, _, _ in self.published]

    def kept(self, subject: str) -> list[tuple[str, str, bytes]]:
        """What JetStream would keep on `subject`: each message id once, first publish first."""
        unique: dict[str, tuple[str, str, bytes]] = {}
        for published in self.published:
            if published[0] == subject:
                unique.setdefault(published[1], published)
        return list(unique.values())
