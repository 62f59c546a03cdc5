"""What the runner reads from its environment, and the environment each service gets."""

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from zombilet_common.settings import jwt_key_problem
from zombilet_local.routes import RateLimit, load_routes
from zombilet_local.services import SERVICES

DEFAULT_GATEWAY_PORT = 8080
# How long the gateway waits for a service's whole answer before it answers 504.
DEFAULT_UPSTREAM_TIMEOUT = 60.0
DEFAULT_DATA_DIR = ".data"
JWT_KEY_FILE = "jwt-key"


class ConfigError(ValueError):
    """A runner variable that does not parse; the message names it."""


@dataclass(frozen=True)
class StackConfig:
    """The runner's own settings; the servers given here are used instead of embedded ones."""

    data_dir: Path
    gateway_port: int
    services: tuple[str, ...]
    nats_url: str | None
    redis_url: str | None
    mongo_uri: str | None
    # Requests per minute per client address on the rate-limited paths; 0: no limit.
    rate_limit_per_minute: int
    upstream_timeout: float

    @property
    def public_url(self) -> str:
        return f"http://localhost:{self.gateway_port}"


def load(environ: Mapping[str, str], cwd: Path, rate_limit: RateLimit | None = None) -> StackConfig:
    """Read ZOMBILET_*, the server variables and the rate limit's setting (the route table's
    unless `rate_limit` is given); relative paths count from `cwd`."""
    limit = rate_limit if rate_limit is not None else load_routes().rate_limit
    _check_jwt_key(environ.get("JWT_KEY"))
    return StackConfig(
        data_dir=(
            cwd / Path(environ.get("ZOMBILET_DATA_DIR") or DEFAULT_DATA_DIR).expanduser()
        ).resolve(),
        gateway_port=_port(environ.get("ZOMBILET_PORT")),
        services=_services(environ.get("ZOMBILET_SERVICES", "")),
        nats_url=environ.get("NATS_URL") or None,
        redis_url=redis_url(environ),
        mongo_uri=environ.get("MONGO_URI") or None,
        rate_limit_per_minute=_per_minute(limit, environ.get(limit.setting)),
        upstream_timeout=_timeout(environ.get("ZOMBILET_UPSTREAM_TIMEOUT")),
    )


def redis_url(environ: Mapping[str, str]) -> str | None:
    """REDIS_URL, else the URL that REDIS_HOST stands for (as in SPEC §13)."""
    if environ.get("REDIS_URL"):
        return environ["REDIS_URL"]
    if environ.get("REDIS_HOST"):
        return f"redis://{environ['REDIS_HOST']}:6379/0"
    return None


def service_mongo_uri(base: str, service: str) -> str:
    """`base` with the service's name as its database, keeping hosts, credentials and options.

    With credentials and no `authSource`, the database in the URI is where the user is
    defined; it is kept as `authSource` (or `admin`), so renaming the database does not break
    authentication.
    """
    parts = urlsplit(base)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if "@" in parts.netloc and not any(key == "authSource" for key, _ in query):
        query.append(("authSource", parts.path.strip("/") or "admin"))
    return urlunsplit(parts._replace(path=f"/{service}", query=urlencode(query)))


def jwt_key(environ: Mapping[str, str], data_dir: Path) -> str:
    """JWT_KEY, else the key generated on the first run and kept in the data folder."""
    if environ.get("JWT_KEY"):
        return environ["JWT_KEY"]
    path = data_dir / JWT_KEY_FILE
    if path.exists():
        kept = path.read_text().strip()
        if kept:
            return kept
    key = secrets.token_hex(32)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Owner-only: the key signs every session.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


@dataclass(frozen=True)
class Backing:
    """Where the services find NATS, Redis and the Mongo-wire store."""

    nats_url: str
    redis_url: str
    mongo_base: str


def service_env(
    environ: Mapping[str, str],
    *,
    service: str,
    port: int,
    backing: Backing,
    jwt_key: str,
    config: StackConfig,
) -> dict[str, str]:
    """Everything the runner got, plus what this service needs to run in the stack."""
    env = dict(environ)
    env.update(
        PORT=str(port),
        MONGO_URI=service_mongo_uri(backing.mongo_base, service),
        NATS_URL=backing.nats_url,
        REDIS_URL=backing.redis_url,
        JWT_KEY=jwt_key,
    )
    env.setdefault("MAIL_OUTBOX_DIR", str(config.data_dir / "outbox"))
    env.setdefault("API_BASE_URL", config.public_url)
    env.setdefault("PUBLIC_URL", config.public_url)
    # Output goes through a pipe; unbuffered, it shows up when it happens.
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _port(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_GATEWAY_PORT
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"invalid value for ZOMBILET_PORT: {value!r} is not a number") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"invalid value for ZOMBILET_PORT: {port} is not a TCP port")
    return port


def _per_minute(limit: RateLimit, value: str | None) -> int:
    if value is None or value.strip() == "":
        return limit.per_minute
    try:
        per_minute = int(value)
    except ValueError:
        per_minute = -1
    if per_minute < 0:
        raise ConfigError(
            f"invalid value for {limit.setting}: {value!r} is not a whole number >= 0"
            " (0 turns the limit off)"
        )
    return per_minute


def _check_jwt_key(value: str | None) -> None:
    # The services refuse such a key too; refused here, nothing starts only to exit.
    problem = jwt_key_problem(value) if value else None
    if problem is not None:
        raise ConfigError(f"invalid value for JWT_KEY: {problem}")


def _timeout(value: str | None) -> float:
    if value is None or value.strip() == "":
        return DEFAULT_UPSTREAM_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    # Envoy reads 0 as "no timeout", which is not what a number of seconds says.
    if not 0.001 <= seconds < 86400.0:
        raise ConfigError(
            f"invalid value for ZOMBILET_UPSTREAM_TIMEOUT: {value!r} is not a number of seconds"
        )
    return seconds


def _services(value: str) -> tuple[str, ...]:
    names = [name for name in value.replace(",", " ").split() if name]
    if not names:
        return SERVICES
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        raise ConfigError(
            f"invalid value for ZOMBILET_SERVICES: unknown {', '.join(unknown)}"
            f" (known: {', '.join(SERVICES)})"
        )
    # The table's order, so the stack starts and reports the same way whatever the spelling.
    return tuple(name for name in SERVICES if name in names)
