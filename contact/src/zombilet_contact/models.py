"""Documents as contact stores them, and what one delivery attempt came to."""

from dataclasses import dataclass
from enum import Enum, StrEnum

from zombilet_common.mongo import Document


@dataclass(frozen=True)
class UserReplica:
    """What contact knows of a user: where to write, and the replicated version."""

    id: str
    email: str
    version: int

    @classmethod
    def from_document(cls, doc: Document) -> "UserReplica":
        return cls(id=doc["id"], email=doc["email"], version=doc["version"])


class DeliveryStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    # Handed to the provider with no answer back: it may have gone out, so it is not resent.
    UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class DeliveryKey:
    """One e-mail: the event that caused it (its `Nats-Msg-Id`) and the address it goes to."""

    msg_id: str
    recipient: str


class Outcome(Enum):
    """What handling one event did about its e-mail."""

    SENT = "sent"
    ALREADY_LOGGED = "already logged"
    STALE = "stale"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
