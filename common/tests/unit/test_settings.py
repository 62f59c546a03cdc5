"""Settings from the environment, and the one-line refusal to start (SPEC 13)."""

import os
import subprocess
import sys
import textwrap
from typing import Any, ClassVar

import pytest
from pydantic import model_validator

from zombilet_common.settings import (
    Bool,
    JwtKey,
    MissingSettingError,
    MongoUri,
    NatsUrl,
    PositiveInt,
    ServiceSettings,
    StreamSettings,
    load_settings,
)

VARIABLES = (
    "MONGO_URI",
    "JWT_KEY",
    "JWT_TTL_SECONDS",
    "COOKIE_SECURE",
    "PORT",
    "LOG_LEVEL",
    "REDIS_URL",
    "NATS_STREAM_REPLICAS",
)


class OrdersSettings(ServiceSettings):
    service_name: ClassVar[str] = "orders"

    mongo_uri: str
    jwt_ttl_seconds: PositiveInt = 86400
    cookie_secure: Bool = False


class ExpirationSettings(ServiceSettings):
    service_name: ClassVar[str] = "expiration"

    redis_url: str | None = None
    redis_host: str | None = None

    @model_validator(mode="after")
    def redis_is_given(self) -> "ExpirationSettings":
        if self.redis_url is None and self.redis_host is None:
            raise MissingSettingError("REDIS_URL")
        return self


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*VARIABLES, "REDIS_HOST"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def refusal(capsys: pytest.CaptureFixture[str], cls: type[ServiceSettings]) -> str:
    with pytest.raises(SystemExit) as exited:
        load_settings(cls)
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_missing_variable_stops_the_process_with_one_line_and_status_2() -> None:
    script = textwrap.dedent(
        """
        from typing import ClassVar
        from zombilet_common.settings import ServiceSettings, load_settings

        class Settings(ServiceSettings):
            service_name: ClassVar[str] = "orders"
            mongo_uri: str
            nats_url: str

        load_settings(Settings)
        print("started")
        """
    )
    environment = {key: value for key, value in os.environ.items() if key.upper() not in VARIABLES}
    environment["NATS_URL"] = "nats://127.0.0.1:4222"

    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=False
    )

    assert done.returncode == 2
    assert done.stderr == "orders: missing required environment variable MONGO_URI\n"
    assert done.stdout == ""


def test_settings_come_from_upper_case_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGO_URI", "mongodb://db/orders")
    monkeypatch.setenv("JWT_TTL_SECONDS", " 60 ")
    monkeypatch.setenv("PORT", "3100")
    monkeypatch.setenv("LOG_LEVEL", "debug")

    settings = load_settings(OrdersSettings)

    assert settings.mongo_uri == "mongodb://db/orders"
    assert settings.jwt_ttl_seconds == 60
    assert settings.port == 3100
    assert settings.log_level == "DEBUG"


def test_defaults_apply_when_optional_variables_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGO_URI", "mongodb://db")
    settings = load_settings(OrdersSettings)
    assert (settings.port, settings.log_level) == (3000, "INFO")
    assert (settings.jwt_ttl_seconds, settings.cookie_secure) == (86400, False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("true", True), ("TRUE", True), ("1", True), ("Yes", True)],
        *[("false", False), ("False", False), ("0", False), ("NO", False)],
    ],
)
def test_booleans_take_six_words_in_any_case(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("MONGO_URI", "mongodb://db")
    monkeypatch.setenv("COOKIE_SECURE", raw)
    assert load_settings(OrdersSettings).cookie_secure is expected


def test_empty_required_variable_counts_as_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MONGO_URI", "")
    err = refusal(capsys, OrdersSettings)
    assert err == "orders: missing required environment variable MONGO_URI\n"


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("JWT_TTL_SECONDS", "abc", "expected a positive integer"),
        ("JWT_TTL_SECONDS", "0", "expected a positive integer"),
        ("JWT_TTL_SECONDS", "-5", "expected a positive integer"),
        ("JWT_TTL_SECONDS", "1.5", "expected a positive integer"),
        ("COOKIE_SECURE", "maybe", "expected true, false, 1, 0, yes or no"),
        ("COOKIE_SECURE", "on", "expected true, false, 1, 0, yes or no"),
        ("PORT", "70000", "expected a port number from 1 to 65535"),
        ("LOG_LEVEL", "chatty", "expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
)
def test_value_that_does_not_parse_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    raw: str,
    reason: str,
) -> None:
    monkeypatch.setenv("MONGO_URI", "mongodb://db")
    monkeypatch.setenv(name, raw)
    err = refusal(capsys, OrdersSettings)
    assert err == f"orders: invalid value for {name}: {reason}\n"


def test_only_the_first_problem_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COOKIE_SECURE", "maybe")
    err = refusal(capsys, OrdersSettings)
    assert err.count("\n") == 1
    assert err == "orders: missing required environment variable MONGO_URI\n"


def test_validator_can_name_the_missing_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refusal(capsys, ExpirationSettings)
    assert err == "expiration: missing required environment variable REDIS_URL\n"
    monkeypatch.setenv("REDIS_HOST", "redis")
    assert load_settings(ExpirationSettings).redis_host == "redis"


def test_tests_may_build_settings_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "4000")
    settings: Any = OrdersSettings(mongo_uri="mongodb://test", cookie_secure=True)
    assert (settings.mongo_uri, settings.cookie_secure, settings.port) == (
        "mongodb://test",
        True,
        4000,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MONGO_URI", "mongodb://h:abc/x"),
        ("MONGO_URI", "http://localhost/x"),
        ("NATS_URL", "nats://h:abc"),
        ("NATS_URL", "localhost:4222"),
    ],
)
def test_a_connection_url_that_does_not_parse_stops_the_start(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Connected(ServiceSettings):
        service_name: ClassVar[str] = "orders"
        mongo_uri: MongoUri
        nats_url: NatsUrl

    monkeypatch.setenv("MONGO_URI", "mongodb://127.0.0.1:27017/orders")
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:4222")
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        load_settings(Connected)
    lines = capsys.readouterr().err.splitlines()
    assert stopped.value.code == 2
    assert len(lines) == 1
    assert lines[0].startswith(f"orders: invalid value for {name}: ")


def test_well_formed_connection_urls_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    class Connected(ServiceSettings):
        service_name: ClassVar[str] = "orders"
        mongo_uri: MongoUri
        nats_url: NatsUrl

    monkeypatch.setenv("MONGO_URI", "mongodb://user:pw@a:27017,b:27018/orders?replicaSet=rs0")
    monkeypatch.setenv("NATS_URL", "nats://n1:4222, nats://n2:4222")
    settings = load_settings(Connected)
    assert settings.mongo_uri == "mongodb://user:pw@a:27017,b:27018/orders?replicaSet=rs0"
    assert settings.nats_url == "nats://n1:4222,nats://n2:4222"


def test_stream_replicas_default_to_one_and_come_from_nats_stream_replicas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONGO_URI", "mongodb://db")
    assert load_settings(OrdersSettings).nats_stream_replicas == 1
    assert StreamSettings().nats_stream_replicas == 1

    monkeypatch.setenv("NATS_STREAM_REPLICAS", "3")

    assert load_settings(OrdersSettings).nats_stream_replicas == 3
    assert StreamSettings().nats_stream_replicas == 3


@pytest.mark.parametrize("raw", ["0", "6", "three", "-1"])
def test_stream_replicas_outside_one_to_five_stop_the_service(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], raw: str
) -> None:
    monkeypatch.setenv("MONGO_URI", "mongodb://db")
    monkeypatch.setenv("NATS_STREAM_REPLICAS", raw)
    assert refusal(capsys, OrdersSettings) == (
        "orders: invalid value for NATS_STREAM_REPLICAS: expected a whole number from 1 to 5\n"
    )


class SessionSettings(ServiceSettings):
    service_name: ClassVar[str] = "tickets"

    jwt_key: JwtKey


@pytest.mark.parametrize("key", ["k", "dev-key", "x" * 31, "é" * 15 + "x"])
def test_a_jwt_key_under_32_bytes_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    monkeypatch.setenv("JWT_KEY", key)

    err = refusal(capsys, SessionSettings)

    assert err == (
        "tickets: invalid value for JWT_KEY: must be at least 32 bytes"
        f" (64 hex characters, say), not {len(key.encode())}\n"
    )


@pytest.mark.parametrize("key", ["x" * 32, "é" * 16, "0123456789abcdef" * 4])
def test_a_jwt_key_of_32_bytes_or_more_is_kept(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("JWT_KEY", key)

    assert load_settings(SessionSettings).jwt_key == key
