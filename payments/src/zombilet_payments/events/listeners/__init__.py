"""One listener per consumed event; `listeners(service)` is what main starts."""

from typing import Any

from zombilet_common.bus import Listener
from zombilet_payments.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_payments.events.listeners.order_completed import OrderCompletedListener
from zombilet_payments.events.listeners.order_created import OrderCreatedListener
from zombilet_payments.service import PaymentService


def listeners(payments: PaymentService) -> list[Listener[Any]]:
    return [
        OrderCreatedListener(payments),
        OrderCancelledListener(payments),
        OrderCompletedListener(payments),
    ]


__all__ = [
    "OrderCancelledListener",
    "OrderCompletedListener",
    "OrderCreatedListener",
    "listeners",
]
