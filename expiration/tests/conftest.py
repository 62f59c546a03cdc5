from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
)


@dataclass
class Orders:
    """Order events as orders publishes them, for fresh orders."""

    user_id: str = field(default_factory=lambda: str(ObjectId()))

    def created(self, *, due_in: float = 60.0, order_id: str | None = None) -> OrderCreatedEvent:
        return OrderCreatedEvent(
            id=order_id or str(ObjectId()),
            version=0,
            status="created",
            user_id=self.user_id,
            expires_at=datetime.now(UTC) + timedelta(seconds=due_in),
            ticket=OrderTicket(id=str(ObjectId()), title="Show", price=20.0),
        )

    def cancelled(self, order_id: str) -> OrderCancelledEvent:
        return OrderCancelledEvent(
            id=order_id,
            version=1,
            status="cancelled",
            user_id=self.user_id,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )

    def completed(self, order_id: str) -> OrderCompletedEvent:
        return OrderCompletedEvent(
            id=order_id,
            version=1,
            status="complete",
            user_id=self.user_id,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )


@pytest.fixture
def orders() -> Orders:
    return Orders()
