"""HTTP shapes of orders and the field rules of SPEC.md §6.4."""

from typing import Any

from pydantic import field_validator

from zombilet_common.body import Required
from zombilet_common.events import UtcTime, WireModel
from zombilet_common.ids import is_object_id, parse_object_id
from zombilet_orders.models import Order, TicketReplica

TICKET_ID_REQUIRED = "ticketId is required."
TICKET_ID_INVALID = "ticketId must be valid."
ORDER_ID_INVALID = "orderId must be valid."


def ticket_id_rule(value: Any) -> str:
    """The lower-case ticket id, or ValueError with the first rule it breaks."""
    if value is None:
        raise ValueError(TICKET_ID_REQUIRED)
    if not isinstance(value, str):
        raise ValueError(TICKET_ID_INVALID)
    if not value.strip():
        raise ValueError(TICKET_ID_REQUIRED)
    # Trimming only decides "required": an id with spaces around it is not an id (SPEC §2.1).
    if not is_object_id(value):
        raise ValueError(TICKET_ID_INVALID)
    return value.lower()


def order_id_rule(value: object) -> str:
    return parse_object_id(value, "orderId", ORDER_ID_INVALID)


class CreateOrderBody(WireModel):
    ticket_id: str = Required()

    _ticket_id = field_validator("ticket_id", mode="before")(ticket_id_rule)


class OrderTicketPublic(WireModel):
    id: str
    title: str
    price: float


class OrderPublic(WireModel):
    id: str
    status: str
    user_id: str
    expires_at: UtcTime
    version: int
    ticket: OrderTicketPublic

    @classmethod
    def of(cls, order: Order, ticket: TicketReplica | None) -> "OrderPublic":
        """The order with its ticket as the replica has it now (as stored at creation if the
        replica is gone)."""
        title, price = (
            (ticket.title, ticket.price)
            if ticket is not None
            else (order.ticket_title, order.ticket_price)
        )
        return cls(
            id=order.id,
            status=order.status.value,
            user_id=order.user_id,
            expires_at=order.expires_at,
            version=order.version,
            ticket=OrderTicketPublic(id=order.ticket_id, title=title, price=price),
        )
