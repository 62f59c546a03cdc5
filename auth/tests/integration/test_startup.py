"""The auth process with NATS down at start: health at once, ready once NATS is up, and a
SIGTERM obeyed in either state."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.ports import free_port
from zombilet_common.testing.servers import Servers, start_servers
from zombilet_common.testing.wait import wait_until_sync

pytestmark = pytest.mark.integration


def get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=1, trust_env=False)
    except httpx.TransportError:
        return None


@pytest.fixture
def auth_without_nats(servers: Servers) -> Iterator[tuple[subprocess.Popen[bytes], str, int]]:
    port, nats_port = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "MONGO_URI": servers.mongo_uri(fresh_name("auth")),
        "NATS_URL": f"nats://127.0.0.1:{nats_port}",
        "JWT_KEY": "startup-test-key-at-least-32-bytes",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "zombilet_auth"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process, f"http://127.0.0.1:{port}", nats_port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_health_answers_while_nats_is_down_and_ready_follows_it(auth_without_nats) -> None:
    process, url, nats_port = auth_without_nats

    wait_until_sync(lambda: get(f"{url}/healthz") is not None, within=20)
    ready = get(f"{url}/readyz")
    assert ready is not None
    assert ready.status_code == 503
    assert {"message": "nats is not reachable."} in ready.json()["errors"]
    early = get(f"{url}/api/users/currentuser")
    assert early is not None
    assert early.status_code == 503

    with start_servers("nats", ports={"nats": nats_port}):

        def is_ready() -> bool:
            answer = get(f"{url}/readyz")
            return answer is not None and answer.status_code == 200

        wait_until_sync(is_ready, within=20)
        signed_out = get(f"{url}/api/users/currentuser")
        assert signed_out is not None
        assert signed_out.json() == {"currentUser": None}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) in (0, -signal.SIGTERM)


def test_sigterm_stops_a_process_that_never_started(auth_without_nats) -> None:
    process, url, _ = auth_without_nats
    wait_until_sync(lambda: get(f"{url}/healthz") is not None, within=20)

    process.send_signal(signal.SIGTERM)

    # uvicorn re-raises the signal once it has shut down gracefully.
    assert process.wait(timeout=10) in (0, -signal.SIGTERM)
