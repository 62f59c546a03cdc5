"""Contact's composition root: create_app(settings) wires everything; run() serves it."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.mongo import Document
from zombilet_common.runtime import Runtime
from zombilet_contact.events.listeners import LISTENERS
from zombilet_contact.letters import Letters
from zombilet_contact.repository import DeliveryLog, UserReplicaRepository
from zombilet_contact.senders import Sender
from zombilet_contact.senders.eml import EmlFileSender
from zombilet_contact.senders.sendgrid_api import SendGridSender
from zombilet_contact.service import ContactService
from zombilet_contact.settings import Settings

SERVICE = ServiceDeclaration(Settings, listeners=LISTENERS)


def build_sender(settings: Settings) -> Sender:
    """SendGrid with SENDGRID_KEY, else the `.eml` outbox (SPEC.md §10.2)."""
    if settings.sendgrid_key:
        return SendGridSender(
            settings.sendgrid_key, from_email=settings.from_email, host=settings.sendgrid_host
        )
    settings.mail_outbox_dir.mkdir(parents=True, exist_ok=True)
    return EmlFileSender(settings.mail_outbox_dir, sender=settings.from_email)


async def build_service(
    db: AsyncDatabase[Document],
    sender: Sender,
    settings: Settings,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ContactService:
    """Repositories over `db`, indexes made sure of, mails through `sender`."""
    deliveries = DeliveryLog(db)
    await deliveries.ensure_indexes()
    letters = Letters(settings.public_url)
    return ContactService(UserReplicaRepository(db), deliveries, sender, letters, clock=clock)


@asynccontextmanager
async def wire(runtime: Runtime, settings: Settings) -> AsyncIterator[ContactService]:
    yield await build_service(runtime.database, build_sender(settings), settings)


def create_app(settings: Settings) -> FastAPI:
    # No public route: only /healthz and /readyz, and no session to verify (no JWT_KEY).
    return SERVICE.create_app(settings, wire)


def run() -> None:
    SERVICE.run(create_app)
