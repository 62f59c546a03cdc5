"""A running local stack as a subprocess, for end-to-end tests and benchmarks."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from zombilet_common.testing.ports import free_port
from zombilet_common.testing.wait import wait_until_sync

READY_WITHIN = 30.0
# The runner itself gives real services 60 s.
SMOKE_READY_WITHIN = 75.0
# The runner's own inputs: a test states the ones it wants.
RUNNER_VARIABLES = (
    "NATS_URL",
    "REDIS_URL",
    "REDIS_HOST",
    "MONGO_URI",
    "JWT_KEY",
    "ZOMBILET_PORT",
    "ZOMBILET_DATA_DIR",
    "ZOMBILET_SERVICES",
    "ZOMBILET_REPLICAS",
    "MAIL_OUTBOX_DIR",
    "API_BASE_URL",
    "PUBLIC_URL",
    "AUTH_RATE_LIMIT_PER_MINUTE",
    "ZOMBILET_UPSTREAM_TIMEOUT",
)


# Auth's Argon2id at its least, for suites that sign up many users through a whole stack; a
# stack without it (`make up`, the benchmarks) hashes at the production cost.
CHEAP_PASSWORD_HASHING = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_KIB": "32"}


class StackProcess:
    """The runner as a subprocess: its stdout lines as they come, its stderr in a file."""

    def __init__(self, env: Mapping[str, str], cwd: Path) -> None:
        self.port = int(env["ZOMBILET_PORT"])
        self.data_dir = Path(env["ZOMBILET_DATA_DIR"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self._stderr_path = cwd / f"runner-{len(list(cwd.glob('runner-*.err')))}.err"
        with self._stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "zombilet_local.runner"],
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def stderr(self) -> str:
        return self._stderr_path.read_text()

    def wait_ready(self, within: float = READY_WITHIN) -> str:
        wait_until_sync(
            lambda: bool(self.lines) or self.process.poll() is not None,
            within=within,
            message="the stack did not report ready in time",
        )
        assert self.lines, f"the runner exited with {self.process.poll()}:\n{self.stderr}"
        return self.lines[0]

    def terminate(self, signum: int = signal.SIGTERM, within: float = 30.0) -> int:
        self.process.send_signal(signum)
        status = self.process.wait(within)
        self._reader.join(5.0)
        return status

    def close(self) -> None:
        """Stop a runner a failed test left behind, letting it stop what it started."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(5.0)

    def server_pids(self) -> dict[str, int]:
        return {
            name: int((self.data_dir / name / f"{name}.pid").read_text())
            for name in ("nats", "redis", "mongo", "envoy")
            if (self.data_dir / name / f"{name}.pid").exists()
        }

    def service_pids(self, service: str) -> list[int]:
        """The running processes of `service` (`python -m zombilet_<service>`); Linux only."""
        children = [
            int(pid)
            for task in Path(f"/proc/{self.process.pid}/task").iterdir()
            for pid in (task / "children").read_text().split()
        ]
        wanted = ["-m", f"zombilet_{service}"]
        return [pid for pid in children if _arguments(pid)[1:3] == wanted]

    def stderr_url(self, server: str) -> str:
        found = re.search(rf"^zombilet-up: {server} on (\S+)", self.stderr, re.MULTILINE)
        assert found, self.stderr
        return found.group(1)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
        self.process.stdout.close()


def _arguments(pid: int) -> list[str]:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().decode()).split("\0")
    except FileNotFoundError:
        return []


def stack_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The runner's environment for a test or benchmark; `extra` adds or overrides.

    The sign-in rate limit is off: suites and benchmarks sign up many users from one address.
    A test of the limit itself sets AUTH_RATE_LIMIT_PER_MINUTE.
    """
    env = {key: value for key, value in os.environ.items() if key not in RUNNER_VARIABLES}
    env.update(
        ZOMBILET_DATA_DIR=str(data_dir),
        ZOMBILET_PORT=str(free_port()),
        AUTH_RATE_LIMIT_PER_MINUTE="0",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def running_stack(env: Mapping[str, str], cwd: Path) -> Iterator[StackProcess]:
    """The runner started with `env` in `cwd`, once ready; stopped when the block ends."""
    process = StackProcess(env, cwd)
    try:
        process.wait_ready(within=SMOKE_READY_WITHIN)
        yield process
    finally:
        process.close()
