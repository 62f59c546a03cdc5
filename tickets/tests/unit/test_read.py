"""GET /api/tickets and /api/tickets/{ticketId} (SPEC.md §5.2)."""

import pytest
from bson import ObjectId

LIMIT = {"message": "limit must be an integer between 1 and 1000.", "field": "limit"}
BEFORE = {"message": "before must be a valid ticket id.", "field": "before"}
TICKET_ID = {"message": "ticketId must be valid.", "field": "ticketId"}
NOT_FOUND = {"errors": [{"message": "Not Found"}]}


@pytest.fixture
def tickets(both_rings):  # type: ignore[no-untyped-def]
    """Every body here runs in-process and against the live servers."""
    return both_rings


async def test_list_is_newest_first_and_includes_reserved_tickets(tickets, seller) -> None:
    made = [await tickets.create(seller, f"T{n}") for n in range(3)]
    await tickets.db.tickets.update_one(
        {"_id": ObjectId(made[1]["id"])}, {"$set": {"order_id": "a" * 24}}
    )
    response = await tickets.client.get("/api/tickets")
    assert response.status_code == 200
    body = response.json()
    assert [t["title"] for t in body] == ["T2", "T1", "T0"]
    assert body[1]["orderId"] == "a" * 24
    assert set(body[0]) == {"id", "title", "price", "userId", "version", "orderId"}


async def test_empty_list(tickets) -> None:
    response = await tickets.client.get("/api/tickets")
    assert (response.status_code, response.json()) == (200, [])


async def test_pages_follow_the_before_cursor(tickets, seller) -> None:
    made = [(await tickets.create(seller, f"T{n}"))["id"] for n in range(5)]
    first = (await tickets.client.get("/api/tickets", params={"limit": 2})).json()
    second = (
        await tickets.client.get("/api/tickets", params={"limit": 2, "before": first[-1]["id"]})
    ).json()
    third = (
        await tickets.client.get("/api/tickets", params={"limit": 2, "before": second[-1]["id"]})
    ).json()
    seen = [t["id"] for page in (first, second, third) for t in page]
    assert seen == list(reversed(made))
    assert len(third) == 1


async def test_before_accepts_upper_case_and_unknown_ids(tickets, seller) -> None:
    made = [(await tickets.create(seller))["id"] for _ in range(2)]
    upper = await tickets.client.get("/api/tickets", params={"before": made[1].upper()})
    assert [t["id"] for t in upper.json()] == [made[0]]
    beyond = await tickets.client.get("/api/tickets", params={"before": "f" * 24})
    assert len(beyond.json()) == 2


async def test_default_limit_is_100(tickets, seller) -> None:
    docs = [
        {"_id": ObjectId(), "title": "x", "price": 1.0, "user_id": seller, "order_id": None,
         "released": [], "version": 0}
        for _ in range(101)
    ]  # fmt: skip
    await tickets.db.tickets.insert_many(docs)
    assert len((await tickets.client.get("/api/tickets")).json()) == 100
    many = await tickets.client.get("/api/tickets", params={"limit": 1000})
    assert len(many.json()) == 101


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "1.5", "abc", "", " 5", "1e2", "true"])
async def test_limit_must_be_an_integer_between_1_and_1000(tickets, limit: str) -> None:
    response = await tickets.client.get("/api/tickets", params={"limit": limit})
    assert response.status_code == 400
    assert response.json() == {"errors": [LIMIT]}


@pytest.mark.parametrize("limit", ["1", "1000", "007"])
async def test_limit_bounds_are_accepted(tickets, limit: str) -> None:
    response = await tickets.client.get("/api/tickets", params={"limit": limit})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "before", ["", "abc", "g" * 24, "a" * 23, "a" * 25, "123456789012", '{"$ne": null}', "null"]
)
async def test_before_must_be_an_id(tickets, before: str) -> None:
    response = await tickets.client.get("/api/tickets", params={"before": before})
    assert response.status_code == 400
    assert response.json() == {"errors": [BEFORE]}


async def test_limit_and_before_are_both_reported(tickets) -> None:
    response = await tickets.client.get("/api/tickets", params={"before": "x", "limit": "0"})
    assert response.json() == {"errors": [LIMIT, BEFORE]}


async def test_show_answers_the_ticket_in_any_id_case(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Opera", 55.5)
    for ticket_id in (ticket["id"], ticket["id"].upper()):
        response = await tickets.client.get(f"/api/tickets/{ticket_id}")
        assert response.status_code == 200
        assert response.json() == ticket


async def test_show_ignores_a_session(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    response = await tickets.client.get(
        f"/api/tickets/{ticket['id']}", headers=tickets.session(tickets.new_id())
    )
    assert response.json() == ticket


async def test_unknown_ticket_is_not_found(tickets) -> None:
    response = await tickets.client.get(f"/api/tickets/{'a' * 24}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    "ticket_id",
    ["abc", "g" * 24, "a" * 23, "a" * 25, "123", "null", "%7B%22%24ne%22%3A%20null%7D", "%20" * 24],
)
async def test_malformed_ticket_id_is_refused(tickets, ticket_id: str) -> None:
    response = await tickets.client.get(f"/api/tickets/{ticket_id}")
    assert response.status_code == 400
    assert response.json() == {"errors": [TICKET_ID]}


async def test_the_released_list_is_never_returned(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    await tickets.db.tickets.update_one(
        {"_id": ObjectId(ticket["id"])}, {"$addToSet": {"released": "b" * 24}}
    )
    shown = (await tickets.client.get(f"/api/tickets/{ticket['id']}")).json()
    listed = (await tickets.client.get("/api/tickets")).json()
    assert "released" not in shown
    assert "released" not in listed[0]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/tickets/aaaaaaaaaaaaaaaaaaaaaaaa/extra"),
        ("DELETE", "/api/tickets/aaaaaaaaaaaaaaaaaaaaaaaa"),
        ("PATCH", "/api/tickets"),
        ("POST", "/api/tickets/aaaaaaaaaaaaaaaaaaaaaaaa"),
    ],
)
async def test_unknown_paths_and_methods_are_not_found(tickets, method: str, path: str) -> None:
    response = await tickets.client.request(method, path)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


async def test_one_trailing_slash_is_accepted(tickets, seller) -> None:
    ticket = await tickets.create(seller)
    assert (await tickets.client.get("/api/tickets/")).status_code == 200
    assert (await tickets.client.get(f"/api/tickets/{ticket['id']}/")).status_code == 200


async def test_a_limit_of_thousands_of_digits_is_refused_not_crashed(tickets) -> None:
    response = await tickets.client.get("/api/tickets", params={"limit": "1" * 5000})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "limit"
