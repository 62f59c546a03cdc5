"""End-to-end tests drive the local stack (`zombilet-up`) through its gateway, like a browser."""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from zombilet_common.testing.wait import wait_until
from zombilet_local.handle import (
    CHEAP_PASSWORD_HASHING,
    StackProcess,
    running_stack,
    stack_env,
)

# Short enough for expiry tests to finish quickly, long enough to pay within it.
EXPIRATION_WINDOW_SECONDS = "4"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """One stack for the session: every service that exists, its data in a temporary folder."""
    root = tmp_path_factory.mktemp("stack")
    extra = {"EXPIRATION_WINDOW_SECONDS": EXPIRATION_WINDOW_SECONDS, **CHEAP_PASSWORD_HASHING}
    if os.environ.get("ZOMBILET_SERVICES"):
        extra["ZOMBILET_SERVICES"] = os.environ["ZOMBILET_SERVICES"]
    with running_stack(stack_env(root / "data", **extra), root) as process:
        yield process


@pytest.fixture(scope="session")
def jwt_key(stack: StackProcess) -> str:
    return (Path(stack.data_dir) / "jwt-key").read_text().strip()


@pytest.fixture
def browser(stack: StackProcess) -> Iterator[httpx.Client]:
    """A client with its own cookie jar, talking to the gateway."""
    with httpx.Client(base_url=stack.url, trust_env=False, timeout=10) as client:
        yield client


class People:
    """Signed-up users, each an async client with its own session cookie."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._clients: list[httpx.AsyncClient] = []

    async def sign_up(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self._url, trust_env=False, timeout=20)
        self._clients.append(client)
        email = f"e2e-{uuid.uuid4().hex[:12]}@example.com"
        response = await client.post(
            "/api/users/signup", json={"email": email, "password": "password1"}
        )
        assert response.status_code == 201, response.text
        client.headers["x-user-id"] = response.json()["id"]
        return client

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


@pytest.fixture
async def people(stack: StackProcess) -> AsyncIterator[People]:
    crowd = People(stack.url)
    yield crowd
    await crowd.close()


Request = Callable[[], Awaitable[httpx.Response]]


async def eventually(
    request: Request, status: int, until: Callable[[httpx.Response], bool] = lambda _: True
) -> httpx.Response:
    """Repeat a `request` until it answers `status` (and `until` holds): another service may
    not have heard the event yet."""
    answers: list[httpx.Response] = []

    async def answered() -> bool:
        answers.append(await request())
        return answers[-1].status_code == status and until(answers[-1])

    await wait_until(answered, within=15, interval=0.05, message=f"never answered {status}")
    return answers[-1]


@pytest.fixture
def retry() -> Callable[..., Awaitable[httpx.Response]]:
    return eventually
