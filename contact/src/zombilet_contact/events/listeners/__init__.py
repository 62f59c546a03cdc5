"""One listener per consumed event (SPEC.md §8.3, `contact-*`)."""

from zombilet_contact.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_contact.events.listeners.order_completed import OrderCompletedListener
from zombilet_contact.events.listeners.order_created import OrderCreatedListener
from zombilet_contact.events.listeners.ticket_created import TicketCreatedListener
from zombilet_contact.events.listeners.ticket_updated import TicketUpdatedListener
from zombilet_contact.events.listeners.user_changed_password import UserChangedPasswordListener
from zombilet_contact.events.listeners.user_forgot_password import UserForgotPasswordListener
from zombilet_contact.events.listeners.user_signed_in import UserSignedInListener
from zombilet_contact.events.listeners.user_signed_up import UserSignedUpListener

LISTENERS = (
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
