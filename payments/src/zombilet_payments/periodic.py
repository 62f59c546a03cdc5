"""A job run at start and then every so often, in the background, until stopped."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs `job` at start and then every `interval` seconds; a failed run is logged and the
    next one tries again (the database or the provider may be down for a moment)."""

    def __init__(self, name: str, job: Callable[[], Awaitable[object]], *, interval: float) -> None:
        self._name = name
        self._job = job
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._job()
            except Exception:
                log.warning("periodic job failed", extra={"job": self._name}, exc_info=True)
            await asyncio.sleep(self._interval)
