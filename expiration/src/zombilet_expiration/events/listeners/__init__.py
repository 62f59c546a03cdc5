"""One listener per consumed event; `listeners(service)` is what main starts."""

from typing import Any

from zombilet_common.bus import Listener
from zombilet_expiration.events.listeners.order_cancelled import OrderCancelledListener
from zombilet_expiration.events.listeners.order_completed import OrderCompletedListener
from zombilet_expiration.events.listeners.order_created import OrderCreatedListener
from zombilet_expiration.service import ExpirationService


def listeners(expiration: ExpirationService) -> list[Listener[Any]]:
    return [
        OrderCreatedListener(expiration),
        OrderCancelledListener(expiration),
        OrderCompletedListener(expiration),
    ]


__all__ = [
    "OrderCancelledListener",
    "OrderCompletedListener",
    "OrderCreatedListener",
    "listeners",
]
