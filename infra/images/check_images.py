"""Build every member's image with podman and run each as Kubernetes would.

There is no Docker engine and no registry here, so the official Python image cannot be pulled:
a Debian bookworm root file system with Python 3.11 is made once with debootstrap, imported, and
given to `podman build --from`, which stands it in for the Dockerfile's first `FROM`. Each image
then runs read-only as its own user against real NATS, Redis and the Mongo-wire store on the
host's loopback, and must answer /healthz, become ready on /readyz, run as uid 10001 and stop
on SIGTERM within the termination grace period. The `dev` target must restart the service
when a source file changes, as skaffold's file sync changes them.

Run from the repository root: `make images`. Exits 1 when any image fails a check.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from zombilet_common.testing.ports import free_port
from zombilet_common.testing.servers import Servers, start_servers

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".images"
BASE_IMAGE = "localhost/zombilet-python:3.11-bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("python3", "python3-venv", "python3-pip", "ca-certificates")
HOST_PACKAGES = (
    "podman",
    "buildah",
    "runc",
    "debootstrap",
    "uidmap",
    "fuse-overlayfs",
    "slirp4netns",
)
# crun cannot set rlimits here and the cgroup hierarchy is hybrid: runc, cgroupfs, fixed limits.
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""
USER_ID = 10001
GROUP_ID = 10001
READY_TIMEOUT = 60.0
# Kubernetes' default terminationGracePeriodSeconds.
GRACE_PERIOD = 30.0
POLL_INTERVAL = 0.2
JWT_KEY = "images-check-key-at-least-32-bytes-long"


class CheckFailed(RuntimeError):
    """One image failed one check; the message says which and why."""


@dataclass(frozen=True)
class Result:
    image: str
    size_mb: float
    build_s: float
    ready_s: float
    stop_s: float
    reload_s: float


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run(command: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """Run a command to its end; its output, or CheckFailed with the tail of it."""
    completed = subprocess.run(
        command,
        env=None if env is None else {**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        tail = "\n".join(completed.stdout.splitlines()[-30:])
        raise CheckFailed(f"{' '.join(command[:3])} … exited {completed.returncode}:\n{tail}")
    return completed.stdout


def image_members(root: Path) -> list[str]:
    """Members with a Dockerfile, in workspace order; those listed nowhere come last."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    listed: list[str] = pyproject["tool"]["uv"]["workspace"]["members"]
    with_dockerfile = sorted(path.parent.name for path in root.glob("*/Dockerfile"))
    ordered = [member for member in listed if member in with_dockerfile]
    return ordered + [member for member in with_dockerfile if member not in ordered]


def ensure_host_tools() -> None:
    missing = [tool for tool in ("podman", "debootstrap", "runc") if shutil.which(tool) is None]
    if not missing:
        return
    say(f"installing {' '.join(HOST_PACKAGES)} (missing: {', '.join(missing)})")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env)
    run(["apt-get", "install", "-y", "-qq", *HOST_PACKAGES], env)


def podman_env() -> dict[str, str]:
    CACHE.mkdir(exist_ok=True)
    conf = CACHE / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    return {"CONTAINERS_CONF": str(conf)}


def ensure_base(env: Mapping[str, str]) -> None:
    exists = subprocess.run(["podman", "image", "exists", BASE_IMAGE], env={**os.environ, **env})
    if exists.returncode == 0:
        say(f"base {BASE_IMAGE}: cached")
        return
    rootfs = CACHE / "rootfs"
    if not (rootfs / "usr" / "bin" / "python3").exists():
        shutil.rmtree(rootfs, ignore_errors=True)
        say(f"base: debootstrap bookworm with {', '.join(BASE_PACKAGES)}")
        run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                "bookworm",
                str(rootfs),
                DEBIAN_MIRROR,
            ]
        )
    say(f"base: importing {BASE_IMAGE}")
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    # The official image sets PATH itself; an imported file system has no environment at all.
    imported = subprocess.run(
        [
            "podman",
            "import",
            "--change",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "--change",
            "ENV LANG=C.UTF-8",
            "--change",
            'CMD ["python3"]',
            "-",
            BASE_IMAGE,
        ],
        stdin=tar.stdout,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        check=False,
    )
    tar.wait()
    if imported.returncode != 0 or tar.returncode != 0:
        raise CheckFailed(f"importing {BASE_IMAGE} failed")


def build(
    member: str, env: Mapping[str, str], *, target: str | None = None, no_cache: bool = False
) -> float:
    """Build `member`'s image (or one of its targets); the seconds it took."""
    started = time.monotonic()
    run(
        [
            "podman",
            "build",
            "--from",
            BASE_IMAGE,
            "--file",
            f"{member}/Dockerfile",
            "--tag",
            image_name(member, target),
            *(["--target", target] if target else []),
            *(["--no-cache"] if no_cache else []),
            # PyPI is reached here only through the host's CA bundle.
            "--volume",
            "/etc/ssl/certs:/etc/ssl/certs:ro",
            "--build-arg",
            "UV_NATIVE_TLS=1",
            str(ROOT),
        ],
        env,
    )
    return time.monotonic() - started


def image_name(member: str, target: str | None = None) -> str:
    return f"localhost/zombilet-{member}:{target or 'latest'}"


def service_env(member: str, servers: Servers, port: int) -> dict[str, str]:
    return {
        "PORT": str(port),
        "MONGO_URI": servers.mongo_uri(member),
        "NATS_URL": servers.nats_url,
        "REDIS_URL": servers.redis_url,
        "JWT_KEY": JWT_KEY,
        "LOG_LEVEL": "WARNING",
    }


def start(
    member: str, servers: Servers, env: Mapping[str, str], target: str | None, *flags: str
) -> tuple[str, str, float]:
    """Start the image on a free port of the host network: its container, URL and start time."""
    port = free_port()
    container = f"zombilet-check-{member}-{port}"
    settings = service_env(member, servers, port)
    if target == "dev":
        # Its restarts are seen in uvicorn's INFO lines.
        settings["LOG_LEVEL"] = "INFO"
    variables = [f"--env={key}={value}" for key, value in settings.items()]
    started = time.monotonic()
    run(
        [
            "podman",
            "run",
            "--detach",
            "--name",
            container,
            *flags,
            "--network",
            "host",
            *variables,
            image_name(member, target),
        ],
        env,
    )
    return container, f"http://127.0.0.1:{port}", started


def remove(container: str, env: Mapping[str, str]) -> None:
    subprocess.run(
        ["podman", "rm", "--force", "--time", "0", container],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def check_running(member: str, servers: Servers, env: Mapping[str, str]) -> tuple[float, float]:
    """Run the image as Kubernetes would; the seconds to ready and to stop after SIGTERM."""
    container, url, started = start(
        member,
        servers,
        env,
        None,
        "--read-only",
        "--read-only-tmpfs=false",
        "--tmpfs",
        "/tmp:rw,size=64m",
    )
    try:
        ready_s = wait_ready(container, url, started, env)
        check_user(container, env)
        return ready_s, stop(container, env)
    finally:
        remove(container, env)


def check_reload(member: str, servers: Servers, env: Mapping[str, str]) -> float:
    """Run the dev target, change a source file as file sync would, and time the restart."""
    container, url, started = start(member, servers, env, "dev")
    try:
        wait_ready(container, url, started, env)
        changed = time.monotonic()
        source = f"{member}/src/zombilet_{member}/__init__.py"
        # As the container's own user: file sync writes as that user.
        run(["podman", "exec", container, "sh", "-c", f"echo >> {source}"], env)
        deadline = changed + READY_TIMEOUT
        while starts(container, env) < 2:
            if time.monotonic() >= deadline:
                raise CheckFailed(f"{container} did not restart after {source} changed")
            time.sleep(POLL_INTERVAL)
        return wait_ready(container, url, changed, env)
    finally:
        remove(container, env)


def starts(container: str, env: Mapping[str, str]) -> int:
    """How many times the service process has started in the container."""
    return run(["podman", "logs", container], env).count("Started server process")


def wait_ready(container: str, url: str, started: float, env: Mapping[str, str]) -> float:
    deadline = started + READY_TIMEOUT
    last = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            state = run(["podman", "inspect", "--format", "{{.State.Status}}", container], env)
            if state.strip() != "running":
                logs = run(["podman", "logs", container], env)
                raise CheckFailed(f"{container} is {state.strip()} before ready:\n{logs[-2000:]}")
            try:
                health = client.get(f"{url}/healthz")
                ready = client.get(f"{url}/readyz")
            except httpx.TransportError as error:
                last = repr(error)
            else:
                if health.status_code == 200 and ready.status_code == 200:
                    return time.monotonic() - started
                last = f"/healthz {health.status_code}, /readyz {ready.status_code}: {ready.text}"
            time.sleep(POLL_INTERVAL)
    raise CheckFailed(f"{container} not ready within {READY_TIMEOUT:g} s ({last})")


def check_user(container: str, env: Mapping[str, str]) -> None:
    """The service process (pid 1 in the container) runs as the declared non-root user."""
    status = run(
        ["podman", "exec", container, "python", "-c", "print(open('/proc/1/status').read())"], env
    )
    ids = {
        line.split(":")[0]: line.split()[1]
        for line in status.splitlines()
        if line.startswith(("Uid:", "Gid:"))
    }
    if ids != {"Uid": str(USER_ID), "Gid": str(GROUP_ID)}:
        raise CheckFailed(f"{container} runs as {ids}, not uid {USER_ID} gid {GROUP_ID}")


def stop(container: str, env: Mapping[str, str]) -> float:
    started = time.monotonic()
    run(["podman", "kill", "--signal", "TERM", container], env)
    try:
        code = subprocess.run(
            ["podman", "wait", container],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            text=True,
            timeout=GRACE_PERIOD,
            check=False,
        ).stdout.strip()
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{container} still running {GRACE_PERIOD:g} s after SIGTERM") from None
    if code != "0":
        logs = run(["podman", "logs", container], env)
        raise CheckFailed(f"{container} exited {code} after SIGTERM:\n{logs[-2000:]}")
    return time.monotonic() - started


def image_size_mb(member: str, env: Mapping[str, str]) -> float:
    inspected = json.loads(run(["podman", "image", "inspect", image_name(member)], env))
    return float(inspected[0]["Size"]) / 1_000_000


def table(results: Iterable[Result]) -> str:
    rows = [("image", "size", "build", "ready", "stop", "dev reload")]
    rows += [
        (
            r.image,
            f"{r.size_mb:.0f} MB",
            f"{r.build_s:.1f} s",
            f"{r.ready_s:.1f} s",
            f"{r.stop_s:.1f} s",
            f"{r.reload_s:.1f} s",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cache", action="store_true", help="rebuild every layer")
    arguments = parser.parse_args()
    os.chdir(ROOT)
    ensure_host_tools()
    env = podman_env()
    ensure_base(env)
    members = image_members(ROOT)
    results: list[Result] = []
    failures: list[str] = []
    with start_servers("nats", "redis", "mongo") as servers:
        for member in members:
            try:
                say(f"{member}: building")
                build_s = build(member, env, no_cache=arguments.no_cache)
                build(member, env, target="dev")
                say(f"{member}: running")
                ready_s, stop_s = check_running(member, servers, env)
                say(f"{member}: changing a file in the dev target")
                reload_s = check_reload(member, servers, env)
                size_mb = image_size_mb(member, env)
            except CheckFailed as failure:
                failures.append(member)
                say(f"{member}: FAILED: {failure}")
                continue
            results.append(Result(image_name(member), size_mb, build_s, ready_s, stop_s, reload_s))
    say("")
    say(table(results))
    if failures:
        say(f"\nfailed: {', '.join(failures)}")
        return 1
    checked = f"read-only, uid {USER_ID}, SIGTERM stop, dev reload"
    say(f"\n{len(results)} images built and checked ({checked})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
