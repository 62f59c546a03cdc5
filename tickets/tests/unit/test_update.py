"""PUT /api/tickets/{ticketId} (SPEC.md §5.3): partial, conditional, retried, then 409."""

import json
from typing import Any

import pytest
from bson import ObjectId

from zombilet_tickets.models import Ticket
from zombilet_tickets.repository import TicketRepository

NOTHING = {"message": "Provide a title or a price to change."}
TICKET_ID = {"message": "ticketId must be valid.", "field": "ticketId"}
CONFLICT = {"errors": [{"message": "The ticket was changed by another request. Please try again."}]}


class RacingRepository(TicketRepository):
    """A concurrent writer that gets in first, `races` times, between each read and write."""

    def __init__(self, tickets: Any, races: int) -> None:
        super().__init__(tickets.db, tickets.relay)
        self.races = races
        self.writes = 0

    async def change(self, read: Ticket, changed: Ticket, event: Any) -> None:
        self.writes += 1
        if self.races > 0:
            self.races -= 1
            await self.tickets.raw.update_one({"_id": ObjectId(read.id)}, {"$inc": {"version": 1}})
        await super().change(read, changed, event)


async def put(tickets, user: str, ticket_id: str, body: object):  # type: ignore[no-untyped-def]
    return await tickets.client.put(
        f"/api/tickets/{ticket_id}", json=body, headers=tickets.session(user)
    )


async def test_title_alone_changes_only_the_title(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Old", 20)
    response = await put(tickets, seller, ticket["id"], {"title": "  New  "})
    assert response.status_code == 200
    assert response.json() == {**ticket, "title": "New", "version": 1}
    assert (await tickets.doc("tickets", ticket["id"]))["title"] == "New"


async def test_price_alone_changes_only_the_price(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Old", 20)
    response = await put(tickets, seller, ticket["id"], {"price": 25.5})
    assert response.json() == {**ticket, "price": 25.5, "version": 1}


async def test_update_publishes_ticket_updated_with_the_new_version(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Old", 20)
    await put(tickets, seller, ticket["id"], {"title": "New", "price": 30})
    ((_, msg_id, data),) = await tickets.published("ticket.updated")
    assert msg_id == f"ticket.updated:{ticket['id']}:1"
    assert json.loads(data) == {
        "id": ticket["id"],
        "version": 1,
        "title": "New",
        "price": 30,
        "userId": seller,
        "orderId": None,
    }


async def test_equal_values_still_make_a_new_version(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Same", 20)
    for version in (1, 2):
        response = await put(tickets, seller, ticket["id"], {"title": "Same", "price": 20})
        assert response.json()["version"] == version
    assert [m for _, m, _ in await tickets.published("ticket.updated")] == [
        f"ticket.updated:{ticket['id']}:1",
        f"ticket.updated:{ticket['id']}:2",
    ]


@pytest.mark.parametrize("body", [{}, {"orderId": None}, {"Title": "x", "PRICE": 1}])
async def test_no_known_field_is_refused_without_a_field(tickets, seller, body) -> None:
    ticket = await tickets.create(seller)
    response = await put(tickets, seller, ticket["id"], body)
    assert response.status_code == 400
    assert response.json() == {"errors": [NOTHING]}
    assert (await tickets.doc("tickets", ticket["id"]))["version"] == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"title": None}, [{"message": "Title is required.", "field": "title"}]),
        ({"title": "  "}, [{"message": "Title is required.", "field": "title"}]),
        ({"title": 3}, [{"message": "Title must be a string.", "field": "title"}]),
        ({"price": None}, [{"message": "Price must be decimal greater than 0.", "field": "price"}]),
        ({"price": True}, [{"message": "Price must be decimal greater than 0.", "field": "price"}]),
        (
            {"title": "ok", "price": 1.005},
            [{"message": "Price must have at most two decimal places.", "field": "price"}],
        ),
        (
            {"title": "x" * 201, "price": 1000000},
            [
                {"message": "Title must be at most 200 characters.", "field": "title"},
                {"message": "Price must be at most 999999.99.", "field": "price"},
            ],
        ),
    ],
)
async def test_each_given_field_passes_its_rule(tickets, seller, body, errors) -> None:
    ticket = await tickets.create(seller)
    response = await put(tickets, seller, ticket["id"], body)
    assert response.status_code == 400
    assert response.json() == {"errors": errors}
    assert (await tickets.doc("tickets", ticket["id"]))["version"] == 0


async def test_ticket_id_and_body_are_validated_together(tickets, seller) -> None:
    response = await put(tickets, seller, "nope", {})
    assert response.json() == {"errors": [TICKET_ID, NOTHING]}
    response = await put(tickets, seller, "nope", {"price": 0})
    price = {"message": "Price must be decimal greater than 0.", "field": "price"}
    assert response.json() == {"errors": [TICKET_ID, price]}


@pytest.mark.parametrize("ticket_id", ["abc", "z" * 24, "1" * 25, "12", "%7B%7D"])
async def test_malformed_ticket_id_is_refused(tickets, seller, ticket_id: str) -> None:
    response = await put(tickets, seller, ticket_id, {"title": "x"})
    assert response.status_code == 400
    assert response.json() == {"errors": [TICKET_ID]}


async def test_no_session_is_refused_before_the_body(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    response = await tickets.client.put(f"/api/tickets/{ticket['id']}", content=b"{")
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Not authorized"}]}


async def test_body_is_parsed_before_the_path_is_validated(tickets, seller) -> None:
    response = await tickets.client.put(
        "/api/tickets/nope", content=b"[1]", headers=tickets.session(seller)
    )
    assert response.json() == {"errors": [{"message": "Request body must be a JSON object."}]}


async def test_unknown_ticket_is_not_found(tickets, seller) -> None:
    response = await put(tickets, seller, "b" * 24, {"title": "x"})
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}


async def test_another_users_ticket_is_not_authorized(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Mine")
    response = await put(tickets, tickets.new_id(), ticket["id"], {"title": "Theirs"})
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Not authorized"}]}
    assert (await tickets.doc("tickets", ticket["id"]))["title"] == "Mine"


async def test_reserved_ticket_cannot_be_edited(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Held")
    await tickets.db.tickets.update_one(
        {"_id": ObjectId(ticket["id"])}, {"$set": {"order_id": "c" * 24, "version": 1}}
    )
    response = await put(tickets, seller, ticket["id"], {"title": "Changed"})
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "Cannot edit a reserved ticket"}]}
    assert (await tickets.doc("tickets", ticket["id"]))["title"] == "Held"


async def test_a_write_that_loses_four_times_succeeds_on_the_fifth(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Old", 20)
    racing = RacingRepository(tickets, races=4)
    tickets.use_repository(racing)
    response = await put(tickets, seller, ticket["id"], {"title": "New"})
    assert response.status_code == 200
    # Four concurrent writes moved it to 4; ours is the fifth change.
    assert response.json()["version"] == 5
    assert racing.writes == 5
    doc = await tickets.doc("tickets", ticket["id"])
    assert (doc["title"], doc["version"]) == ("New", 5)


async def test_five_lost_writes_answer_409_and_change_nothing(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Old", 20)
    racing = RacingRepository(tickets, races=5)
    tickets.use_repository(racing)
    response = await put(tickets, seller, ticket["id"], {"title": "New"})
    assert response.status_code == 409
    assert response.json() == CONFLICT
    assert racing.writes == 5
    doc = await tickets.doc("tickets", ticket["id"])
    assert (doc["title"], doc["version"]) == ("Old", 5)
    assert await tickets.published("ticket.updated") == []


async def test_a_reservation_that_wins_the_race_makes_the_edit_refused(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Old", 20)

    class ReservedMeanwhile(TicketRepository):
        async def change(self, read: Ticket, changed: Ticket, event: Any) -> None:
            await self.tickets.raw.update_one(
                {"_id": ObjectId(read.id)}, {"$set": {"order_id": "d" * 24, "version": 1}}
            )
            await super().change(read, changed, event)

    tickets.use_repository(ReservedMeanwhile(tickets.db, tickets.relay))
    response = await put(tickets, seller, ticket["id"], {"title": "New"})
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "Cannot edit a reserved ticket"}]}
    assert (await tickets.doc("tickets", ticket["id"]))["title"] == "Old"
