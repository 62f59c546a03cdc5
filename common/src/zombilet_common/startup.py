"""Starting a service in the background, so `/healthz` answers from the first moment.

uvicorn serves nothing until the app's lifespan has started, and a service's lifespan connects
to MongoDB, NATS and Redis. Run in the foreground, a dependency that is down at start would keep
the process deaf to its probes and to SIGTERM, or kill it. So the service's lifespan runs in a
task of its own: retried until it has started, cancelled if the process stops first.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import Lifespan

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0


def started_event(app: FastAPI) -> asyncio.Event:
    """Set once the service's own lifespan has started (its connections and listeners are up)."""
    event: asyncio.Event = app.state.started
    return event


def in_background(inner: Lifespan[FastAPI]) -> Lifespan[FastAPI]:
    """A lifespan that starts `inner` in a task and returns at once."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started, stopping = started_event(app), asyncio.Event()
        started.clear()
        task = asyncio.create_task(_keep_starting(app, inner, started, stopping))
        try:
            yield
        finally:
            stopping.set()
            if not started.is_set():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan


async def _keep_starting(
    app: FastAPI, inner: Lifespan[FastAPI], started: asyncio.Event, stopping: asyncio.Event
) -> None:
    delay = FIRST_RETRY_SECONDS
    while True:
        try:
            async with inner(app):
                started.set()
                log.info("started")
                await stopping.wait()
            return
        except Exception:
            if started.is_set():
                log.exception("stopping failed")
                return
            log.exception("start failed, retrying", extra={"retry_in": delay})
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_RETRY_SECONDS)
