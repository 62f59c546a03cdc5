"""The client's settings: defaults, and the one-line refusal of a value that does not parse."""

import subprocess
import sys

import pytest

from zombilet_client.settings import Settings


def test_defaults(monkeypatch) -> None:
    for name in ("API_BASE_URL", "STRIPE_PUBLISHABLE_KEY", "PORT", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)

    settings = Settings()

    assert settings.api_base_url == "http://localhost:8080"
    assert settings.stripe_publishable_key is None
    assert settings.port == 3000


def test_the_base_url_loses_its_trailing_slash(monkeypatch) -> None:
    monkeypatch.setenv("API_BASE_URL", "http://gateway:8080/")

    assert Settings().api_base_url == "http://gateway:8080"


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "API_BASE_URL",
            "gateway:8080",
            "client: invalid value for API_BASE_URL: expected an http:// or https:// URL",
        ),
        (
            "STRIPE_PUBLISHABLE_KEY",
            "sk_live_oops",
            "client: invalid value for STRIPE_PUBLISHABLE_KEY: "
            "expected a Stripe publishable key (pk_...)",
        ),
        (
            "PORT",
            "eighty",
            "client: invalid value for PORT: expected a port number from 1 to 65535",
        ),
    ],
)
def test_a_bad_value_stops_the_process_with_one_line(name, value, line) -> None:
    env = {"PATH": "/usr/bin:/bin", name: value}

    done = subprocess.run(
        [sys.executable, "-m", "zombilet_client"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert done.stderr == line + "\n"
