from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.bus import Publisher, connect_nats
from zombilet_common.mongo import mongo_client, service_database
from zombilet_common.testing.apps import running
from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.servers import Servers
from zombilet_contact.main import create_app
from zombilet_contact.settings import Settings


@dataclass
class LiveContact:
    """Contact's settings on the session's servers; each `running()` is one process life."""

    settings: Settings
    db: AsyncDatabase[dict[str, Any]]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FastAPI]:
        app = create_app(self.settings)
        async with running(app):
            yield app


@dataclass
class Bus:
    nats: NatsClient
    js: JetStreamContext
    publisher: Publisher


@pytest.fixture
async def live_contact(servers: Servers, tmp_path: Path) -> AsyncIterator[LiveContact]:
    settings = Settings(
        mongo_uri=servers.mongo_uri(fresh_name("contact")),
        nats_url=servers.nats_url,
        mail_outbox_dir=tmp_path / "outbox",
        public_url="http://zombilet.test",
        sendgrid_key=None,  # whatever the shell exports: mails stay in the tmp outbox
    )
    client = mongo_client(settings.mongo_uri)
    try:
        yield LiveContact(settings, service_database(client, "contact"))
    finally:
        await client.close()


@pytest.fixture
async def bus(servers: Servers) -> AsyncIterator[Bus]:
    nc = await connect_nats(servers.nats_url, service="contact-test", retry_for=5)
    js = nc.jetstream()
    try:
        yield Bus(nc, js, Publisher(js))
    finally:
        await nc.close()
