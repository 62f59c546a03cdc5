"""A title written to attack the page is shown as text wherever it appears."""

import httpx
import pytest

EVIL = "<script>alert('x')</script><img src=x onerror=alert(1)>"
SHOWN = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def assert_inert(page: httpx.Response) -> None:
    assert page.status_code == 200, page.text
    assert SHOWN in page.text
    assert "<script>alert" not in page.text
    assert "<img" not in page.text


async def test_the_ticket_list(site, api, data) -> None:
    api.on("GET", "/api/tickets", httpx.Response(200, json=[data.ticket(title=EVIL)]))

    assert_inert(await site.get("/"))


async def test_the_ticket_page(site, api, data) -> None:
    api.on(
        "GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=data.ticket(title=EVIL))
    )

    page = await site.get(f"/tickets/{data.ticket_id}")

    assert_inert(page)
    assert f"<title>{SHOWN} | Zombilet</title>" in page.text


async def test_the_edit_page(member, api, data) -> None:
    mine = data.ticket(title=EVIL, userId=data.user_id)
    api.on("GET", f"/api/tickets/{data.ticket_id}", httpx.Response(200, json=mine))

    assert_inert(await member.get(f"/tickets/{data.ticket_id}/edit"))


async def test_my_orders(member, api, data) -> None:
    evil = data.order(ticket={"id": data.ticket_id, "title": EVIL, "price": 1})
    api.on("GET", "/api/orders", httpx.Response(200, json=[evil]))

    assert_inert(await member.get("/orders"))


@pytest.mark.parametrize("status", ["created", "cancelled", "complete"])
async def test_the_order_page(member, api, data, status) -> None:
    evil = data.order(status=status, ticket={"id": data.ticket_id, "title": EVIL, "price": 1})
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=evil))

    assert_inert(await member.get(f"/orders/{data.order_id}"))


async def test_an_api_message_and_a_typed_value(member, api, data) -> None:
    api.on("POST", "/api/tickets", data.errors(EVIL))

    page = await member.post("/tickets/new", data={"title": EVIL, "price": "1"})

    assert page.status_code == 400
    assert page.text.count(SHOWN) == 2
    assert "<script>alert" not in page.text
