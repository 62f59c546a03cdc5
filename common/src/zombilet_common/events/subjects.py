"""The dotted subjects of every event, and the JetStream stream that keeps each domain."""

from enum import StrEnum


class Subject(StrEnum):
    USER_SIGNED_UP = "user.signed-up"
    USER_SIGNED_IN = "user.signed-in"
    USER_FORGOT_PASSWORD = "user.forgot-password"
    USER_CHANGED_PASSWORD = "user.changed-password"
    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    ORDER_CREATED = "order.created"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_COMPLETED = "order.completed"
    EXPIRATION_COMPLETED = "expiration.completed"
    PAYMENT_CREATED = "payment.created"

    @property
    def stream(self) -> str:
        """The stream whose `<domain>.>` filter takes this subject."""
        return STREAMS_BY_DOMAIN[self.value.split(".", 1)[0]]

    @property
    def token(self) -> str:
        """The subject with dots as hyphens, as durable consumer names use it."""
        return self.value.replace(".", "-")


STREAMS_BY_DOMAIN: dict[str, str] = {
    "user": "USERS",
    "ticket": "TICKETS",
    "order": "ORDERS",
    "payment": "PAYMENTS",
    "expiration": "EXPIRATION",
}
