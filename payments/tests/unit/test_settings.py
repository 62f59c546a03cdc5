"""Payments' settings (SPEC.md §13) and the gateway they choose."""

import pytest
from mongomock_motor import AsyncMongoMockClient

from zombilet_common.settings import load_settings
from zombilet_payments.gateways.offline import OfflineGateway
from zombilet_payments.gateways.stripe_api import StripeGateway
from zombilet_payments.main import build_gateway
from zombilet_payments.settings import Settings

REQUIRED = {"MONGO_URI": "mongodb://db/payments", "NATS_URL": "nats://n:4222", "JWT_KEY": "k" * 32}


@pytest.fixture
def env(monkeypatch) -> pytest.MonkeyPatch:
    for name in (
        "STRIPE_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_CURRENCY",
        "STRIPE_API_BASE",
        "PUBLIC_URL",
        "PORT",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_defaults(env) -> None:
    settings = load_settings(Settings)
    assert (settings.stripe_key, settings.stripe_currency, settings.stripe_api_base) == (
        None,
        "gbp",
        None,
    )
    assert settings.port == 3000
    assert (settings.stripe_webhook_secret, settings.public_url) == (None, "http://localhost:8080")


def test_currency_is_lower_cased(env) -> None:
    env.setenv("STRIPE_CURRENCY", " EUR ")
    assert load_settings(Settings).stripe_currency == "eur"


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "STRIPE_CURRENCY",
            "pounds",
            "payments: invalid value for STRIPE_CURRENCY: "
            "expected a three-letter ISO 4217 currency code, e.g. gbp\n",
        ),
        (
            "STRIPE_API_BASE",
            "localhost:12111",
            "payments: invalid value for STRIPE_API_BASE: expected an http:// or https:// URL\n",
        ),
    ],
)
def test_an_invalid_value_stops_the_process(env, capsys, name: str, value: str, line: str) -> None:
    env.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        load_settings(Settings)
    assert exited.value.code == 2
    assert capsys.readouterr().err == line


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_a_missing_required_variable_stops_the_process(env, capsys, missing: str) -> None:
    env.delenv(missing)
    with pytest.raises(SystemExit):
        load_settings(Settings)
    assert capsys.readouterr().err == (
        f"payments: missing required environment variable {missing}\n"
    )


async def test_without_stripe_key_the_offline_gateway_is_used(env) -> None:
    db = AsyncMongoMockClient(tz_aware=True)["payments"]
    gateway = await build_gateway(load_settings(Settings), db)
    assert isinstance(gateway, OfflineGateway)


def test_stripe_key_without_a_webhook_secret_stops_the_process(env, capsys) -> None:
    env.setenv("STRIPE_KEY", "sk_test_123")
    with pytest.raises(SystemExit) as exited:
        load_settings(Settings)
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "payments: missing required environment variable STRIPE_WEBHOOK_SECRET\n"
    )


def test_public_url_loses_its_trailing_slash(env) -> None:
    env.setenv("PUBLIC_URL", "https://zombilet.example/")
    assert load_settings(Settings).public_url == "https://zombilet.example"


async def test_with_stripe_key_the_stripe_library_is_used(env) -> None:
    env.setenv("STRIPE_KEY", "sk_test_123")
    env.setenv("STRIPE_WEBHOOK_SECRET", "whsec_123")
    db = AsyncMongoMockClient(tz_aware=True)["payments"]
    gateway = await build_gateway(load_settings(Settings), db)
    assert isinstance(gateway, StripeGateway)
    await gateway.close()


def test_a_charge_claim_lapses_after_two_minutes_unless_set(env) -> None:
    assert load_settings(Settings).payment_claim_seconds == 120
    env.setenv("PAYMENT_CLAIM_SECONDS", "5")
    assert load_settings(Settings).payment_claim_seconds == 5


def test_a_claim_lapse_of_zero_stops_the_process(env, capsys) -> None:
    env.setenv("PAYMENT_CLAIM_SECONDS", "0")
    with pytest.raises(SystemExit):
        load_settings(Settings)
    assert capsys.readouterr().err == (
        "payments: invalid value for PAYMENT_CLAIM_SECONDS: expected a positive integer\n"
    )
