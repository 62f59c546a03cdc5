"""Events published by tickets."""

from typing import ClassVar

from zombilet_common.events.base import Event, ObjectIdStr
from zombilet_common.events.subjects import Subject


class TicketCreatedEvent(Event):
    subject: ClassVar[Subject] = Subject.TICKET_CREATED

    id: ObjectIdStr
    version: int
    title: str
    price: float
    user_id: ObjectIdStr


class TicketUpdatedEvent(Event):
    subject: ClassVar[Subject] = Subject.TICKET_UPDATED

    id: ObjectIdStr
    version: int
    title: str
    price: float
    user_id: ObjectIdStr
    order_id: ObjectIdStr | None
