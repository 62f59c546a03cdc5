"""End-to-end tests drive the local stack (`zombilet-up`) through its gateway, like a browser."""

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from zombilet_local.handle import SMOKE_READY_WITHIN, StackProcess, stack_env

# Short enough for expiry tests to finish quickly, long enough to pay within it.
EXPIRATION_WINDOW_SECONDS = "4"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """One stack for the session: every service that exists, its data in a temporary folder."""
    root = tmp_path_factory.mktemp("stack")
    extra = {"EXPIRATION_WINDOW_SECONDS": EXPIRATION_WINDOW_SECONDS}
    if os.environ.get("ZOMBILET_SERVICES"):
        extra["ZOMBILET_SERVICES"] = os.environ["ZOMBILET_SERVICES"]
    process = StackProcess(stack_env(root / "data", **extra), root)
    try:
        process.wait_ready(within=SMOKE_READY_WITHIN)
        yield process
    finally:
        process.close()


@pytest.fixture(scope="session")
def jwt_key(stack: StackProcess) -> str:
    return (Path(stack.data_dir) / "jwt-key").read_text().strip()


@pytest.fixture
def browser(stack: StackProcess) -> Iterator[httpx.Client]:
    """A client with its own cookie jar, talking to the gateway."""
    with httpx.Client(base_url=stack.url, trust_env=False, timeout=10) as client:
        yield client
