"""ServiceSettings and the one-line startup failure of SPEC 13."""

import re
import sys
from typing import Annotated, ClassVar, TypeVar
from urllib.parse import urlsplit

from pydantic import BeforeValidator, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError
from pymongo import uri_parser
from pymongo.errors import ConfigurationError, InvalidURI

EXIT_STATUS = 2

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_DIGITS = re.compile(r"[0-9]+")
_FIELD_IN_SOURCE_ERROR = re.compile(r'field "([^"]+)"')
_NATS_SCHEMES = frozenset({"nats", "tls", "ws", "wss"})
_HTTP_URL = re.compile(r"https?://[^\s/]+(/\S*)?")


def _parse_bool(value: object) -> object:
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("expected true, false, 1, 0, yes or no")


def _parse_int_between(low: int, high: int | None, expected: str) -> BeforeValidator:
    def parse(value: object) -> object:
        if isinstance(value, bool):
            raise ValueError(f"expected {expected}")
        number = value
        if isinstance(value, str):
            text = value.strip()
            number = int(text) if _DIGITS.fullmatch(text) else None
        if not isinstance(number, int) or number < low or (high is not None and number > high):
            raise ValueError(f"expected {expected}")
        return number

    return BeforeValidator(parse)


# HS256's key should be no shorter than its 256-bit hash (RFC 7518 §3.2); PyJWT says the same.
MIN_JWT_KEY_BYTES = 32


def jwt_key_problem(key: str) -> str | None:
    """Why `key` cannot sign sessions, or None; never echoes the key, as logs get it."""
    size = len(key.encode())
    if size < MIN_JWT_KEY_BYTES:
        return f"must be at least {MIN_JWT_KEY_BYTES} bytes (64 hex characters, say), not {size}"
    return None


def _parse_jwt_key(value: object) -> object:
    problem = jwt_key_problem(value) if isinstance(value, str) else None
    if problem is not None:
        raise ValueError(problem)
    return value


def _parse_log_level(value: object) -> object:
    if isinstance(value, str) and value.strip().upper() in _LOG_LEVELS:
        return value.strip().upper()
    raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}")


def _parse_mongo_uri(value: object) -> object:
    if not isinstance(value, str):
        return value
    uri = value.strip()
    if uri.startswith("mongodb+srv://"):
        # Parsing an SRV URI looks its hosts up in DNS; the driver does that at connect time.
        return uri
    if not uri.startswith("mongodb://"):
        raise ValueError("expected a mongodb:// or mongodb+srv:// URI")
    try:
        uri_parser.parse_uri(uri)
    except (InvalidURI, ConfigurationError, ValueError) as exc:
        raise ValueError(str(exc)) from None
    return uri


def _parse_nats_url(value: object) -> object:
    if not isinstance(value, str):
        return value
    urls = [url.strip() for url in value.split(",")]
    for url in urls:
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - reading it checks that the port is a number
        except ValueError:
            raise ValueError(f"bad port in {url}") from None
        if parts.scheme not in _NATS_SCHEMES or not parts.hostname:
            raise ValueError("expected nats://host[:port] (or tls://, ws://, wss://)")
    return ",".join(urls)


def _parse_http_url(value: object) -> object:
    if isinstance(value, str) and _HTTP_URL.fullmatch(value.strip()):
        url = value.strip().rstrip("/")
        try:
            # Reading the port checks that it is a number in range.
            urlsplit(url).port  # noqa: B018
        except ValueError:
            raise ValueError(f"bad port in {url}") from None
        return url
    raise ValueError("expected an http:// or https:// URL")


Bool = Annotated[bool, BeforeValidator(_parse_bool)]
"""true/false/1/0/yes/no in any case."""

PositiveInt = Annotated[int, _parse_int_between(1, None, "a positive integer")]
"""Decimal digits only, at least 1."""

Port = Annotated[int, _parse_int_between(1, 65535, "a port number from 1 to 65535")]
"""A TCP port."""

LogLevel = Annotated[str, BeforeValidator(_parse_log_level)]
"""A logging level name in any case, stored upper-case."""

MongoUri = Annotated[str, BeforeValidator(_parse_mongo_uri)]
"""A MongoDB connection string the driver accepts."""

NatsUrl = Annotated[str, BeforeValidator(_parse_nats_url)]
"""One NATS server URL, or several separated by commas."""

StreamReplicas = Annotated[int, _parse_int_between(1, 5, "a whole number from 1 to 5")]
"""How many JetStream servers keep each stream; JetStream allows at most 5."""

JwtKey = Annotated[str, BeforeValidator(_parse_jwt_key)]
"""The HS256 key that signs sessions: at least 32 bytes."""

HttpUrl = Annotated[str, BeforeValidator(_parse_http_url)]
"""An http:// or https:// URL without its trailing slash, so paths join with one `/`."""


class SettingError(ValueError):
    """Raised from a settings validator to choose the exact startup line."""


class MissingSettingError(SettingError):
    """A required variable is absent, e.g. REDIS_URL when REDIS_HOST is absent too."""

    def __init__(self, name: str) -> None:
        super().__init__(f"missing required environment variable {name}")


class InvalidSettingError(SettingError):
    """A variable's value does not parse."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"invalid value for {name}: {reason}")


class StreamSettings(BaseSettings):
    """`NATS_STREAM_REPLICAS`: 1 for one NATS server, 3 on a three-node JetStream cluster.

    Part of every service's settings, so a bad value stops the service at start; the service
    declaration hands it to the runtime, which creates the streams.
    """

    model_config = SettingsConfigDict(case_sensitive=False, env_ignore_empty=True)

    nats_stream_replicas: StreamReplicas = 1


class ServiceSettings(StreamSettings):
    """Base of every service's settings: field `mongo_uri` reads `MONGO_URI`, in any case.

    An empty variable counts as unset, so a blank manifest value falls back to the default or
    fails as missing.
    """

    service_name: ClassVar[str]

    port: Port = 3000
    log_level: LogLevel = "INFO"


S = TypeVar("S", bound=ServiceSettings)


def load_settings(cls: type[S]) -> S:
    """Build `cls` from the environment, or write one stderr line and exit with status 2."""
    service = getattr(cls, "service_name", cls.__name__)
    try:
        return cls()
    except ValidationError as exc:
        line = _describe(exc.errors()[0])
    except SettingsError as exc:
        match = _FIELD_IN_SOURCE_ERROR.search(str(exc))
        name = match.group(1).upper() if match else "a variable"
        line = str(InvalidSettingError(name, "cannot be parsed"))
    sys.stderr.write(f"{service}: {line}\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_STATUS)


def _describe(error: ErrorDetails) -> str:
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, SettingError):
        return str(cause)
    name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
    if error["type"] == "missing":
        return str(MissingSettingError(name))
    reason = str(cause) if error["type"] == "value_error" and cause else error["msg"]
    return str(InvalidSettingError(name, reason))
