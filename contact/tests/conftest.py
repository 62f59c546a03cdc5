from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from mongomock_motor import AsyncMongoMockClient

from zombilet_common.bus import Listener
from zombilet_common.events import Event, Subject
from zombilet_common.standins.sendgrid import SendGridStandIn
from zombilet_common.testing.harness import Clock
from zombilet_common.testing.messages import FakeMessage
from zombilet_contact.main import SERVICE, build_sender, build_service
from zombilet_contact.senders import Mail, Sender
from zombilet_contact.senders.eml import EmlFileSender
from zombilet_contact.senders.sendgrid_api import SendGridSender
from zombilet_contact.settings import Settings

PUBLIC_URL = "https://zombilet.test"


@dataclass
class Received:
    """One `.eml` file of the outbox, parsed back."""

    path: Path
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return str(self.message.get_content()).replace("\r\n", "\n")


def read_outbox(directory: Path) -> list[Received]:
    """Every mail in `directory`, oldest first (file names start with the time)."""
    parser = BytesParser(policy=policy.default)
    return [
        Received(path, parser.parsebytes(path.read_bytes()))  # type: ignore[arg-type]
        for path in sorted(directory.glob("*.eml"))
    ]


@dataclass
class ScriptedSender:
    """The `.eml` sender, preceded by the failures a test queues: each send pops one."""

    inner: EmlFileSender
    failures: list[Exception] = field(default_factory=list)
    attempts: list[Mail] = field(default_factory=list)

    async def send(self, mail: Mail) -> None:
        self.attempts.append(mail)
        if self.failures:
            raise self.failures.pop(0)
        await self.inner.send(mail)


@dataclass
class Contact:
    """Contact's listeners over the in-process database double, mailing into a tmp outbox."""

    db: Any
    outbox: Path
    sender: Any
    listeners: dict[Subject, Listener[Any]]
    settings: Settings
    clock: Clock

    async def deliver(
        self,
        event: Event,
        msg_id: str,
        *,
        num_delivered: int = 1,
        published_at: datetime | None = None,
    ) -> FakeMessage:
        """Hand one delivery of `event` to its listener; the message records the answer."""
        msg = FakeMessage.of(
            event,
            msg_id=msg_id,
            num_delivered=num_delivered,
            timestamp=published_at or self.clock(),
        )
        await self.listeners[event.subject].handle(msg)
        return msg

    async def add_user(self, email: str, *, version: int = 0) -> str:
        """A user replica in place, as an earlier `user.signed-up` would have left it."""
        user_id = str(ObjectId())
        await self.db.user_replicas.insert_one(
            {"_id": ObjectId(user_id), "email": email, "version": version}
        )
        return user_id

    def mails(self) -> list[Received]:
        return read_outbox(self.outbox)

    async def log(self) -> list[dict[str, Any]]:
        return [doc async for doc in self.db.deliveries.find({}, {"_id": 0})]


@pytest.fixture
def outbox_mails() -> Callable[[Path], list[Received]]:
    """Reads an outbox folder back: every `.eml` file, parsed, oldest first."""
    return read_outbox


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mongo_uri": "mongodb://127.0.0.1:1/contact",
        "nats_url": "nats://127.0.0.1:1",
        "public_url": PUBLIC_URL,
        # Explicit, so a key exported in the developer's shell never reaches real SendGrid.
        "sendgrid_key": None,
        **overrides,
    }
    return Settings(**values)


async def _contact(settings: Settings, sender: Sender) -> Contact:
    db = AsyncMongoMockClient(tz_aware=True)["contact"]
    clock = Clock()
    service = await build_service(db, sender, settings, clock=clock)
    listeners = {
        listener.payload.subject: listener for listener in SERVICE.build_listeners(service)
    }
    return Contact(db, settings.mail_outbox_dir, sender, listeners, settings, clock)


@pytest.fixture
async def contact(tmp_path: Path) -> Contact:
    """Mails become `.eml` files in a tmp outbox, after any failure a test queues."""
    settings = make_settings(mail_outbox_dir=tmp_path / "outbox")
    sender = ScriptedSender(EmlFileSender(settings.mail_outbox_dir, sender=settings.from_email))
    return await _contact(settings, sender)


@pytest.fixture
async def sendgrid_contact(tmp_path: Path, sendgrid_standin: SendGridStandIn) -> Contact:
    """With SENDGRID_KEY, mails go through the real SendGrid library to the local stand-in."""
    settings = make_settings(
        mail_outbox_dir=tmp_path / "outbox",
        sendgrid_key="SG.stand-in-key",
        sendgrid_email="tickets@zombilet.test",
        sendgrid_host=sendgrid_standin.host,
    )
    return await _contact(settings, build_sender(settings))


@pytest.fixture
async def impatient_sendgrid_contact(tmp_path: Path, sendgrid_standin: SendGridStandIn) -> Contact:
    """As `sendgrid_contact`, giving up on SendGrid's answer after 0.3 s."""
    settings = make_settings(mail_outbox_dir=tmp_path / "outbox")
    sender = SendGridSender(
        "SG.stand-in-key", from_email=settings.from_email, host=sendgrid_standin.host, timeout=0.3
    )
    return await _contact(settings, sender)


@pytest.fixture
async def sendgrid_standin() -> AsyncIterator[SendGridStandIn]:
    """A SendGrid stand-in served on a free port for this test."""
    async with SendGridStandIn().running() as standin:
        yield standin
