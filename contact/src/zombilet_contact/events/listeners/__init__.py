"""One listener per consumed event (SPEC.md §8.3, `contact-*`)."""

from typing import Any

from zombilet_common.bus import Listener
from zombilet_contact.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_contact.events.listeners.order_completed import OrderCompletedListener
from zombilet_contact.events.listeners.order_created import OrderCreatedListener
from zombilet_contact.events.listeners.ticket_created import TicketCreatedListener
from zombilet_contact.events.listeners.ticket_updated import TicketUpdatedListener
from zombilet_contact.events.listeners.user_changed_password import UserChangedPasswordListener
from zombilet_contact.events.listeners.user_forgot_password import UserForgotPasswordListener
from zombilet_contact.events.listeners.user_signed_in import UserSignedInListener
from zombilet_contact.events.listeners.user_signed_up import UserSignedUpListener
from zombilet_contact.service import ContactService

LISTENER_TYPES = (
    UserSignedUpListener,
    UserSignedInListener,
    UserForgotPasswordListener,
    UserChangedPasswordListener,
    TicketCreatedListener,
    TicketUpdatedListener,
    OrderCreatedListener,
    OrderCancelledListener,
    OrderCompletedListener,
)


def build_listeners(contact: ContactService) -> list[Listener[Any]]:
    """What main starts: every contact consumer, each handing its event to `contact`."""
    return [listener_type(contact) for listener_type in LISTENER_TYPES]
