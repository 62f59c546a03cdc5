"""The services of the stack, each run as `python -m zombilet_<name>` in its own process."""

import asyncio
import contextlib
import importlib.util
import signal
import sys
from collections.abc import Mapping
from importlib.machinery import PathFinder
from typing import BinaryIO

import httpx

from zombilet_common.testing.servers import exit_with_parent

# The order they start in and are reported in.
SERVICES: tuple[str, ...] = (
    "auth",
    "tickets",
    "orders",
    "payments",
    "expiration",
    "contact",
    "client",
)
STOP_TIMEOUT = 10.0
_CHUNK = 65536


def missing(service: str) -> str | None:
    """None when `python -m zombilet_<service>` can run; else why not. Imports nothing."""
    package = f"zombilet_{service}"
    spec = importlib.util.find_spec(package)
    if spec is None:
        return f"no {package} package"
    # A package still being written may not have its entry point yet.
    locations = spec.submodule_search_locations
    if locations is None or PathFinder.find_spec("__main__", list(locations)) is None:
        return f"no {package}.__main__ module"
    return None


class ServiceProcess:
    """One service's process, its output copied line by line behind its name."""

    def __init__(self, name: str, port: int, env: Mapping[str, str]) -> None:
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._env = dict(env)
        self._process: asyncio.subprocess.Process | None = None
        self._copier: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process is not None else None

    async def start(self, output: BinaryIO) -> None:
        """Start the process; again after it exited, once the last run's output is copied."""
        if self._process is not None and self._process.returncode is None:
            raise RuntimeError(f"{self.name} is already running")
        if self._copier is not None:
            await self._copier
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            f"zombilet_{self.name}",
            env=self._env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            # A Ctrl-C in the terminal reaches only the runner, which stops things in order.
            start_new_session=True,
            preexec_fn=exit_with_parent(),
        )
        assert self._process.stdout is not None
        self._copier = asyncio.create_task(self._copy(self._process.stdout, output))

    async def wait(self) -> int:
        """Until the process exits; its status."""
        if self._process is None:
            raise RuntimeError(f"{self.name} was not started")
        return await self._process.wait()

    async def is_ready(self, client: httpx.AsyncClient) -> bool:
        try:
            response = await client.get(f"{self.url}/readyz")
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def stop(self, grace: float = STOP_TIMEOUT) -> None:
        """SIGTERM, so the service finishes what it holds; SIGKILL after `grace` s."""
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._copier is not None:
            await self._copier

    async def _copy(self, stream: asyncio.StreamReader, output: BinaryIO) -> None:
        prefix = f"{self.name:<10} | ".encode()
        pending = b""
        while chunk := await stream.read(_CHUNK):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                output.write(prefix + line + b"\n")
            output.flush()
        if pending:
            output.write(prefix + pending + b"\n")
            output.flush()
