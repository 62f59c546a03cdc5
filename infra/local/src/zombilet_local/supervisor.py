"""Keeps one service running: restarts it with back-off when it exits, as a Deployment would.

A service that exits after it was ready is restarted at once-ish (the initial delay). One that
exits before it was ready is restarted later each time, and after `max_tries_at_start` such
exits in a row the supervisor gives up: the service cannot start, and waiting longer would only
hide that.
"""

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar

import httpx

from zombilet_local.services import ServiceProcess

READY_POLL = 0.1

T = TypeVar("T")


@dataclass(frozen=True)
class RestartPolicy:
    """How long to wait before each restart, and how many failed starts to allow."""

    initial_delay: float = 0.25
    factor: float = 2.0
    max_delay: float = 5.0
    max_tries_at_start: int = 5

    def delay(self, failed_starts: int) -> float:
        """The wait before the next start, after `failed_starts` exits before ready in a row."""
        # The first failed start waits no longer than an exit after ready: it may be a fluke.
        return min(self.initial_delay * self.factor ** max(failed_starts - 1, 0), self.max_delay)


def exit_cause(status: int) -> str:
    if status < 0:
        return f"was killed by {signal.Signals(-status).name}"
    return f"exited with status {status}"


class Supervisor:
    """Runs `service` until `stop()`; `run()` returns early only when it gives up."""

    def __init__(
        self,
        service: ServiceProcess,
        output: BinaryIO,
        say: Callable[[str], None],
        policy: RestartPolicy = RestartPolicy(),
    ) -> None:
        self.service = service
        self.policy = policy
        self.restarts = 0
        self.ready = asyncio.Event()  # set once the service has been ready
        self._output = output
        self._say = say
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Restart nothing more; `run()` returns soon after, leaving the process to be stopped."""
        self._stopping.set()

    async def run(self) -> str | None:
        """None once stopped; else why it gave up."""
        try:
            async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
                return await self._keep_running(client)
        except _Stopped:
            return None

    async def _keep_running(self, client: httpx.AsyncClient) -> str:
        failed_starts = 0
        while True:
            await self.service.start(self._output)
            became_ready = await self._unless_stopped(self._ready(client))
            if became_ready:
                self.ready.set()
                if self.restarts:
                    self._say(f"{self.service.name} is ready again after restart {self.restarts}")
            cause = exit_cause(await self._unless_stopped(self.service.wait()))
            if became_ready:
                failed_starts = 0
            else:
                failed_starts += 1
                cause += " before it was ready"
                if failed_starts >= self.policy.max_tries_at_start:
                    return (
                        f"{self.service.name} {cause}, {failed_starts} times in a row;"
                        " giving up on it"
                    )
            delay = self.policy.delay(failed_starts)
            self.restarts += 1
            self._say(
                f"{self.service.name} {cause}; restart {self.restarts} in {delay:g} s"
                " (its routes answer 502 meanwhile)"
            )
            await self._unless_stopped(asyncio.sleep(delay))

    async def _ready(self, client: httpx.AsyncClient) -> bool:
        """True once the service answers /readyz with 200; False if it exits first."""
        while self.service.returncode is None:
            if await self.service.is_ready(client):
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.service.wait(), READY_POLL)
        return False

    async def _unless_stopped(self, work: Coroutine[Any, Any, T]) -> T:
        """What `work` returns; `_Stopped` (and `work` cancelled) if a stop comes first."""
        task = asyncio.ensure_future(work)
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (task, stopping):
                pending.cancel()
            await asyncio.gather(task, stopping, return_exceptions=True)
        if self._stopping.is_set():
            raise _Stopped
        return task.result()


class _Stopped(Exception):
    """A stop was asked while the supervisor waited."""
