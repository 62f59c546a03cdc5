"""Under the runner, `kill -9` of any real service heals by itself within seconds."""

import os
import signal
from collections.abc import Iterator

import httpx
import pytest

from zombilet_common.testing.wait import wait_until_sync
from zombilet_local.handle import (
    CHEAP_PASSWORD_HASHING,
    SMOKE_READY_WITHIN,
    StackProcess,
    stack_env,
)
from zombilet_local.routes import load_routes
from zombilet_local.services import SERVICES, missing

pytestmark = pytest.mark.integration

HEALS_WITHIN = 20.0
INSTALLED = [service for service in SERVICES if missing(service) is None]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """One stack of the real services for the module; each test kills a different one."""
    cwd = tmp_path_factory.mktemp("supervised")
    running = StackProcess(stack_env(cwd / "data", **CHEAP_PASSWORD_HASHING), cwd)
    try:
        running.wait_ready(within=SMOKE_READY_WITHIN)
        yield running
    finally:
        running.close()


def gateway_path(service: str) -> str | None:
    """A path the gateway routes to `service`; None for a service it does not route to."""
    table = load_routes()
    if service == table.site:
        return "/"
    return next((route.prefix for route in table.api if route.service == service), None)


@pytest.mark.parametrize("service", INSTALLED)
def test_a_killed_service_is_restarted_and_answers_again(stack: StackProcess, service: str) -> None:
    [victim] = stack.service_pids(service)

    os.kill(victim, signal.SIGKILL)

    wait_until_sync(
        lambda: f"{service} is ready again after restart 1" in stack.stderr,
        within=HEALS_WITHIN,
        message=f"{service} did not come back",
    )
    assert f"{service} was killed by SIGKILL; restart 1 in 0.25 s" in stack.stderr
    [replacement] = stack.service_pids(service)
    assert replacement != victim
    path = gateway_path(service)
    if path is not None:
        response = httpx.get(f"{stack.url}{path}", trust_env=False)
        assert response.status_code < 500, response.text
    assert stack.process.poll() is None
