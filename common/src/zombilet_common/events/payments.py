"""Events published by payments and by the expiration worker."""

from typing import ClassVar

from zombilet_common.events.base import Event, ObjectIdStr
from zombilet_common.events.subjects import Subject


class PaymentCreatedEvent(Event):
    subject: ClassVar[Subject] = Subject.PAYMENT_CREATED

    id: ObjectIdStr
    version: int
    order_id: ObjectIdStr
    stripe_id: str


class ExpirationCompletedEvent(Event):
    subject: ClassVar[Subject] = Subject.EXPIRATION_COMPLETED

    order_id: ObjectIdStr

    def message_id(self, event_id: str | None = None) -> str:
        """One expiry per order: `expiration.completed:<orderId>`."""
        return f"{self.subject.value}:{self.order_id}"
