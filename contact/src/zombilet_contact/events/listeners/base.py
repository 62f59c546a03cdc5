"""What every contact listener shares: the answer to a mail's outcome."""

from typing import TypeVar

from zombilet_common.bus import Ack, Answer, Nak, NotYet, ServiceListener
from zombilet_common.events import Event
from zombilet_contact.models import Outcome
from zombilet_contact.service import ContactService

E = TypeVar("E", bound=Event)


class MailListener(ServiceListener[E, ContactService]):
    """Durable `contact-<subject>`: a mail sent, logged or stale is acked."""

    @staticmethod
    def answer(outcome: Outcome | NotYet) -> Answer:
        if isinstance(outcome, NotYet):
            # The user replica is not there (or not at the version before) yet.
            return outcome
        # A failed send freed its log key: redeliver after the back-off and try again.
        return Nak() if outcome is Outcome.FAILED else Ack()
