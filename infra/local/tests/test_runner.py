"""zombilet-up comes up, routes, stops on SIGTERM, and finds its data again on the next run."""

import os
import re
import signal
import socket
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from zombilet_common.testing.servers import Servers
from zombilet_common.testing.wait import wait_until_sync
from zombilet_local.handle import READY_WITHIN, SMOKE_READY_WITHIN, StackProcess, stack_env

pytestmark = pytest.mark.integration


@pytest.fixture
def stacks(tmp_path: Path) -> Iterator[list[StackProcess]]:
    """Whatever the test starts is stopped at the end, even after a failure."""
    started: list[StackProcess] = []
    yield started
    for stack in started:
        stack.close()


def alive(pid: int) -> bool:
    """Running; a zombie (dead, not yet reaped by its new parent) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def fake_services(root: Path, **sources: str) -> str:
    """Packages zombilet_<name> with the given __main__ source; a PYTHONPATH that finds them."""
    for name, source in sources.items():
        package = root / f"zombilet_{name}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "__main__.py").write_text(textwrap.dedent(source))
    return os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)


ECHO_SERVICE = """
    import asyncio
    import os

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    NAME = __package__.removeprefix("zombilet_")


    async def ready(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ready"})


    async def echo(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "service": NAME,
                "pid": os.getpid(),
                "env": dict(os.environ),
                "headers": dict(request.headers),
            }
        )


    async def die(request: Request) -> JSONResponse:
        os._exit(3)


    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(5)
        return JSONResponse({"late": True})


    app = Starlette(
        routes=[
            Route("/readyz", ready),
            Route("/api/users/die", die, methods=["POST"]),
            Route("/api/users/slow", slow),
            Route("/{path:path}", echo, methods=["GET", "POST"]),
        ]
    )
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
"""

FAILING_SERVICE = """
    import sys

    sys.stderr.write("auth: missing required environment variable SOMETHING\\n")
    sys.exit(2)
"""


FAILING_ONCE_SERVICE = f"""
    import sys
    from pathlib import Path

    marker = Path(__file__).with_name("failed-once")
    if not marker.exists():
        marker.touch()
        sys.exit(1)
    {ECHO_SERVICE}
"""


def test_stack_comes_up_stops_on_sigterm_and_keeps_its_data(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    # A stand-in auth, so the test does not depend on the state of the real services.
    python_path = fake_services(tmp_path / "fakes", auth=ECHO_SERVICE)
    data_dir = tmp_path / "data"
    first = StackProcess(
        stack_env(data_dir, PYTHONPATH=python_path, ZOMBILET_SERVICES="auth"), tmp_path
    )
    stacks.append(first)

    ready = first.wait_ready()

    assert ready == f"Zombilet is ready at http://localhost:{first.port} (auth)"
    response = httpx.get(f"{first.url}/api/nothing-here", trust_env=False)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}
    assert response.headers["x-request-id"]
    key = (data_dir / "jwt-key").read_text()
    assert re.fullmatch(r"[0-9a-f]{64}\n", key)
    pids = first.server_pids()
    assert set(pids) == {"nats", "redis", "mongo", "envoy"}
    pids["auth"] = httpx.get(f"{first.url}/api/users", trust_env=False).json()["pid"]
    with MongoClient[dict[str, Any]](first.stderr_url("mongo"), directConnection=True) as mongo:
        mongo.kept.things.insert_one({"_id": "a"})

    assert first.terminate() == 0
    assert not any(alive(pid) for pid in pids.values())

    second = StackProcess(
        stack_env(data_dir, PYTHONPATH=python_path, ZOMBILET_SERVICES="auth"), tmp_path
    )
    stacks.append(second)
    second.wait_ready()

    assert (data_dir / "jwt-key").read_text() == key
    with MongoClient[dict[str, Any]](second.stderr_url("mongo"), directConnection=True) as mongo:
        assert mongo.kept.things.find_one({"_id": "a"}) == {"_id": "a"}
    assert second.terminate() == 0


def test_every_installed_service_comes_up_behind_the_gateway(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    """The stack as `zombilet-up` runs it: every real service present, none faked."""
    stack = StackProcess(stack_env(tmp_path / "data"), tmp_path)
    stacks.append(stack)

    ready = stack.wait_ready(within=SMOKE_READY_WITHIN)

    assert re.fullmatch(rf"Zombilet is ready at http://localhost:{stack.port} \(.+\)", ready)
    response = httpx.get(f"{stack.url}/api/nothing-here", trust_env=False)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}
    assert stack.terminate() == 0


def test_services_get_their_settings_and_their_routes(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    python_path = fake_services(tmp_path / "fakes", auth=ECHO_SERVICE, client=ECHO_SERVICE)
    data_dir = tmp_path / "data"
    env = stack_env(
        data_dir,
        PYTHONPATH=python_path,
        ZOMBILET_SERVICES="client,auth",
        EXPIRATION_WINDOW_SECONDS="5",
    )
    stack = StackProcess(env, tmp_path)
    stacks.append(stack)

    ready = stack.wait_ready()
    auth = httpx.get(f"{stack.url}/api/users/currentuser", trust_env=False).json()
    client = httpx.get(f"{stack.url}/tickets/new", trust_env=False).json()

    assert ready == f"Zombilet is ready at http://localhost:{stack.port} (auth, client)"
    assert auth["service"] == "auth"
    assert client["service"] == "client"
    settings: dict[str, Any] = auth["env"]
    mongo = stack.stderr_url("mongo")
    assert settings["MONGO_URI"] == f"{mongo}/auth?directConnection=true"
    assert client["env"]["MONGO_URI"] == f"{mongo}/client?directConnection=true"
    assert settings["NATS_URL"] == stack.stderr_url("nats")
    assert settings["REDIS_URL"] == stack.stderr_url("redis")
    assert settings["JWT_KEY"] == (data_dir / "jwt-key").read_text().strip()
    assert settings["MAIL_OUTBOX_DIR"] == str(data_dir / "outbox")
    assert settings["PUBLIC_URL"] == settings["API_BASE_URL"] == f"http://localhost:{stack.port}"
    assert settings["EXPIRATION_WINDOW_SECONDS"] == "5"
    assert settings["PORT"] != client["env"]["PORT"]
    assert stack.terminate(signal.SIGINT) == 0
    assert not alive(auth["pid"])
    assert not alive(client["pid"])


def test_given_servers_are_used_instead_of_embedded_ones(
    tmp_path: Path, stacks: list[StackProcess], servers: Servers
) -> None:
    python_path = fake_services(tmp_path / "fakes", auth=ECHO_SERVICE)
    data_dir = tmp_path / "data"
    env = stack_env(
        data_dir,
        PYTHONPATH=python_path,
        ZOMBILET_SERVICES="auth",
        NATS_URL=servers.nats_url,
        REDIS_URL=servers.redis_url,
        MONGO_URI=servers.mongo_uri("ignored"),
        JWT_KEY="given-key-of-at-least-32-bytes-long",
    )
    stack = StackProcess(env, tmp_path)
    stacks.append(stack)

    stack.wait_ready()
    settings = httpx.get(f"{stack.url}/api/users", trust_env=False).json()["env"]

    assert settings["NATS_URL"] == servers.nats_url
    assert settings["REDIS_URL"] == servers.redis_url
    assert settings["MONGO_URI"] == servers.mongo_uri("auth")
    assert settings["JWT_KEY"] == "given-key-of-at-least-32-bytes-long"
    assert not any((data_dir / name).exists() for name in ("nats", "redis", "mongo"))
    assert not (data_dir / "jwt-key").exists()
    assert stack.terminate() == 0


def test_a_service_that_keeps_failing_at_start_is_given_up_and_stops_the_stack(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    python_path = fake_services(tmp_path / "fakes", auth=FAILING_SERVICE)
    data_dir = tmp_path / "data"
    stack = StackProcess(
        stack_env(data_dir, PYTHONPATH=python_path, ZOMBILET_SERVICES="auth"), tmp_path
    )
    stacks.append(stack)

    status = stack.process.wait(READY_WITHIN)

    assert status == 1
    assert stack.lines == []
    failure = "auth exited with status 2 before it was ready"
    assert f"{failure}; restart 1 in 0.25 s" in stack.stderr
    assert f"{failure}; restart 4 in 2 s" in stack.stderr
    assert f"{failure}, 5 times in a row; giving up on it; stopping everything" in stack.stderr
    assert (
        stack.stderr.count("auth       | auth: missing required environment variable SOMETHING")
        == 5
    )
    assert not any(
        (data_dir / name / f"{name}.pid").exists() for name in ("nats", "redis", "mongo")
    )


def test_a_service_that_fails_its_first_start_is_restarted_and_the_stack_comes_up(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    python_path = fake_services(tmp_path / "fakes", auth=FAILING_ONCE_SERVICE)
    stack = StackProcess(
        stack_env(tmp_path / "data", PYTHONPATH=python_path, ZOMBILET_SERVICES="auth"), tmp_path
    )
    stacks.append(stack)

    ready = stack.wait_ready()

    assert ready == f"Zombilet is ready at http://localhost:{stack.port} (auth)"
    assert "auth exited with status 1 before it was ready; restart 1 in 0.25 s" in stack.stderr
    assert httpx.get(f"{stack.url}/api/users", trust_env=False).json()["service"] == "auth"
    assert stack.terminate() == 0
    assert "restarts: auth 1" in stack.stderr


def test_a_service_that_dies_later_is_restarted_and_its_routes_heal(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    python_path = fake_services(tmp_path / "fakes", auth=ECHO_SERVICE, client=ECHO_SERVICE)
    env = stack_env(tmp_path / "data", PYTHONPATH=python_path, ZOMBILET_SERVICES="auth,client")
    stack = StackProcess(env, tmp_path)
    stacks.append(stack)
    stack.wait_ready()
    first_pid = httpx.get(f"{stack.url}/api/users/currentuser", trust_env=False).json()["pid"]

    dying = httpx.post(f"{stack.url}/api/users/die", trust_env=False)
    wait_until_sync(
        lambda: "auth is ready again after restart 1" in stack.stderr,
        within=15.0,
        message="the runner did not bring auth back",
    )
    after = httpx.get(f"{stack.url}/api/users/currentuser", trust_env=False)
    site = httpx.get(f"{stack.url}/", trust_env=False)

    assert dying.status_code == 502
    assert dying.json() == {
        "errors": [{"message": "The auth service is not available. Please try again."}]
    }
    assert "auth exited with status 3; restart 1 in 0.25 s" in stack.stderr
    assert after.status_code == 200
    assert after.json()["pid"] != first_pid
    assert site.json()["service"] == "client"
    assert stack.lines == [f"Zombilet is ready at http://localhost:{stack.port} (auth, client)"]
    assert stack.terminate() == 0
    assert "restarts: auth 1" in stack.stderr


def test_the_gateway_answers_for_services_that_are_absent_slow_or_asked_too_often(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    python_path = fake_services(tmp_path / "fakes", auth=ECHO_SERVICE)
    env = stack_env(
        tmp_path / "data",
        PYTHONPATH=python_path,
        ZOMBILET_SERVICES="auth",
        AUTH_RATE_LIMIT_PER_MINUTE="3",
        ZOMBILET_UPSTREAM_TIMEOUT="0.5",
    )
    stack = StackProcess(env, tmp_path)
    stacks.append(stack)
    stack.wait_ready()

    with httpx.Client(base_url=stack.url, trust_env=False) as client:
        site = client.get("/")
        slow = client.get("/api/users/slow")
        signins = [client.post("/api/users/signin").status_code for _ in range(3)]
        refused = client.post("/api/users/signin", headers={"x-request-id": "too-many"})
        others = [client.get("/api/users/currentuser").status_code for _ in range(5)]
        traced = client.get("/api/users/currentuser", headers={"x-request-id": "trace-7"})

    assert site.status_code == 502
    assert site.json() == {
        "errors": [{"message": "The client service is not available. Please try again."}]
    }
    assert slow.status_code == 504
    assert slow.json() == {"errors": [{"message": "The auth service took too long to answer."}]}
    assert signins == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["message"].startswith("Too many requests.")
    assert refused.headers["x-request-id"] == "too-many"
    assert others == [200] * 5
    assert traced.headers["x-request-id"] == "trace-7"
    assert traced.json()["headers"]["x-request-id"] == "trace-7"
    access_log = tmp_path / "data" / "envoy" / "access.log"
    wait_until_sync(
        lambda: access_log.exists() and "trace-7" in access_log.read_text(),
        message="the request never reached the access log",
    )
    assert stack.terminate() == 0


def test_the_stack_stops_when_the_gateway_exits(tmp_path: Path, stacks: list[StackProcess]) -> None:
    python_path = fake_services(tmp_path / "fakes", auth=ECHO_SERVICE)
    env = stack_env(tmp_path / "data", PYTHONPATH=python_path, ZOMBILET_SERVICES="auth")
    stack = StackProcess(env, tmp_path)
    stacks.append(stack)
    stack.wait_ready()
    pids = stack.server_pids()
    pids["auth"] = httpx.get(f"{stack.url}/api/users", trust_env=False).json()["pid"]

    os.kill(pids["envoy"], signal.SIGKILL)
    status = stack.process.wait(READY_WITHIN)

    assert status == 1
    assert "the gateway exited" in stack.stderr
    assert not any(alive(pid) for pid in pids.values())


def test_a_bad_rate_limit_setting_is_refused_before_anything_starts(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    data_dir = tmp_path / "data"
    stack = StackProcess(stack_env(data_dir, AUTH_RATE_LIMIT_PER_MINUTE="lots"), tmp_path)
    stacks.append(stack)

    status = stack.process.wait(READY_WITHIN)

    assert status == 2
    assert "invalid value for AUTH_RATE_LIMIT_PER_MINUTE: 'lots'" in stack.stderr
    assert not data_dir.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_what_the_runner_started_stops_when_it_is_killed_outright(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    python_path = fake_services(tmp_path / "fakes", auth=ECHO_SERVICE)
    env = stack_env(tmp_path / "data", PYTHONPATH=python_path, ZOMBILET_SERVICES="auth")
    stack = StackProcess(env, tmp_path)
    stacks.append(stack)
    stack.wait_ready()
    pids = [
        *stack.server_pids().values(),
        httpx.get(f"{stack.url}/api/users", trust_env=False).json()["pid"],
    ]

    stack.process.kill()
    stack.process.wait()

    wait_until_sync(
        lambda: not any(alive(pid) for pid in pids),
        within=15.0,
        message="processes outlived the runner",
    )


def test_a_taken_gateway_port_fails_before_anything_starts(
    tmp_path: Path, stacks: list[StackProcess]
) -> None:
    data_dir = tmp_path / "data"
    env = stack_env(data_dir)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", int(env["ZOMBILET_PORT"])))
        taken.listen()
        stack = StackProcess(env, tmp_path)
        stacks.append(stack)

        status = stack.process.wait(READY_WITHIN)

    assert status == 1
    assert f"cannot listen on port {env['ZOMBILET_PORT']}" in stack.stderr
    assert not data_dir.exists()
