"""Serving an ASGI app with uvicorn inside the running event loop, on a socket bound early.

The one way to serve an app in-process: the stand-ins in `zombilet_common.standins` and the
tests' stand-in services use it.
"""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from starlette.types import ASGIApp

START_TIMEOUT = 10.0
SHUTDOWN_GRACE = 5
BACKLOG = 2048


class _EmbeddedServer(uvicorn.Server):
    # The owner of the event loop handles SIGINT and SIGTERM; uvicorn must not take them over.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(port: int, host: str = "127.0.0.1") -> socket.socket:
    """A listening socket on `host:port` (0: any free port); OSError when the port is taken.

    Connections made before the app is served wait in the backlog rather than being refused.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Lets a restarted stack take its port back while old connections linger in TIME_WAIT;
        # listening at once makes a second socket on the port fail here, not when served.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


@contextlib.asynccontextmanager
async def serving(app: ASGIApp, sock: socket.socket) -> AsyncIterator[None]:
    """Serve `app` on `sock` until the block ends, then shut down gracefully; `sock` is closed.

    uvicorn adds no Date or Server header: what is served is what the app alone answers.
    """
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
        # An in-process server is reached directly: the peer is the client, whatever
        # X-Forwarded-For says.
        proxy_headers=False,
        # Nothing here speaks WebSocket; "none" also keeps optional libraries unimported.
        ws="none",
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await _started(server, task)
        yield
    finally:
        server.should_exit = True
        await asyncio.wait([task])
        sock.close()
    task.result()


async def _started(server: uvicorn.Server, task: "asyncio.Task[None]") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped while starting")
        if loop.time() > deadline:
            raise RuntimeError(f"the server did not start within {START_TIMEOUT:g} s")
        await asyncio.sleep(0.01)
