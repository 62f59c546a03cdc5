"""Services in this process with their real lifespans, on the session's servers (not the local
stack): what two services do together through NATS alone."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient

import zombilet_tickets.main as tickets_main
from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.bus import Publisher, connect_nats
from zombilet_common.events import Event
from zombilet_common.testing.apps import running, stored
from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.listening import collect
from zombilet_common.testing.servers import Servers
from zombilet_common.testing.wait import wait_until
from zombilet_orders.main import create_app
from zombilet_orders.settings import Settings
from zombilet_tickets.settings import Settings as TicketsSettings

JWT_KEY = "in-process-key-at-least-32-bytes-long"


@dataclass
class Platform:
    """tickets and orders with their real lifespans, on the session's Mongo-wire store and NATS,
    talking to each other only through NATS; `nc` is the test's own connection."""

    tickets_app: FastAPI
    orders_app: FastAPI
    tickets: httpx.AsyncClient
    orders: httpx.AsyncClient
    nc: NatsClient
    orders_db: Any

    @staticmethod
    def new_id() -> str:
        return str(ObjectId())

    @staticmethod
    def session(user_id: str) -> dict[str, str]:
        token = issue_token(SessionUser(id=user_id, email="someone@example.com"), JWT_KEY, 3600)
        return {"cookie": f"session={token}"}

    async def publish(self, event: Event) -> None:
        """Publish as the event's own service would."""
        await Publisher(self.nc.jetstream()).publish(event, msg_id=event.message_id())

    async def collect(self, subject: str) -> list[dict[str, Any]]:
        """Every message published on `subject` from now on."""
        return await collect(self.nc, subject)

    async def sell(self, seller: str, title: str = "Gig", price: float = 20) -> dict[str, Any]:
        """A ticket listed through tickets, once orders' replica has it."""
        response = await self.tickets.post(
            "/api/tickets", json={"title": title, "price": price}, headers=self.session(seller)
        )
        assert response.status_code == 201, response.text
        ticket: dict[str, Any] = response.json()
        await self.replica_reaches(ticket["id"], 0)
        return ticket

    async def replica_reaches(self, ticket_id: str, version: int, within: float = 10) -> None:
        async def caught_up() -> bool:
            doc = await self.orders_db.ticket_replicas.find_one({"_id": ObjectId(ticket_id)})
            return doc is not None and doc["version"] >= version

        await wait_until(caught_up, within=within, message=f"replica never reached v{version}")

    async def ticket(self, ticket_id: str) -> dict[str, Any]:
        ticket: dict[str, Any] = (await self.tickets.get(f"/api/tickets/{ticket_id}")).json()
        return ticket

    async def order(self, buyer: str, ticket_id: str) -> httpx.Response:
        return await self.orders.post(
            "/api/orders", json={"ticketId": ticket_id}, headers=self.session(buyer)
        )

    async def shown(self, buyer: str, order_id: str) -> dict[str, Any]:
        response = await self.orders.get(f"/api/orders/{order_id}", headers=self.session(buyer))
        order: dict[str, Any] = response.json()
        return order


@pytest.fixture
def window() -> int:
    return 60


@pytest.fixture
async def platform(servers: Servers, window: int) -> AsyncIterator[Platform]:
    tickets_settings = TicketsSettings(
        mongo_uri=servers.mongo_uri(fresh_name("tickets")),
        nats_url=servers.nats_url,
        jwt_key=JWT_KEY,
    )
    orders_settings = Settings(
        mongo_uri=servers.mongo_uri(fresh_name("orders")),
        nats_url=servers.nats_url,
        jwt_key=JWT_KEY,
        expiration_window_seconds=window,
    )
    tickets_app = tickets_main.create_app(tickets_settings)
    orders_app = create_app(orders_settings)

    nc = await connect_nats(servers.nats_url, service="in-process-test", retry_for=5)
    async with (
        stored(orders_settings.mongo_uri) as orders_db,
        running(tickets_app),
        running(orders_app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=tickets_app), base_url="http://tickets.test"
        ) as tickets,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=orders_app), base_url="http://orders.test"
        ) as orders,
    ):
        yield Platform(
            tickets_app,
            orders_app,
            tickets,
            orders,
            nc,
            orders_db,
        )
    await nc.close()
