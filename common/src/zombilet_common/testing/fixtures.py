"""pytest fixtures every member can use (loaded through the `pytest11` entry point).

Nothing starts at import or collection: the servers start the first time a test asks for
`servers` (or a fixture built on it) and stop at the end of the session.
"""

import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from zombilet_common.testing.servers import Servers, start_servers

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient
    from pymongo.asynchronous.database import AsyncDatabase

_counter = itertools.count()
_session = uuid.uuid4().hex[:8]


def fresh_name(prefix: str = "test") -> str:
    """A name no other test (of this or a concurrent session) uses: databases, streams, keys."""
    return f"{prefix}_{_session}_{os.getpid()}_{next(_counter)}"


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    """NATS with JetStream, Redis and the in-memory Mongo-wire store, once per session.

    Sync, so it does not depend on which event loop a test or fixture runs in.
    """
    with start_servers("nats", "redis", "mongo") as running:
        yield running


@pytest_asyncio.fixture
async def mongo_db(servers: Servers) -> AsyncIterator["AsyncDatabase[dict[str, Any]]"]:
    """A database with a fresh name on the session's store, dropped afterwards."""
    from pymongo import AsyncMongoClient

    name = fresh_name("db")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_uri(name))
    try:
        yield client[name]
        await client.drop_database(name)
    finally:
        await client.close()


@pytest_asyncio.fixture
async def nats_client(servers: Servers) -> AsyncIterator["NatsClient"]:
    """A nats-py client connected to the session's server."""
    import nats

    client = await nats.connect(servers.nats_url, name=fresh_name("test-client"))
    try:
        yield client
    finally:
        await client.close()
