"""zombilet-up: the whole platform on one machine, behind one gateway port.

Starts Envoy as the gateway (its config generated from the route table) alongside NATS, Redis and
the Mongo-wire store (unless the environment names servers to use), then every installed service;
reports once all are ready; stops the gateway, the services, then the servers on Ctrl-C or
SIGTERM. Its own lines go to stderr, except the one ready line on stdout.
"""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from zombilet_common.testing.ports import free_port
from zombilet_common.testing.servers import ServerName, ServerStartError, start_servers
from zombilet_common.testing.serving import bind
from zombilet_local.env import (
    Backing,
    ConfigError,
    StackConfig,
    jwt_key,
    load,
    service_env,
)
from zombilet_local.envoy import EnvoyServer
from zombilet_local.routes import RouteTableError, load_routes
from zombilet_local.services import ServiceProcess, missing
from zombilet_local.supervisor import Supervisor

PROGRAM = "zombilet-up"
READY_TIMEOUT = 60.0
GATEWAY_POLL = 0.5


def main() -> None:
    """The `zombilet-up` console script."""
    sys.exit(asyncio.run(run(os.environ, Path.cwd())))


async def run(environ: Mapping[str, str], cwd: Path) -> int:
    """Run the stack until a signal; the exit status."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        table = load_routes()
        config = load(environ, cwd, table.rate_limit)
    except (ConfigError, RouteTableError) as exc:
        _say(str(exc))
        return 2
    try:
        # Tried before anything starts, so a taken port fails at once; Envoy then binds it.
        bind(config.gateway_port).close()
    except OSError as exc:
        _say(f"cannot listen on port {config.gateway_port} ({exc.strerror}); set ZOMBILET_PORT")
        return 1
    ports = _service_ports(config)
    gateway = EnvoyServer.create(
        config.data_dir / "envoy",
        table,
        port=config.gateway_port,
        upstreams=ports,
        rate_limit_per_minute=config.rate_limit_per_minute,
        upstream_timeout=config.upstream_timeout,
    )
    with contextlib.ExitStack() as servers_stack:
        servers_stack.callback(gateway.stop)
        try:
            # Envoy needs nothing else running, so it starts while the servers do.
            gateway.spawn()
            backing = _start_servers(config, servers_stack)
            gateway.wait_ready()
        except (ServerStartError, FileNotFoundError) as exc:
            _say(f"could not start the servers: {exc}")
            return 1
        _say(
            f"gateway (envoy) on {gateway.url} (log: {gateway.log_file},"
            f" access log: {gateway.settings.access_log})"
        )
        status = 0
        if stop.is_set():
            _say("stopping")
        else:
            status = await _run_services(environ, config, backing, ports, gateway, stop)
    if status == 0:
        _say("stopped")
    return status


async def _run_services(
    environ: Mapping[str, str],
    config: StackConfig,
    backing: Backing,
    ports: Mapping[str, int],
    gateway: EnvoyServer,
    stop: asyncio.Event,
) -> int:
    """Services behind the running gateway; until a stop is asked. Leaving stops them."""
    async with contextlib.AsyncExitStack() as stack:
        key = jwt_key(environ, config.data_dir)
        services = [
            ServiceProcess(
                name,
                port,
                service_env(
                    environ, service=name, port=port, backing=backing, jwt_key=key, config=config
                ),
            )
            for name, port in ports.items()
        ]
        stack.push_async_callback(_stop_all, services)
        # Registered after the services, so it stops first and no request meets a stopping one.
        stack.callback(gateway.stop)
        supervisors = [Supervisor(service, sys.stderr.buffer, _say) for service in services]
        runs = [asyncio.create_task(supervisor.run()) for supervisor in supervisors]
        # Last, so it runs first: nothing is restarted while the services stop.
        stack.push_async_callback(_stop_supervising, supervisors, runs)
        failure = await _wait_ready(supervisors, runs, stop, READY_TIMEOUT)
        if failure is not None:
            _say(f"{failure}; stopping everything")
            return 1
        if not stop.is_set():
            _announce(config, services)
            failure = await _watch(runs, gateway, stop)
            if failure is not None:
                _say(f"{failure}; stopping everything")
                return 1
        _say("stopping")
    return 0


def _start_servers(config: StackConfig, stack: contextlib.ExitStack) -> Backing:
    given: dict[ServerName, str | None] = {
        "nats": config.nats_url,
        "redis": config.redis_url,
        "mongo": config.mongo_uri,
    }
    urls = {name: url for name, url in given.items() if url is not None}
    needed = [name for name in given if name not in urls]
    if needed:
        servers = stack.enter_context(start_servers(*needed, data_dir=config.data_dir))
        for name in needed:
            process = servers.process(name)
            urls[name] = servers.mongo_uri("") if name == "mongo" else process.url
            _say(f"{name} on {process.url} (log: {process.log_file})")
    return Backing(nats_url=urls["nats"], redis_url=urls["redis"], mongo_base=urls["mongo"])


def _service_ports(config: StackConfig) -> dict[str, int]:
    """A free port for each installed service, chosen first so the gateway can route to it."""
    ports = {}
    for name in config.services:
        why = missing(name)
        if why is not None:
            _say(f"{name} is not installed ({why}); skipping it")
            continue
        ports[name] = free_port()
    return ports


async def _wait_ready(
    supervisors: Sequence[Supervisor],
    runs: Collection[asyncio.Task[str | None]],
    stop: asyncio.Event,
    within: float,
) -> str | None:
    """None once every service has been ready (or a stop is asked); else why not."""
    all_ready = asyncio.ensure_future(
        asyncio.gather(*(supervisor.ready.wait() for supervisor in supervisors))
    )
    stopping = asyncio.create_task(stop.wait())
    waiting: set[asyncio.Future[Any]] = {all_ready, stopping, *runs}
    try:
        done, _ = await asyncio.wait(waiting, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await _cancel(all_ready, stopping)
    for run in runs:
        if run in done:
            return run.result()
    if done:
        return None
    names = ", ".join(s.service.name for s in supervisors if not s.ready.is_set())
    return f"not ready after {within:g} s: {names} (see their output above)"


async def _watch(
    runs: Collection[asyncio.Task[str | None]], gateway: EnvoyServer, stop: asyncio.Event
) -> str | None:
    """Until a stop is asked (None), the gateway exits, or a service is given up on (why)."""
    stopping = asyncio.create_task(stop.wait())
    gateway_exit = asyncio.create_task(_exited(gateway, stop))
    try:
        done, _ = await asyncio.wait(
            {stopping, gateway_exit, *runs}, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        await _cancel(stopping, gateway_exit)
    if stopping in done:
        return None
    if gateway_exit in done:
        return f"the gateway exited (see {gateway.log_file})"
    return next(run.result() for run in runs if run in done)


async def _cancel(*tasks: asyncio.Future[Any]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _exited(gateway: EnvoyServer, stop: asyncio.Event) -> None:
    # Envoy runs under subprocess.Popen, whose exit cannot be awaited; looked at twice a second.
    while gateway.running and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), GATEWAY_POLL)


async def _stop_supervising(
    supervisors: Sequence[Supervisor], runs: Collection[asyncio.Task[str | None]]
) -> None:
    for supervisor in supervisors:
        supervisor.stop()
    await asyncio.gather(*runs)
    restarted = [f"{s.service.name} {s.restarts}" for s in supervisors if s.restarts]
    if restarted:
        _say(f"restarts: {', '.join(restarted)}")


async def _stop_all(services: Sequence[ServiceProcess]) -> None:
    # Side by side: each gets its own grace period, and none waits on another.
    await asyncio.gather(*(service.stop() for service in services))


def _announce(config: StackConfig, services: Sequence[ServiceProcess]) -> None:
    names = ", ".join(service.name for service in services) or "no services installed"
    sys.stdout.write(f"Zombilet is ready at {config.public_url} ({names})\n")
    sys.stdout.flush()


def _say(message: str) -> None:
    sys.stderr.write(f"{PROGRAM}: {message}\n")
    sys.stderr.flush()


if __name__ == "__main__":
    main()
