from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bson import ObjectId

from zombilet_common.events import TicketCreatedEvent, TicketUpdatedEvent
from zombilet_common.testing.harness import Clock, Harness, harness
from zombilet_common.testing.messages import FakeMessage
from zombilet_orders.main import SERVICE, build_service, create_app
from zombilet_orders.repository import OrderRepository
from zombilet_orders.service import OrderService
from zombilet_orders.settings import Settings


class Orders(Harness[OrderService]):
    """The orders app over ASGI, on the in-process database double, with a recording publisher
    and a clock the test moves."""

    async def use_orders(self, repository: OrderRepository) -> None:
        """Serve from `repository` (one that injects a race, say) instead of the plain one."""
        settings = self.app.state.settings
        self.install(
            await build_service(self.db, self.relay, settings, clock=self.clock, orders=repository)
        )

    async def ticket(self, title: str = "Concert", price: float = 20) -> str:
        """A ticket orders has heard of, at version 0."""
        ticket_id = self.new_id()
        event = TicketCreatedEvent(
            id=ticket_id, version=0, title=title, price=price, user_id=self.new_id()
        )
        assert (await self.deliver(event)).answers == ["ack"]
        return ticket_id

    async def edit_ticket(
        self, ticket_id: str, version: int, title: str, price: float
    ) -> FakeMessage:
        event = TicketUpdatedEvent(
            id=ticket_id,
            version=version,
            title=title,
            price=price,
            user_id=self.new_id(),
            order_id=None,
        )
        return await self.deliver(event)

    async def order(self, user: str, ticket_id: object) -> httpx.Response:
        return await self.client.post(
            "/api/orders", json={"ticketId": ticket_id}, headers=self.session(user)
        )

    async def placed(self, user: str, ticket_id: str) -> dict[str, Any]:
        response = await self.order(user, ticket_id)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    async def replica(self, ticket_id: str) -> dict[str, Any]:
        return await self.doc("ticket_replicas", ticket_id)


@pytest.fixture
def buyer() -> str:
    return str(ObjectId())


@pytest.fixture
def window() -> int:
    return 60


@pytest.fixture
async def orders(window: int) -> AsyncIterator[Orders]:
    settings = Settings(
        mongo_uri="mongodb://127.0.0.1:1/orders",
        nats_url="nats://127.0.0.1:1",
        jwt_key="orders-test-key-at-least-32-bytes",
        expiration_window_seconds=window,
    )

    async def build(db: Any, relay: Any, clock: Clock) -> OrderService:
        return await build_service(db, relay, settings, clock=clock)

    async with harness(Orders, create_app(settings), SERVICE, build) as kit:
        yield kit
