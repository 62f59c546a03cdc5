"""Every event of SPEC.md §8.2: subjects, payload models and the registry between them."""

from zombilet_common.events.base import Event, ObjectIdStr, UtcTime, WireModel, format_time
from zombilet_common.events.orders import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderStatus,
    OrderTicket,
    OrderTicketRef,
)
from zombilet_common.events.payments import ExpirationCompletedEvent, PaymentCreatedEvent
from zombilet_common.events.subjects import STREAMS_BY_DOMAIN, Subject
from zombilet_common.events.tickets import TicketCreatedEvent, TicketUpdatedEvent
from zombilet_common.events.users import (
    ResetToken,
    UserChangedPasswordEvent,
    UserForgotPasswordEvent,
    UserSignedInEvent,
    UserSignedUpEvent,
)

REGISTRY: dict[Subject, type[Event]] = {
    model.subject: model
    for model in (
        UserSignedUpEvent,
        UserSignedInEvent,
        UserForgotPasswordEvent,
        UserChangedPasswordEvent,
        TicketCreatedEvent,
        TicketUpdatedEvent,
        OrderCreatedEvent,
        OrderCancelledEvent,
        OrderCompletedEvent,
        ExpirationCompletedEvent,
        PaymentCreatedEvent,
    )
}
"""Subject → payload model, one entry per subject."""

__all__ = [
    "REGISTRY",
    "STREAMS_BY_DOMAIN",
    "Event",
    "ExpirationCompletedEvent",
    "ObjectIdStr",
    "OrderCancelledEvent",
    "OrderCompletedEvent",
    "OrderCreatedEvent",
    "OrderStatus",
    "OrderTicket",
    "OrderTicketRef",
    "PaymentCreatedEvent",
    "ResetToken",
    "Subject",
    "TicketCreatedEvent",
    "TicketUpdatedEvent",
    "UserChangedPasswordEvent",
    "UserForgotPasswordEvent",
    "UserSignedInEvent",
    "UserSignedUpEvent",
    "UtcTime",
    "WireModel",
    "format_time",
]
