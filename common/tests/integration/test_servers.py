"""The real servers start on free ports, answer, and keep their data across restarts."""

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
import redis.asyncio as redis
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient, MongoClient
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.ports import free_port
from zombilet_common.testing.servers import Servers, ServerStartError, start_servers
from zombilet_common.testing.wait import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def persistent(tmp_path: Path) -> Iterator[Servers]:
    with start_servers("nats", "redis", "mongo", data_dir=tmp_path) as running:
        yield running


async def test_nats_answers_with_jetstream(nats_client: NatsClient) -> None:
    account = await nats_client.jetstream().account_info()

    assert account.limits is not None


async def test_redis_answers_ping(servers: Servers) -> None:
    async with _redis(servers.redis_url) as client:
        assert await client.ping()


async def test_mongo_answers_ping_and_stores(mongo_db: AsyncDatabase[dict[str, Any]]) -> None:
    assert (await mongo_db.command("ping"))["ok"] == 1

    await mongo_db.things.insert_one({"_id": "a", "n": 1})

    assert await mongo_db.things.find_one({"_id": "a"}) == {"_id": "a", "n": 1}


def test_fresh_names_differ() -> None:
    assert len({fresh_name() for _ in range(100)}) == 100


def test_servers_stop_when_the_block_ends(tmp_path: Path) -> None:
    with start_servers("nats", "redis", "mongo", data_dir=tmp_path) as running:
        processes = [running.process(name) for name in ("nats", "redis", "mongo")]
        assert all(process.running and process.answers() for process in processes)

    assert not any(process.running or process.answers() for process in processes)
    assert not any(process.pid_file.exists() for process in processes)
    assert all(process.log_file.exists() for process in processes)


def test_given_ports_are_used(tmp_path: Path) -> None:
    port = free_port()

    with start_servers("redis", data_dir=tmp_path, ports={"redis": port}) as running:
        assert running.redis_url == f"redis://127.0.0.1:{port}/0"


def test_a_server_that_cannot_start_raises_with_its_log(tmp_path: Path) -> None:
    with start_servers("redis", data_dir=tmp_path / "first") as running:
        taken = running.process("redis").port

        with (
            pytest.raises(ServerStartError, match="redis exited") as raised,
            start_servers("redis", data_dir=tmp_path / "second", ports={"redis": taken}),
        ):
            pass

    assert "Address already in use" in raised.value.log_tail


async def test_redis_key_survives_a_restart(persistent: Servers) -> None:
    key = fresh_name("key")
    async with _redis(persistent.redis_url) as client:
        await client.set(key, "kept")

    persistent.process("redis").restart()

    async with _redis(persistent.redis_url) as client:
        assert await client.get(key) == b"kept"


async def test_redis_key_survives_a_crash_once_synced(persistent: Servers) -> None:
    key = fresh_name("key")
    async with _redis(persistent.redis_url) as client:
        await client.set(key, "kept")
        # Appends are fsynced once a second; a rewrite puts the file on disk now.
        await client.bgrewriteaof()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        await wait_until(
            lambda: _aof_rewritten(client), within=5.0, message="AOF rewrite did not finish"
        )

    persistent.process("redis").kill()
    persistent.process("redis").start()

    async with _redis(persistent.redis_url) as client:
        assert await client.get(key) == b"kept"


@contextlib.asynccontextmanager
async def _redis(url: str) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(url)
    try:
        yield client
    finally:
        await client.aclose()


async def _aof_rewritten(client: redis.Redis) -> bool:
    info = await client.info("persistence")
    return bool(info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0)


async def test_jetstream_stream_survives_a_restart(persistent: Servers) -> None:
    stream = fresh_name("STREAM")
    subject = f"{stream}.created"
    client = await nats.connect(persistent.nats_url)
    try:
        jetstream = client.jetstream()
        await jetstream.add_stream(name=stream, subjects=[f"{stream}.>"])
        await jetstream.publish(subject, b"kept")
    finally:
        await client.close()

    persistent.process("nats").restart()

    client = await nats.connect(persistent.nats_url)
    try:
        info = await client.jetstream().stream_info(stream)
        message = await client.jetstream().get_last_msg(stream, subject)
    finally:
        await client.close()
    assert info.state.messages == 1
    assert message.data == b"kept"


async def test_mongo_document_in_a_data_folder_survives_a_restart(persistent: Servers) -> None:
    name = fresh_name("db")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(persistent.mongo_uri(name))
    try:
        await client[name].things.insert_one({"_id": "a", "n": 1})
        persistent.process("mongo").restart()

        assert await client[name].things.find_one({"_id": "a"}) == {"_id": "a", "n": 1}
    finally:
        await client.close()


def test_a_new_block_on_the_same_folder_finds_the_data(tmp_path: Path) -> None:
    with (
        start_servers("mongo", data_dir=tmp_path) as first,
        MongoClient[dict[str, Any]](first.mongo_uri("kept")) as client,
    ):
        client.kept.things.insert_one({"_id": "a"})

    with (
        start_servers("mongo", data_dir=tmp_path) as second,
        MongoClient[dict[str, Any]](second.mongo_uri("kept")) as client,
    ):
        assert client.kept.things.find_one({"_id": "a"}) == {"_id": "a"}
