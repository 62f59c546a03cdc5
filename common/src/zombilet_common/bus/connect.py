"""Connecting to NATS: reconnect forever once connected, retry the first connection too."""

import asyncio
import logging
import socket

from nats.aio.client import Client as NatsClient
from nats.errors import NoServersError

log = logging.getLogger(__name__)


async def connect_nats(url: str, *, service: str, retry_for: float | None = None) -> NatsClient:
    """Connect as `<service>@<host>`; a server not yet up is retried (forever by default)."""
    loop = asyncio.get_running_loop()
    deadline = None if retry_for is None else loop.time() + retry_for
    delay = 0.1
    while True:
        client = NatsClient()

        async def disconnected(client: NatsClient = client) -> None:
            # A drain or close on the way out disconnects too; only a lost connection warns.
            if not (client.is_closed or client.is_draining):
                log.warning("nats disconnected")

        try:
            await client.connect(
                servers=url.split(","),
                name=f"{service}@{socket.gethostname()}",
                connect_timeout=2,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=1,
                error_cb=_log_error,
                disconnected_cb=disconnected,
                reconnected_cb=_log_reconnected,
            )
            return client
        except (NoServersError, OSError, TimeoutError) as exc:
            if deadline is not None and loop.time() + delay > deadline:
                raise
            log.warning("nats not reachable, retrying", extra={"url": url, "error": str(exc)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _log_error(exc: Exception) -> None:
    log.warning("nats error", extra={"error": repr(exc)})


async def _log_reconnected() -> None:
    log.info("nats reconnected")
