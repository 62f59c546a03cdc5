"""Events published by orders."""

from enum import StrEnum
from typing import ClassVar, Literal

from zombilet_common.events.base import Event, ObjectIdStr, UtcTime, WireModel
from zombilet_common.events.subjects import Subject


class OrderStatus(StrEnum):
    """An order's status, as orders keeps it and its events carry it."""

    CREATED = "created"
    CANCELLED = "cancelled"
    COMPLETE = "complete"


class OrderTicket(WireModel):
    id: ObjectIdStr
    title: str
    price: float


class OrderTicketRef(WireModel):
    id: ObjectIdStr


class OrderCreatedEvent(Event):
    subject: ClassVar[Subject] = Subject.ORDER_CREATED

    id: ObjectIdStr
    version: int
    status: Literal["created"]
    user_id: ObjectIdStr
    expires_at: UtcTime
    ticket: OrderTicket


class OrderCancelledEvent(Event):
    subject: ClassVar[Subject] = Subject.ORDER_CANCELLED

    id: ObjectIdStr
    version: int
    status: Literal["cancelled"]
    user_id: ObjectIdStr
    ticket: OrderTicketRef


class OrderCompletedEvent(Event):
    subject: ClassVar[Subject] = Subject.ORDER_COMPLETED

    id: ObjectIdStr
    version: int
    status: Literal["complete"]
    user_id: ObjectIdStr
    ticket: OrderTicketRef
