"""What every contact listener shares: the service it hands events to, and the answer."""

from typing import TypeVar

from zombilet_common.bus import Ack, Listener, Nak
from zombilet_common.events import Event
from zombilet_contact.events import SERVICE_NAME
from zombilet_contact.models import Outcome
from zombilet_contact.service import ContactService

E = TypeVar("E", bound=Event)


class MailListener(Listener[E]):
    """Durable `contact-<subject>`; a waiting replica raises `NotYet` from the service."""

    service = SERVICE_NAME

    def __init__(self, contact: ContactService) -> None:
        super().__init__()
        self._contact = contact

    @staticmethod
    def answer(outcome: Outcome) -> Ack | Nak:
        # A failed send freed its log key: redeliver after the back-off and try again.
        return Nak() if outcome is Outcome.FAILED else Ack()
