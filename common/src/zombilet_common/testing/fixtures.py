"""pytest fixtures every member can use (loaded through the `pytest11` entry point).

Nothing starts at import or collection: the servers start the first time a test asks for
`servers` (or a fixture built on it) and stop at the end of the session.
"""

import asyncio
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import pytest
import pytest_asyncio

from zombilet_common.testing.servers import (
    NatsServer,
    ServerName,
    Servers,
    external_servers,
    start_servers,
)

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient
    from pymongo.asynchronous.database import AsyncDatabase

ALL_SERVERS: tuple[ServerName, ...] = get_args(ServerName)
_counter = itertools.count()
_session = uuid.uuid4().hex[:8]


def fresh_name(prefix: str = "test") -> str:
    """A name no other test (of this or a concurrent session) uses: databases, streams, keys."""
    return f"{prefix}_{_session}_{os.getpid()}_{next(_counter)}"


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    """NATS with JetStream, Redis and the in-memory Mongo-wire store, once per session.

    A server named by ZOMBILET_TEST_NATS_URL, ZOMBILET_TEST_REDIS_URL or ZOMBILET_TEST_MONGO_URI
    is used instead of starting that one. Sync, so it does not depend on which event loop a
    test or fixture runs in.
    """
    external = external_servers()
    embedded = [name for name in ALL_SERVERS if name not in external]
    if not embedded:
        yield Servers({}, external)
        return
    with start_servers(*embedded) as running:
        yield Servers(running.processes, external)


@pytest.fixture
def own_nats_url(tmp_path: Path) -> Iterator[str]:
    """A NATS server with no streams and so no durables yet, for this test alone.

    Embedded: a server of the test's own. External (ZOMBILET_TEST_NATS_URL): that server with
    every stream deleted first, so tests there must not run concurrently.
    """
    external = external_servers().get("nats")
    if external is not None:
        delete_streams(external)
        yield external
        return
    server = NatsServer(tmp_path / "nats")
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def delete_streams(url: str) -> None:
    """Delete every JetStream stream (and with it every consumer) on the server at `url`."""

    async def delete() -> None:
        import nats

        client = await nats.connect(url, name=fresh_name("test-reset"))
        try:
            js = client.jetstream()
            for info in await js.streams_info():
                await js.delete_stream(info.config.name or "")
        finally:
            await client.close()

    # Off this thread: a fixture may be set up while the test's event loop is the current one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, delete()).result()


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
