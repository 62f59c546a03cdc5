"""SPEC.md §13 for contact: what it reads, its defaults, and its refusals to start."""

from pathlib import Path

import pytest

from zombilet_common.settings import load_settings
from zombilet_contact.main import build_sender
from zombilet_contact.senders.eml import EmlFileSender
from zombilet_contact.senders.sendgrid_api import SendGridSender
from zombilet_contact.settings import Settings

VARIABLES = (
    "MONGO_URI",
    "NATS_URL",
    "JWT_KEY",
    "SENDGRID_KEY",
    "SENDGRID_EMAIL",
    "SENDGRID_HOST",
    "PUBLIC_URL",
    "MAIL_OUTBOX_DIR",
    "PORT",
    "LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("MONGO_URI", "mongodb://127.0.0.1:27017/contact")
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:4222")
    return monkeypatch


def refusal(capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        load_settings(Settings)
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_defaults_need_no_jwt_key_and_mail_into_the_local_outbox() -> None:
    settings = load_settings(Settings)

    assert settings.public_url == "http://localhost:8080"
    assert settings.mail_outbox_dir == Path("./mail-outbox")
    assert settings.sendgrid_key is None
    assert settings.from_email == "no-reply@zombilet.com"
    assert settings.sendgrid_host == "https://api.sendgrid.com"
    assert settings.port == 3000


def test_public_url_loses_its_trailing_slash(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("PUBLIC_URL", "https://zombilet.example/")
    assert load_settings(Settings).public_url == "https://zombilet.example"


def test_public_url_that_is_not_http_refuses_to_start(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("PUBLIC_URL", "zombilet.example")
    assert refusal(capsys) == (
        "contact: invalid value for PUBLIC_URL: expected an http:// or https:// URL\n"
    )


@pytest.mark.parametrize("name", ["MONGO_URI", "NATS_URL"])
def test_missing_required_variable_refuses_to_start(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    environment.delenv(name)
    assert refusal(capsys) == f"contact: missing required environment variable {name}\n"


def test_sendgrid_key_without_sender_address_refuses_to_start(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("SENDGRID_KEY", "SG.key")
    assert refusal(capsys) == "contact: missing required environment variable SENDGRID_EMAIL\n"


def test_sendgrid_key_and_address_send_through_sendgrid(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment.setenv("SENDGRID_KEY", "SG.key")
    environment.setenv("SENDGRID_EMAIL", "tickets@zombilet.example")
    environment.setenv("MAIL_OUTBOX_DIR", str(tmp_path / "outbox"))
    settings = load_settings(Settings)

    assert settings.from_email == "tickets@zombilet.example"
    assert isinstance(build_sender(settings), SendGridSender)
    assert not (tmp_path / "outbox").exists()


def test_without_sendgrid_key_mails_go_to_the_outbox_which_is_created(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment.setenv("MAIL_OUTBOX_DIR", str(tmp_path / "data" / "outbox"))
    environment.setenv("SENDGRID_EMAIL", "tickets@zombilet.example")
    settings = load_settings(Settings)

    sender = build_sender(settings)

    assert isinstance(sender, EmlFileSender)
    assert sender.directory == tmp_path / "data" / "outbox"
    assert sender.directory.is_dir()
