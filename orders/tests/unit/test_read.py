"""GET /api/orders and /api/orders/{orderId} (SPEC.md §6.1, §6.4)."""

import pytest
from bson import ObjectId

ORDER_ID = {"errors": [{"message": "orderId must be valid.", "field": "orderId"}]}
NOT_AUTHORIZED = {"errors": [{"message": "Not authorized"}]}


async def test_list_holds_only_the_callers_orders_newest_first(orders, buyer) -> None:
    mine = [await orders.placed(buyer, await orders.ticket(f"T{n}")) for n in range(3)]
    await orders.placed(orders.new_id(), await orders.ticket("Theirs"))
    await orders.db.orders.update_one(
        {"_id": ObjectId(mine[0]["id"])}, {"$set": {"status": "cancelled", "version": 1}}
    )
    response = await orders.client.get("/api/orders", headers=orders.session(buyer))
    assert response.status_code == 200
    listed = response.json()
    assert [o["id"] for o in listed] == [o["id"] for o in reversed(mine)]
    assert [o["ticket"]["title"] for o in listed] == ["T2", "T1", "T0"]
    assert listed[-1]["status"] == "cancelled"
    assert listed[0] == mine[2]


async def test_list_is_empty_for_a_user_without_orders(orders, buyer) -> None:
    await orders.placed(orders.new_id(), await orders.ticket())
    response = await orders.client.get("/api/orders", headers=orders.session(buyer))
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize("path", ["/api/orders", f"/api/orders/{'a' * 24}"])
async def test_reading_needs_a_session(orders, path: str) -> None:
    response = await orders.client.get(path)
    assert response.status_code == 401
    assert response.json() == NOT_AUTHORIZED


async def test_show_answers_the_callers_order_in_any_id_case(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    for order_id in (order["id"], order["id"].upper()):
        response = await orders.client.get(f"/api/orders/{order_id}", headers=orders.session(buyer))
        assert response.status_code == 200
        assert response.json() == order


async def test_another_users_order_is_not_authorized(orders, buyer) -> None:
    order = await orders.placed(buyer, await orders.ticket())
    response = await orders.client.get(
        f"/api/orders/{order['id']}", headers=orders.session(orders.new_id())
    )
    assert response.status_code == 401
    assert response.json() == NOT_AUTHORIZED


async def test_unknown_order_is_not_found(orders, buyer) -> None:
    response = await orders.client.get(f"/api/orders/{'b' * 24}", headers=orders.session(buyer))
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}


@pytest.mark.parametrize(
    "order_id", ["abc", "g" * 24, "a" * 23, "a" * 25, "123", "%7B%22%24ne%22%3Anull%7D", "null"]
)
@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_malformed_order_id_is_refused(orders, buyer, method: str, order_id: str) -> None:
    response = await orders.client.request(
        method, f"/api/orders/{order_id}", headers=orders.session(buyer)
    )
    assert response.status_code == 400
    assert response.json() == ORDER_ID


async def test_the_ticket_follows_later_edits(orders, buyer) -> None:
    ticket_id = await orders.ticket("Old", 10)
    order = await orders.placed(buyer, ticket_id)
    await orders.edit_ticket(ticket_id, 1, "New", 11)
    shown = await orders.client.get(f"/api/orders/{order['id']}", headers=orders.session(buyer))
    listed = await orders.client.get("/api/orders", headers=orders.session(buyer))
    expected = {"id": ticket_id, "title": "New", "price": 11}
    assert shown.json()["ticket"] == expected
    assert listed.json()[0]["ticket"] == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/orders"),
        ("PATCH", f"/api/orders/{'a' * 24}"),
        ("GET", f"/api/orders/{'a' * 24}/ticket"),
    ],
)
async def test_unknown_paths_and_methods_are_not_found(orders, buyer, method, path) -> None:
    response = await orders.client.request(method, path, headers=orders.session(buyer))
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not Found"}]}


async def test_one_trailing_slash_is_accepted(orders, buyer) -> None:
    response = await orders.client.get("/api/orders/", headers=orders.session(buyer))
    assert response.status_code == 200
