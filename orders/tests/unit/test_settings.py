"""Orders' settings (SPEC.md §13): EXPIRATION_WINDOW_SECONDS and the one-line startup failure."""

import pytest

from zombilet_common.settings import load_settings
from zombilet_orders.settings import Settings

REQUIRED = {"MONGO_URI": "mongodb://x/orders", "NATS_URL": "nats://x:4222", "JWT_KEY": "k" * 32}


def test_the_window_defaults_to_60_seconds(monkeypatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EXPIRATION_WINDOW_SECONDS", raising=False)
    assert load_settings(Settings).expiration_window_seconds == 60
    monkeypatch.setenv("EXPIRATION_WINDOW_SECONDS", "5")
    assert load_settings(Settings).expiration_window_seconds == 5


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5"])
def test_a_window_that_is_not_a_positive_integer_stops_the_start(
    monkeypatch, capsys, value: str
) -> None:
    for name, required in REQUIRED.items():
        monkeypatch.setenv(name, required)
    monkeypatch.setenv("EXPIRATION_WINDOW_SECONDS", value)
    with pytest.raises(SystemExit) as stopped:
        load_settings(Settings)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "orders: invalid value for EXPIRATION_WINDOW_SECONDS: expected a positive integer\n"
    )


def test_a_missing_jwt_key_stops_the_start(monkeypatch, capsys) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("JWT_KEY")
    with pytest.raises(SystemExit):
        load_settings(Settings)
    assert capsys.readouterr().err == "orders: missing required environment variable JWT_KEY\n"


def test_a_jwt_key_under_32_bytes_stops_the_start(monkeypatch, capsys) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("JWT_KEY", "dev-key")
    with pytest.raises(SystemExit) as stopped:
        load_settings(Settings)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "orders: invalid value for JWT_KEY: must be at least 32 bytes (64 hex characters, say),"
        " not 7\n"
    )
