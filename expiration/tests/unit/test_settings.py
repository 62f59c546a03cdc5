"""Expiration's settings (SPEC.md §13): REDIS_URL or REDIS_HOST, NATS_URL, fail fast."""

import pytest

from zombilet_common.settings import load_settings
from zombilet_expiration.settings import Settings


@pytest.fixture
def env(monkeypatch) -> pytest.MonkeyPatch:
    for name in (
        "REDIS_URL",
        "REDIS_HOST",
        "EXPIRATION_QUEUE",
        "EXPIRATION_POLL_DELAY_SECONDS",
        "PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NATS_URL", "nats://nats:4222")
    return monkeypatch


def test_redis_url_is_used_as_given(env) -> None:
    env.setenv("REDIS_URL", "redis://cache:6380/2")
    settings = load_settings(Settings)
    assert settings.redis_dsn == "redis://cache:6380/2"
    assert (settings.expiration_queue, settings.expiration_poll_delay_seconds) == (
        "zombilet:expiration",
        0.1,
    )


def test_redis_host_stands_for_its_default_url(env) -> None:
    env.setenv("REDIS_HOST", "expiration-redis-srv")
    assert load_settings(Settings).redis_dsn == "redis://expiration-redis-srv:6379/0"


def test_redis_url_wins_over_redis_host(env) -> None:
    env.setenv("REDIS_URL", "redis://a:1/0")
    env.setenv("REDIS_HOST", "b")
    assert load_settings(Settings).redis_dsn == "redis://a:1/0"


@pytest.mark.parametrize(
    ("variables", "line"),
    [
        ({}, "expiration: missing required environment variable REDIS_URL\n"),
        (
            {"REDIS_URL": "cache:6379"},
            "expiration: invalid value for REDIS_URL: "
            "expected a redis://, rediss:// or unix:// URL\n",
        ),
        (
            {"REDIS_URL": "redis://a/0", "EXPIRATION_POLL_DELAY_SECONDS": "0"},
            "expiration: invalid value for EXPIRATION_POLL_DELAY_SECONDS: "
            "expected a number of seconds above 0 and at most 5\n",
        ),
    ],
)
def test_a_missing_or_invalid_setting_stops_the_process(
    env, capsys, variables: dict[str, str], line: str
) -> None:
    for name, value in variables.items():
        env.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        load_settings(Settings)
    assert exited.value.code == 2
    assert capsys.readouterr().err == line


def test_missing_nats_url_stops_the_process(env, capsys) -> None:
    env.delenv("NATS_URL")
    env.setenv("REDIS_URL", "redis://a/0")
    with pytest.raises(SystemExit):
        load_settings(Settings)
    assert capsys.readouterr().err == "expiration: missing required environment variable NATS_URL\n"
