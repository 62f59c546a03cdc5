"""Without SENDGRID_KEY: each mail becomes an RFC 5322 `.eml` file in MAIL_OUTBOX_DIR."""

import asyncio
import logging
import os
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid
from pathlib import Path

from zombilet_common.headers import MAIL_EVENT
from zombilet_contact.senders import Mail, SendFailed

log = logging.getLogger(__name__)

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def subject_slug(subject: str) -> str:
    """`Sign In Activity | Zombilet!` → `sign-in-activity-zombilet`."""
    return _NOT_SLUG.sub("-", subject.lower()).strip("-") or "mail"


def file_name(subject: str, now: datetime) -> str:
    """`<YYYYMMDDTHHMMSSffffff>Z-<subject slug>-<8 hex>.eml`, sorting in sending order."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}Z-{subject_slug(subject)}-{secrets.token_hex(4)}.eml"


def render_eml(mail: Mail, *, sender: str, now: datetime) -> bytes:
    """The whole message: headers, a blank line, the body, with CRLF line ends."""
    headers = {
        "From": sender,
        "To": mail.to,
        "Subject": mail.subject,
        "Date": format_datetime(now.astimezone(UTC)),
        "Message-ID": make_msgid(domain="zombilet.com"),
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Transfer-Encoding": "8bit",
        MAIL_EVENT: mail.event_id,
    }
    for name, value in headers.items():
        # A line break in a value would start a header of the caller's choosing.
        if "\r" in value or "\n" in value:
            raise ValueError(f"line break in the {name} header")
    lines = [f"{name}: {value}" for name, value in headers.items()]
    body = "\r\n".join(mail.body.splitlines())
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode("utf-8")


class EmlFileSender:
    """Records what would have been sent, one file per mail, and logs one line for each."""

    def __init__(
        self,
        directory: Path,
        *,
        sender: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.directory = directory
        self._sender = sender
        self._now = clock

    async def send(self, mail: Mail) -> None:
        now = self._now()
        data = render_eml(mail, sender=self._sender, now=now)
        path = self.directory / file_name(mail.subject, now)
        try:
            await asyncio.to_thread(self._write, path, data)
        except OSError as exc:
            raise SendFailed(f"cannot write {path}: {exc}") from exc
        log.info(
            'mail to=%s subject="%s" file=%s',
            mail.to,
            mail.subject,
            path,
            extra={"to": mail.to, "subject": mail.subject, "file": str(path)},
        )

    def _write(self, path: Path, data: bytes) -> None:
        # Written under a hidden name and renamed, so a reader of `*.eml` never sees half a mail.
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        try:
            with temporary.open("xb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
