"""With ZOMBILET_TEST_* set, the fixtures use those servers and start none of their own."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import nats
import pytest

from zombilet_common.testing.servers import start_servers

pytestmark = pytest.mark.integration

INNER_TESTS = """
import os

from pymongo import AsyncMongoClient


def test_no_server_is_started(servers):
    assert servers.processes == {}
    assert servers.nats_url == os.environ["ZOMBILET_TEST_NATS_URL"]
    assert servers.redis_url == os.environ["ZOMBILET_TEST_REDIS_URL"]


async def test_databases_are_fresh_on_the_external_store(mongo_db):
    await mongo_db.things.insert_one({"n": 1})
    client = AsyncMongoClient(os.environ["ZOMBILET_TEST_MONGO_URI"])
    try:
        assert mongo_db.name in await client.list_database_names()
    finally:
        await client.close()


async def test_own_nats_starts_without_streams(own_nats_url):
    import nats

    assert own_nats_url == os.environ["ZOMBILET_TEST_NATS_URL"]
    client = await nats.connect(own_nats_url)
    try:
        assert await client.jetstream().streams_info() == []
    finally:
        await client.close()
"""


async def _add_stream(url: str) -> None:
    client = await nats.connect(url)
    try:
        await client.jetstream().add_stream(name="LEFTOVER", subjects=["leftover.>"])
    finally:
        await client.close()


def test_fixtures_use_the_servers_the_variables_name(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    with start_servers("nats", "redis", "mongo") as outside:
        asyncio.run(_add_stream(outside.nats_url))
        env = {
            **os.environ,
            "ZOMBILET_TEST_NATS_URL": outside.nats_url,
            "ZOMBILET_TEST_REDIS_URL": outside.redis_url,
            "ZOMBILET_TEST_MONGO_URI": outside.mongo_uri(""),
        }
        inner = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_inner.py"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )

    assert inner.returncode == 0, inner.stdout + inner.stderr
    assert "3 passed" in inner.stdout
