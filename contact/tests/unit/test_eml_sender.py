"""Without SENDGRID_KEY each mail is an RFC 5322 `.eml` file plus one INFO line."""

import logging
import re
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from zombilet_contact.senders import Mail, SendFailed
from zombilet_contact.senders.eml import EmlFileSender, subject_slug

NOW = datetime(2031, 3, 1, 12, 0, 5, 123456, tzinfo=UTC)
MAIL = Mail(
    to="buyer@example.com",
    subject="Sign In Activity | Zombilet!",
    body="Hello,\n\nPrice: £16.99\n\nThe Zombilet Team\n",
    event_id="user.signed-in:" + "a" * 24 + ":" + "b" * 32,
)


def entries(directory: Path, pattern: str = "*") -> list[Path]:
    return sorted(directory.glob(pattern))


def sender(directory: Path) -> EmlFileSender:
    return EmlFileSender(directory, sender="no-reply@zombilet.com", clock=lambda: NOW)


async def test_file_holds_the_headers_and_the_plain_text_body(tmp_path: Path) -> None:
    await sender(tmp_path).send(MAIL)

    (path,) = entries(tmp_path, "*.eml")
    raw = path.read_bytes()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["From"] == "no-reply@zombilet.com"
    assert message["To"] == "buyer@example.com"
    assert message["Subject"] == "Sign In Activity | Zombilet!"
    assert parsedate_to_datetime(message["Date"]) == NOW.replace(microsecond=0)
    assert re.fullmatch(r"<[^<>@\s]+@zombilet\.com>", message["Message-ID"])
    assert message["X-Zombilet-Event"] == MAIL.event_id
    assert b"\r\nContent-Type: text/plain; charset=utf-8\r\n" in raw
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == MAIL.body
    # RFC 5322 lines end with CRLF, and the headers end at the first blank line.
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert raw.index(b"\r\n\r\n") < raw.index(b"Hello,")


async def test_each_mail_gets_its_own_message_id(tmp_path: Path) -> None:
    await sender(tmp_path).send(MAIL)
    await sender(tmp_path).send(MAIL)

    parser = BytesParser(policy=policy.default)
    ids = {parser.parsebytes(p.read_bytes())["Message-ID"] for p in entries(tmp_path, "*.eml")}
    assert len(ids) == 2


async def test_file_is_named_after_time_and_subject(tmp_path: Path) -> None:
    await sender(tmp_path).send(MAIL)

    (path,) = entries(tmp_path)
    assert re.fullmatch(
        r"20310301T120005123456Z-sign-in-activity-zombilet-[0-9a-f]{8}\.eml", path.name
    )


@pytest.mark.parametrize(
    ("subject", "slug"),
    [
        ("Welcome to Zombilet!", "welcome-to-zombilet"),
        ("Reset Password | Zombilet", "reset-password-zombilet"),
        ("Order Cancelled | Zombilet", "order-cancelled-zombilet"),
    ],
)
def test_subject_slug(subject: str, slug: str) -> None:
    assert subject_slug(subject) == slug


async def test_missing_outbox_directory_is_created(tmp_path: Path) -> None:
    directory = tmp_path / "not" / "yet" / "there"

    await sender(directory).send(MAIL)

    assert len(entries(directory, "*.eml")) == 1


async def test_only_the_finished_file_is_left_behind(tmp_path: Path) -> None:
    for _ in range(3):
        await sender(tmp_path).send(MAIL)

    names = [p.name for p in entries(tmp_path)]
    assert len(names) == 3
    assert all(name.endswith(".eml") and not name.startswith(".") for name in names)


async def test_each_mail_logs_one_info_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="zombilet_contact"):
        await sender(tmp_path).send(MAIL)

    (path,) = entries(tmp_path, "*.eml")
    lines = [r for r in caplog.records if r.name.startswith("zombilet_contact")]
    assert [(r.levelno, r.getMessage()) for r in lines] == [
        (
            logging.INFO,
            f'mail to=buyer@example.com subject="Sign In Activity | Zombilet!" file={path}',
        )
    ]


async def test_unwritable_outbox_is_a_failed_send(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")

    with pytest.raises(SendFailed):
        await sender(blocker).send(MAIL)

    assert entries(tmp_path) == [blocker]


async def test_line_break_in_a_header_is_refused(tmp_path: Path) -> None:
    forged = Mail(
        to="a@example.com\r\nBcc: everyone@example.com",
        subject=MAIL.subject,
        body=MAIL.body,
        event_id=MAIL.event_id,
    )

    with pytest.raises(ValueError, match="line break in the To header"):
        await sender(tmp_path).send(forged)

    assert entries(tmp_path) == []
