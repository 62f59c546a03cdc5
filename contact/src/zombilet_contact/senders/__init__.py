"""The one small interface both ways of sending an e-mail sit behind."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Mail:
    """A plain-text e-mail to one recipient, caused by the event `event_id` (`Nats-Msg-Id`)."""

    to: str
    subject: str
    body: str
    event_id: str


class SendFailed(Exception):
    """The provider did not accept the mail (refused, unreachable, timed out, disk full)."""


class SendUncertain(SendFailed):
    """The mail was handed over but no answer came (a timeout while waiting for it): the
    provider may have accepted it, so sending it again could mail it twice."""


class Sender(Protocol):
    async def send(self, mail: Mail) -> None:
        """Return once the mail is accepted; raise SendFailed otherwise."""
