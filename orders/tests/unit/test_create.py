"""POST /api/orders (SPEC.md §6.3, §6.4): validation, the claim and `order.created`."""

import json
from typing import Any

import pytest
from bson import ObjectId

from zombilet_common.events import TicketCreatedEvent
from zombilet_orders.models import Order
from zombilet_orders.repository import OrderRepository

REQUIRED = {"errors": [{"message": "ticketId is required.", "field": "ticketId"}]}
INVALID = {"errors": [{"message": "ticketId must be valid.", "field": "ticketId"}]}
RESERVED = {"errors": [{"message": "Ticket is already reserved"}]}


async def test_create_answers_the_order_with_its_ticket(orders, buyer) -> None:
    ticket_id = await orders.ticket("Gig", 16.99)
    response = await orders.order(buyer, ticket_id)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "status": "created",
        "userId": buyer,
        "expiresAt": "2025-03-01T12:01:00.000Z",
        "version": 0,
        "ticket": {"id": ticket_id, "title": "Gig", "price": 16.99},
    }
    doc = await orders.doc("orders", body["id"])
    assert (doc["status"], doc["user_id"], doc["ticket_id"], doc["version"]) == (
        "created",
        buyer,
        ticket_id,
        0,
    )
    assert (await orders.replica(ticket_id))["holder"] == body["id"]


async def test_create_publishes_order_created(orders, buyer) -> None:
    ticket_id = await orders.ticket("Gig", 16.99)
    order = await orders.placed(buyer, ticket_id)
    ((_, msg_id, data),) = await orders.published("order.created")
    assert msg_id == f"order.created:{order['id']}:0"
    assert json.loads(data) == {
        "id": order["id"],
        "version": 0,
        "status": "created",
        "userId": buyer,
        "expiresAt": "2025-03-01T12:01:00.000Z",
        "ticket": {"id": ticket_id, "title": "Gig", "price": 16.99},
    }


@pytest.mark.parametrize("window", [5])
async def test_expiry_follows_the_window_setting(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    assert order["expiresAt"] == "2025-03-01T12:00:05.000Z"


async def test_ticket_id_is_accepted_in_any_case(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    response = await orders.order(buyer, ticket_id.upper())
    assert response.status_code == 201
    assert response.json()["ticket"]["id"] == ticket_id


async def test_ticket_id_with_spaces_around_it_is_not_an_id(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    response = await orders.order(buyer, f"  {ticket_id} ")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "ticketId must be valid.", "field": "ticketId"}]
    }


@pytest.mark.parametrize("value", [None, "", "   "])
async def test_ticket_id_is_required(orders, buyer, value: object) -> None:
    response = await orders.order(buyer, value)
    assert response.status_code == 400
    assert response.json() == REQUIRED


async def test_missing_ticket_id_is_required(orders, buyer) -> None:
    response = await orders.client.post(
        "/api/orders", json={"ticket": "x"}, headers=orders.session(buyer)
    )
    assert response.json() == REQUIRED


@pytest.mark.parametrize(
    "value",
    [
        5,
        123456789012345678901234,
        True,
        [],
        ["a" * 24],
        {"$ne": None},
        {"$gt": ""},
        "abc",
        "g" * 24,
        "a" * 23,
        "a" * 25,
        "123456789012",
    ],
)
async def test_ticket_id_must_be_an_id(orders, buyer, value: object) -> None:
    response = await orders.order(buyer, value)
    assert response.status_code == 400
    assert response.json() == INVALID
    assert await orders.db.orders.count_documents({}) == 0


async def test_unknown_ticket_is_not_found(orders, buyer) -> None:
    response = await orders.order(buyer, "a" * 24)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}


async def test_no_session_is_refused_before_the_body(orders) -> None:
    response = await orders.client.post("/api/orders", content=b"{")
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Not authorized"}]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Request body must be valid JSON."),
        (b"{,}", "Request body must be valid JSON."),
        (b'"ticketId"', "Request body must be a JSON object."),
    ],
)
async def test_malformed_body_is_refused(orders, buyer, content: bytes, message: str) -> None:
    response = await orders.client.post(
        "/api/orders", content=content, headers=orders.session(buyer)
    )
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message}]}


async def test_a_held_ticket_refuses_the_next_buyer(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    await orders.placed(buyer, ticket_id)
    other = orders.new_id()
    response = await orders.order(other, ticket_id)
    assert response.status_code == 400
    assert response.json() == RESERVED
    assert await orders.db.orders.count_documents({"user_id": other}) == 0
    assert len(await orders.published("order.created")) == 1


async def test_a_seller_may_order_their_own_ticket(orders) -> None:
    ticket_id = orders.new_id()
    seller = orders.new_id()
    await orders.deliver(
        TicketCreatedEvent(id=ticket_id, version=0, title="Own", price=5, user_id=seller)
    )
    assert (await orders.order(seller, ticket_id)).status_code == 201


async def test_a_cancelled_holder_is_replaced(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    first = await orders.placed(buyer, ticket_id)
    # A crash between cancelling and releasing leaves the cancelled order as holder.
    await orders.db.orders.update_one(
        {"_id": ObjectId(first["id"])}, {"$set": {"status": "cancelled", "version": 1}}
    )
    second = await orders.placed(orders.new_id(), ticket_id)
    assert (await orders.replica(ticket_id))["holder"] == second["id"]


async def test_a_complete_holder_keeps_the_ticket(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    first = await orders.placed(buyer, ticket_id)
    await orders.db.orders.update_one(
        {"_id": ObjectId(first["id"])}, {"$set": {"status": "complete", "version": 1}}
    )
    assert (await orders.order(orders.new_id(), ticket_id)).json() == RESERVED


async def test_an_expired_but_uncancelled_holder_keeps_the_ticket(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    await orders.placed(buyer, ticket_id)
    orders.clock.advance(3600)
    assert (await orders.order(orders.new_id(), ticket_id)).json() == RESERVED


async def test_a_holder_without_an_order_lapses_after_60_seconds(orders, buyer) -> None:
    ticket_id = await orders.ticket()
    ghost = orders.new_id()
    claimed_at = int(orders.clock.now.timestamp() * 1000)
    await orders.db.ticket_replicas.update_one(
        {"_id": ObjectId(ticket_id)}, {"$set": {"holder": ghost, "claimed_at": claimed_at}}
    )
    orders.clock.advance(59)
    assert (await orders.order(buyer, ticket_id)).json() == RESERVED
    orders.clock.advance(2)
    order = await orders.placed(buyer, ticket_id)
    replica = await orders.replica(ticket_id)
    assert replica["holder"] == order["id"]
    assert replica["claimed_at"] == claimed_at + 61_000


async def test_a_failed_insert_releases_the_claim(orders, buyer) -> None:
    ticket_id = await orders.ticket()

    class BrokenStore(OrderRepository):
        async def insert(self, order: Order, event: Any) -> None:
            raise ConnectionError("the database went away")

    plain = orders.use_cases
    await orders.use_orders(BrokenStore(orders.db, orders.relay))
    response = await orders.order(buyer, ticket_id)
    assert response.status_code == 500
    assert response.json() == {"errors": [{"message": "Something went wrong"}]}
    assert (await orders.replica(ticket_id))["holder"] is None

    orders.install(plain)
    assert (await orders.order(buyer, ticket_id)).status_code == 201


async def test_an_insert_that_failed_after_its_write_keeps_the_claim(orders, buyer) -> None:
    ticket_id = await orders.ticket()

    class LateTimeout(OrderRepository):
        """The write lands, but its answer is lost (a timeout after the write)."""

        async def insert(self, order: Order, event: Any) -> None:
            await super().insert(order, event)
            raise TimeoutError("no answer from the database")

    await orders.use_orders(LateTimeout(orders.db, orders.relay))
    response = await orders.order(buyer, ticket_id)

    assert response.status_code == 201
    stored = await orders.db.orders.find_one({"_id": ObjectId(response.json()["id"])})
    assert stored is not None
    assert (await orders.replica(ticket_id))["holder"] == response.json()["id"]
    assert (await orders.order(orders.new_id(), ticket_id)).json() == RESERVED


async def test_a_failed_insert_whose_outcome_is_unknown_keeps_the_claim(orders, buyer) -> None:
    ticket_id = await orders.ticket()

    class Unreachable(OrderRepository):
        """Neither the insert nor the look-up that would tell whether it landed gets an answer."""

        async def insert(self, order: Order, event: Any) -> None:
            raise TimeoutError("no answer from the database")

        async def get(self, order_id: str) -> Order | None:
            raise TimeoutError("no answer from the database")

    await orders.use_orders(Unreachable(orders.db, orders.relay))
    response = await orders.order(buyer, ticket_id)

    assert response.status_code == 500
    # An order that may exist keeps its claim; a claim without an order lapses (SPEC.md §6.3).
    assert (await orders.replica(ticket_id))["holder"] is not None


async def test_the_answer_shows_the_replica_as_it_is_now(orders, buyer) -> None:
    ticket_id = await orders.ticket("Old", 10)
    await orders.edit_ticket(ticket_id, 1, "New", 12.5)
    order = await orders.placed(buyer, ticket_id)
    assert order["ticket"] == {"id": ticket_id, "title": "New", "price": 12.5}
