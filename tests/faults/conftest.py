"""The fault suite: the whole stack as real processes, driven through the gateway and the bus.

Each module gets its own stack (its faults would disturb another's). Requests that are meant to
meet a 5xx (a service killed under them) carry a request id starting with `provoked-`; the last
module of the suite reads every stack's gateway access log and allows 5xx to those alone.
"""

import contextlib
import json
import os
import signal
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from zombilet_common.bus import Publisher
from zombilet_common.events.subjects import STREAMS_BY_DOMAIN, Subject
from zombilet_common.headers import REQUEST_ID
from zombilet_common.testing.wait import wait_until, wait_until_sync
from zombilet_local.handle import SMOKE_READY_WITHIN, StackProcess, stack_env

PROVOKED = "provoked-"
# Every stack of the session, for the access-log check at the end.
ACCESS_LOGS: list[Path] = []
# Short enough for expiry tests to finish quickly, long enough to pay within it.
EXPIRATION_WINDOW_SECONDS = "6"
SERVICE_BACK_WITHIN = 45.0


def provoked() -> dict[str, str]:
    """Headers of a request allowed to meet a 5xx (its service is being killed)."""
    return {REQUEST_ID: f"{PROVOKED}{uuid.uuid4().hex}"}


class Stack(StackProcess):
    """The runner as a subprocess, with ways to find, kill and pause what it runs."""

    def __init__(self, env: Mapping[str, str], cwd: Path) -> None:
        super().__init__(env, cwd)
        self._given_nats = env.get("NATS_URL")

    @property
    def nats_url(self) -> str:
        return self._given_nats or self.stderr_url("nats")

    def service(self, name: str) -> tuple[int, int] | None:
        """(pid, port) of the running `zombilet_<name>` the runner started, or None."""
        for pid in self.service_pids(name):
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            port = next(v for v in environ if v.startswith(b"PORT=")).split(b"=", 1)[1]
            return pid, int(port)
        return None

    def kill_service(self, name: str) -> int:
        """SIGKILL `name`; its pid once the runner has reaped it."""
        found = self.service(name)
        assert found is not None, f"{name} is not running"
        pid = found[0]
        os.kill(pid, signal.SIGKILL)
        wait_until_sync(
            lambda: self.service(name) != found,
            within=10,
            message=f"{name} did not die",
        )
        return pid

    async def service_back(self, name: str, old_pid: int) -> None:
        """Until a new `name` process (not `old_pid`) answers /readyz with 200."""

        async def ready() -> bool:
            found = self.service(name)
            if found is None or found[0] == old_pid:
                return False
            try:
                async with httpx.AsyncClient(trust_env=False, timeout=2) as client:
                    answer = await client.get(f"http://127.0.0.1:{found[1]}/readyz")
            except httpx.HTTPError:
                return False
            return answer.status_code == 200

        await wait_until(
            ready, within=SERVICE_BACK_WITHIN, interval=0.1, message=f"{name} not back"
        )

    def parked(self, service: str) -> list[dict[str, Any]]:
        """The `message parked` log lines `service` has written so far."""
        prefix = f"{service:<10} | "
        return [
            json.loads(line[len(prefix) :])
            for line in self.stderr.splitlines()
            if line.startswith(prefix) and '"message parked"' in line
        ]

    @contextlib.contextmanager
    def paused(self, server: str) -> Iterator[None]:
        """SIGSTOP a backing server (nats, redis, mongo) for the block."""
        pid = self.server_pids()[server]
        os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(pid, signal.SIGCONT)


def start_stack(root: Path, data_dir: Path | None = None, **extra: str) -> Stack:
    env = stack_env(
        data_dir or root / "data",
        **{"EXPIRATION_WINDOW_SECONDS": EXPIRATION_WINDOW_SECONDS, **extra},
    )
    process = Stack(env, root)
    try:
        process.wait_ready(within=SMOKE_READY_WITHIN)
    except BaseException:
        process.close()
        raise
    log = process.data_dir / "envoy" / "access.log"
    if log not in ACCESS_LOGS:
        ACCESS_LOGS.append(log)
    return process


@pytest.fixture(scope="session")
def stack_starter() -> Callable[..., Stack]:
    """`start_stack`, for a test that needs a stack of its own or a restarted one."""
    return start_stack


@pytest.fixture(scope="session")
def provoke() -> Callable[[], dict[str, str]]:
    """`provoked`, for a test whose requests may meet a 5xx on purpose."""
    return provoked


@pytest.fixture
def order_becomes(retry: Any) -> Callable[[httpx.AsyncClient, str, str], Awaitable[Any]]:
    """Waits until `client` sees its order `order_id` in `status`; the last answer."""

    async def becomes(client: httpx.AsyncClient, order_id: str, status: str) -> Any:
        return await retry(
            lambda: client.get(f"/api/orders/{order_id}"),
            200,
            until=lambda r: r.json()["status"] == status,
        )

    return becomes


@pytest.fixture(scope="session")
def access_logs() -> list[Path]:
    """The gateway access log of every stack this session started so far."""
    return ACCESS_LOGS


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """This module's own stack."""
    process = start_stack(tmp_path_factory.mktemp("faults"))
    try:
        yield process
    finally:
        process.close()


@pytest.fixture(scope="module")
def jwt_key(stack: Stack) -> str:
    return (stack.data_dir / "jwt-key").read_text().strip()


class Bus:
    """The stack's NATS as a test sees it: the common publisher, and reading a subject back."""

    def __init__(self, client: NatsClient) -> None:
        self.client = client
        self.js = client.jetstream()
        self.publisher = Publisher(self.js)

    async def publish(self, subject: str, data: bytes, *, msg_id: str | None = None) -> None:
        await self.publisher.publish_raw(subject, data, msg_id=msg_id or uuid.uuid4().hex)

    async def payloads(self, subject: Subject) -> list[dict[str, Any]]:
        """Every message stored on `subject` so far, decoded, through a consumer of the test's."""
        return [json.loads(data) for data in await self.messages(subject)]

    async def messages(self, subject: Subject) -> list[bytes]:
        """Every message stored on `subject` so far, as published."""
        stream = subject.stream
        info = await self.js.stream_info(stream)
        if info.state.messages == 0:
            return []
        name = f"test-{uuid.uuid4().hex[:12]}"
        await self.js.add_consumer(
            stream,
            ConsumerConfig(
                name=name,
                filter_subject=subject.value,
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.NONE,
                inactive_threshold=30.0,
            ),
        )
        found: list[bytes] = []
        try:
            subscription = await self.js.pull_subscribe_bind(durable=name, stream=stream)
            pending = (await self.js.consumer_info(stream, name)).num_pending
            while len(found) < pending:
                batch = await subscription.fetch(min(pending - len(found), 256), timeout=5)
                found += [m.data for m in batch]
            await subscription.unsubscribe()
        finally:
            await self.js.delete_consumer(stream, name)
        return found

    async def drained(self, within: float = 45.0) -> None:
        """Until every service's consumer has handled (answered) all that is in its stream:
        what a test then finds is all that its messages caused. After NATS was stopped, a
        message may have gone to a pull request its client had given up on: it comes again
        after the 30 s ack wait, hence the deadline."""

        async def idle() -> bool:
            for stream in STREAMS_BY_DOMAIN.values():
                for consumer in await self.js.consumers_info(stream):
                    if consumer.name.startswith("test-"):
                        continue
                    if consumer.num_pending or consumer.num_ack_pending:
                        return False
            return True

        await wait_until(idle, within=within, interval=0.1, message="the consumers kept busy")


@pytest.fixture
async def bus(stack: Stack) -> AsyncIterator[Bus]:
    client = NatsClient()
    await client.connect(stack.nats_url, connect_timeout=5, max_reconnect_attempts=-1)
    try:
        yield Bus(client)
    finally:
        await client.close()


# The number of cases per group, printed at the end of the run.
_CASES: Counter[str] = Counter()
_PASSED: Counter[str] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::")[0]
    if "faults/test_" not in path or report.when != "call":
        return
    group = Path(path).stem.removeprefix("test_")
    _CASES[group] += 1
    if report.passed:
        _PASSED[group] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _CASES:
        return
    terminalreporter.section("fault suite: cases per group")
    for group, cases in _CASES.items():
        terminalreporter.write_line(f"{group:<24} {cases:>3} cases, {_PASSED[group]:>3} passed")
