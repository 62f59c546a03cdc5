"""Selling, showing, purchasing and editing a ticket."""

import httpx
import pytest


async def test_selling_needs_a_user_and_comes_back_after_sign_in(site) -> None:
    answer = await site.get("/tickets/new")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/signin?next=%2Ftickets%2Fnew"


async def test_the_sell_form_has_title_and_a_decimal_price(member) -> None:
    page = await member.get("/tickets/new")

    assert "<h1>Sell a Ticket</h1>" in page.text
    assert 'for="title">Title</label>' in page.text
    assert 'name="price" type="number"' in page.text
    assert 'step="0.01"' in page.text
    assert 'type="submit">Submit</button>' in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_selling_sends_the_price_as_a_number_and_shows_the_ticket(member, api, data) -> None:
    api.on("POST", "/api/tickets", httpx.Response(201, json=data.ticket()))

    answer = await member.post("/tickets/new", data={"title": "Concert", "price": "16.99"})

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/tickets/{data.ticket_id}"
    assert api.body("POST", "/api/tickets") == {"title": "Concert", "price": 16.99}


async def test_a_price_that_is_no_number_is_sent_as_text_and_the_form_refilled(
    member, api, data
) -> None:
    api.on(
        "POST",
        "/api/tickets",
        data.errors("Title is required.", "Price must be decimal greater than 0."),
    )

    page = await member.post("/tickets/new", data={"title": "", "price": "ten"})

    assert api.body("POST", "/api/tickets") == {"title": "", "price": "ten"}
    assert page.status_code == 400
    assert "<li>Title is required.</li>" in page.text
    assert "<li>Price must be decimal greater than 0.</li>" in page.text
    assert 'value="ten"' in page.text


async def test_a_free_ticket_offers_purchase_to_a_member(member, api, data) -> None:
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=data.ticket()))

    page = await member.get(f"/tickets/{data.ticket_id}")

    assert "<h1>Concert</h1>" in page.text
    assert "Price: £16.99" in page.text
    assert f'action="/tickets/{data.ticket_id}/purchase"' in page.text
    assert ">Purchase</button>" in page.text
    assert "Edit" not in page.text


async def test_a_free_ticket_asks_a_visitor_to_sign_in(site, api, data) -> None:
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=data.ticket()))

    page = await site.get(f"/tickets/{data.ticket_id}")

    assert f'<a href="/auth/signin?next=/tickets/{data.ticket_id}">Sign in to purchase</a>' in (
        page.text
    )
    assert "Purchase</button>" not in page.text


async def test_the_seller_of_a_free_ticket_may_edit_it(member, api, data) -> None:
    mine = data.ticket(userId=data.user_id)
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=mine))

    page = await member.get(f"/tickets/{data.ticket_id}")

    assert f'href="/tickets/{data.ticket_id}/edit">Edit</a>' in page.text


async def test_a_reserved_ticket_says_so_and_offers_nothing(member, api, data) -> None:
    taken = data.ticket(userId=data.user_id, orderId=data.order_id)
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=taken))

    page = await member.get(f"/tickets/{data.ticket_id}")

    assert "This ticket is reserved." in page.text
    assert "Purchase" not in page.text
    assert ">Edit<" not in page.text


@pytest.mark.parametrize("ticket_id", ["e" * 24, "not-an-id"])
async def test_an_unknown_ticket_is_not_found(site, ticket_id) -> None:
    page = await site.get(f"/tickets/{ticket_id}")

    assert page.status_code == 404
    assert "<h1>Ticket not found</h1>" in page.text


async def test_purchasing_places_an_order_and_shows_it(member, api, data) -> None:
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=data.ticket()))
    api.on("POST", "/api/orders", httpx.Response(201, json=data.order()))

    answer = await member.post(f"/tickets/{data.ticket_id}/purchase")

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/orders/{data.order_id}"
    assert api.body("POST", "/api/orders") == {"ticketId": data.ticket_id}


async def test_purchasing_waits_for_orders_to_hear_of_a_new_ticket(member, api, data) -> None:
    answers = iter([data.errors("Not Found", status=404), httpx.Response(201, json=data.order())])
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=data.ticket()))
    api.on("POST", "/api/orders", lambda _: next(answers))

    answer = await member.post(f"/tickets/{data.ticket_id}/purchase")

    assert answer.headers["location"] == f"/orders/{data.order_id}"
    assert len(api.sent("POST", "/api/orders")) == 2


async def test_a_refused_purchase_shows_the_ticket_with_the_message(member, api, data) -> None:
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=data.ticket()))
    api.on("POST", "/api/orders", data.errors("Ticket is already reserved"))

    page = await member.post(f"/tickets/{data.ticket_id}/purchase")

    assert page.status_code == 400
    assert "<li>Ticket is already reserved</li>" in page.text
    assert "<h1>Concert</h1>" in page.text


async def test_a_signed_out_purchase_goes_to_sign_in_and_back_to_the_ticket(site, data) -> None:
    answer = await site.post(f"/tickets/{data.ticket_id}/purchase")

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/auth/signin?next=%2Ftickets%2F{data.ticket_id}"


async def test_the_edit_form_is_filled_in_for_the_seller(member, api, data) -> None:
    mine = data.ticket(userId=data.user_id)
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=mine))

    page = await member.get(f"/tickets/{data.ticket_id}/edit")

    assert "<h1>Edit Ticket</h1>" in page.text
    assert 'value="Concert"' in page.text
    assert 'value="16.99"' in page.text
    assert 'type="submit">Save</button>' in page.text


async def test_another_users_edit_page_says_not_authorized_without_a_form(
    member, api, data
) -> None:
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=data.ticket()))

    page = await member.get(f"/tickets/{data.ticket_id}/edit")

    assert page.status_code == 401
    assert "<li>Not authorized</li>" in page.text
    assert "<form" not in page.text.split("<main", 1)[1]


async def test_the_edit_page_of_an_unknown_ticket_is_not_found(member) -> None:
    page = await member.get(f"/tickets/{'e' * 24}/edit")

    assert page.status_code == 404
    assert "<h1>Ticket not found</h1>" in page.text


async def test_saving_sends_both_fields_and_shows_the_ticket(member, api, data) -> None:
    api.on("PUT", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=data.ticket()))

    answer = await member.post(
        f"/tickets/{data.ticket_id}/edit", data={"title": "Opera", "price": "20"}
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/tickets/{data.ticket_id}"
    assert api.body("PUT", f"/api/tickets/{data.ticket_id}") == {"title": "Opera", "price": 20.0}


async def test_a_refused_edit_keeps_what_was_typed(member, api, data) -> None:
    api.on("PUT", f"/api/tickets/{data.ticket_id}", data.errors("Cannot edit a reserved ticket"))

    page = await member.post(
        f"/tickets/{data.ticket_id}/edit", data={"title": "Opera", "price": "20.5"}
    )

    assert page.status_code == 400
    assert "<li>Cannot edit a reserved ticket</li>" in page.text
    assert 'value="Opera"' in page.text
    assert 'value="20.5"' in page.text
