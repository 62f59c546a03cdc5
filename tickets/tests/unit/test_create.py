"""POST /api/tickets: SPEC.md §5.1 field rules, §5.3 answer and the `ticket.created` event."""

import json

import pytest

TITLE_REQUIRED = {"message": "Title is required.", "field": "title"}
TITLE_NOT_STRING = {"message": "Title must be a string.", "field": "title"}
TITLE_TOO_LONG = {"message": "Title must be at most 200 characters.", "field": "title"}
PRICE_INVALID = {"message": "Price must be decimal greater than 0.", "field": "price"}
PRICE_TOO_HIGH = {"message": "Price must be at most 999999.99.", "field": "price"}
PRICE_DECIMALS = {"message": "Price must have at most two decimal places.", "field": "price"}
MISSING = object()


@pytest.fixture
def tickets(both_rings):  # type: ignore[no-untyped-def]
    """Every body here runs in-process and against the live servers."""
    return both_rings


async def post(tickets, seller: str, title: object = "Concert", price: object = 20):  # type: ignore[no-untyped-def]
    body = {}
    if title is not MISSING:
        body["title"] = title
    if price is not MISSING:
        body["price"] = price
    return await tickets.client.post("/api/tickets", json=body, headers=tickets.session(seller))


async def test_create_answers_the_ticket_at_version_0(tickets, seller) -> None:
    response = await post(tickets, seller, "  Front row  ", 16.99)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "title": "Front row",
        "price": 16.99,
        "userId": seller,
        "version": 0,
        "orderId": None,
    }
    doc = await tickets.doc("tickets", body["id"])
    assert (doc["title"], doc["user_id"], doc["version"], doc["order_id"]) == (
        "Front row",
        seller,
        0,
        None,
    )


async def test_create_publishes_ticket_created(tickets, seller) -> None:
    ticket = await tickets.create(seller, "Gig", 10)
    ((_, msg_id, data),) = await tickets.published("ticket.created")
    assert msg_id == f"ticket.created:{ticket['id']}:0"
    assert json.loads(data) == {
        "id": ticket["id"],
        "version": 0,
        "title": "Gig",
        "price": 10,
        "userId": seller,
    }


async def test_create_needs_a_session_before_reading_the_body(tickets) -> None:
    response = await tickets.client.post("/api/tickets", content=b"not json")
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Not authorized"}]}
    assert await tickets.db.tickets.count_documents({}) == 0


@pytest.mark.parametrize(
    ("title", "error"),
    [
        (MISSING, TITLE_REQUIRED),
        (None, TITLE_REQUIRED),
        (5, TITLE_NOT_STRING),
        (True, TITLE_NOT_STRING),
        (["a"], TITLE_NOT_STRING),
        ({"$ne": None}, TITLE_NOT_STRING),
        ("", TITLE_REQUIRED),
        ("   \t ", TITLE_REQUIRED),
        ("x" * 201, TITLE_TOO_LONG),
        ("  " + "x" * 201 + "  ", TITLE_TOO_LONG),
    ],
)
async def test_title_rules(tickets, seller, title: object, error: dict[str, str]) -> None:
    response = await post(tickets, seller, title=title)
    assert response.status_code == 400
    assert response.json() == {"errors": [error]}
    assert await tickets.db.tickets.count_documents({}) == 0


@pytest.mark.parametrize("title", ["x" * 200, "  " + "x" * 200 + "  ", "é" * 200, "a"])
async def test_title_of_up_to_200_characters_is_accepted(tickets, seller, title: str) -> None:
    response = await post(tickets, seller, title=title)
    assert response.status_code == 201
    assert response.json()["title"] == title.strip()


@pytest.mark.parametrize(
    ("price", "error"),
    [
        (MISSING, PRICE_INVALID),
        (None, PRICE_INVALID),
        (0, PRICE_INVALID),
        (0.0, PRICE_INVALID),
        (-5, PRICE_INVALID),
        (-0.01, PRICE_INVALID),
        (True, PRICE_INVALID),
        (False, PRICE_INVALID),
        ("10", PRICE_INVALID),
        ([], PRICE_INVALID),
        ([10], PRICE_INVALID),
        ({"$gt": 0}, PRICE_INVALID),
        (1000000, PRICE_TOO_HIGH),
        (999999.991, PRICE_TOO_HIGH),
        (1e300, PRICE_TOO_HIGH),
        (1.005, PRICE_DECIMALS),
        (1e-3, PRICE_DECIMALS),
        (0.0001, PRICE_DECIMALS),
        (16.999, PRICE_DECIMALS),
    ],
)
async def test_price_rules(tickets, seller, price: object, error: dict[str, str]) -> None:
    response = await post(tickets, seller, price=price)
    assert response.status_code == 400
    assert response.json() == {"errors": [error]}
    assert await tickets.db.tickets.count_documents({}) == 0


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("999999.99", 999999.99), ("16.99", 16.99), ("10", 10), ("0.01", 0.01), ("16.990", 16.99)],
)
async def test_well_formed_prices_are_accepted(tickets, seller, raw: str, stored: float) -> None:
    response = await tickets.client.post(
        "/api/tickets",
        content=f'{{"title": "Gig", "price": {raw}}}'.encode(),
        headers=tickets.session(seller),
    )
    assert response.status_code == 201
    assert response.json()["price"] == stored


async def test_both_fields_fail_in_rule_order(tickets, seller) -> None:
    response = await tickets.client.post(
        "/api/tickets", json={"price": "1", "title": 7}, headers=tickets.session(seller)
    )
    assert response.json() == {"errors": [TITLE_NOT_STRING, PRICE_INVALID]}


async def test_unknown_keys_are_ignored(tickets, seller) -> None:
    ticket = await tickets.create(seller, userId="f" * 24, orderId="e" * 24, version=9)
    assert (ticket["userId"], ticket["orderId"], ticket["version"]) == (seller, None, 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Request body must be valid JSON."),
        (b"{", "Request body must be valid JSON."),
        (b'{"title": "a", "price": NaN}', "Request body must be valid JSON."),
        (b'{"title": "a", "price": 1e999}', "Request body must be valid JSON."),
        (b"[]", "Request body must be a JSON object."),
        (b"12", "Request body must be a JSON object."),
    ],
)
async def test_malformed_body_is_refused(tickets, seller, content: bytes, message: str) -> None:
    response = await tickets.client.post(
        "/api/tickets", content=content, headers=tickets.session(seller)
    )
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message}]}
