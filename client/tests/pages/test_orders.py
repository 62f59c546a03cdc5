"""My orders and the order page: each state, paying, cancelling."""

from datetime import UTC, datetime

import httpx
import pytest

from zombilet_client.pages.orders import seconds_left
from zombilet_client.settings import Settings


async def test_my_orders_needs_a_user(site) -> None:
    answer = await site.get("/orders")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/signin?next=%2Forders"


async def test_my_orders_lists_each_order_with_its_status_upper_cased(member, api, data) -> None:
    orders = [data.order(), data.order(id="e" * 24, status="complete")]
    api.on("GET", "/api/orders", httpx.Response(200, json=orders))

    page = await member.get("/orders")

    assert "<h1>My Orders</h1>" in page.text
    assert f'<a href="/orders/{data.order_id}">{data.order_id}</a>' in page.text
    assert "<td>Concert</td>" in page.text
    assert "£ 16.99" in page.text
    assert "<td>CREATED</td>" in page.text
    assert "<td>COMPLETE</td>" in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_no_orders_yet(member, api) -> None:
    api.on("GET", "/api/orders", httpx.Response(200, json=[]))

    page = await member.get("/orders")

    assert "You have no orders yet." in page.text


async def test_my_orders_when_orders_is_down(member, api) -> None:
    api.on("GET", "/api/orders", httpx.Response(503, text="upstream connect error"))

    page = await member.get("/orders")

    assert page.status_code == 503
    assert "Something went wrong. Please try again." in page.text
    assert "You have no orders yet." not in page.text


async def test_a_live_order_counts_down_with_the_test_mode_payment_form(member, api, data) -> None:
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=data.order()))

    page = await member.get(f"/orders/{data.order_id}")

    text = page.text
    assert "Status: CREATED" in text
    assert "Order in Progress.." in text
    assert " seconds left" in text
    assert "Your order of &#39;Concert&#39; for £16.99 has been created." in text
    assert "Test mode: no real card is charged." in text
    assert 'value="pm_card_visa" checked' in text
    assert 'value="pm_card_chargeDeclined">' in text
    assert 'value="pm_card_authenticationRequired">' in text
    assert "Test card that succeeds (pm_card_visa)" in text
    assert "Test card that is declined (pm_card_chargeDeclined)" in text
    assert "Test card that asks for authentication (pm_card_authenticationRequired)" in text
    assert "Pay £16.99</button>" in text
    assert "Cancel Order</button>" in text
    assert '<script src="/static/countdown.js"></script>' in text
    assert "stripe" not in text.lower()


@pytest.mark.parametrize(
    ("status", "heading", "ending"),
    [
        ("created", "Order Expired", "has been expired."),
        ("cancelled", "Order Cancelled", "has been cancelled."),
        ("complete", "Order Complete", "has been paid."),
    ],
)
async def test_an_order_that_is_over_shows_its_state_without_forms(
    member, api, data, status, heading, ending
) -> None:
    past = data.order(status=status, expiresAt="2001-01-01T00:00:00.000Z")
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=past))

    page = await member.get(f"/orders/{data.order_id}")

    assert f"Status: {status.upper()}" in page.text
    assert f"<h2>{heading}</h2>" in page.text
    assert f"Your order of &#39;Concert&#39; for £16.99 {ending}" in page.text
    assert "Pay £" not in page.text
    assert "Cancel Order" not in page.text
    assert "countdown.js" not in page.text
    assert (":(" in page.text) == (status == "created")


@pytest.mark.parametrize("order_id", ["e" * 24, "short"])
async def test_an_unknown_order_is_not_found(member, order_id) -> None:
    page = await member.get(f"/orders/{order_id}")

    assert page.status_code == 404
    assert "<h1>Order not found</h1>" in page.text


async def test_another_users_order_says_not_authorized(member, api, data) -> None:
    api.on("GET", f"/api/orders/{data.order_id}", data.errors("Not authorized", status=401))

    page = await member.get(f"/orders/{data.order_id}")

    assert page.status_code == 401
    assert "<li>Not authorized</li>" in page.text
    assert "Status:" not in page.text


async def test_an_order_page_needs_a_user_and_comes_back(site, data) -> None:
    answer = await site.get(f"/orders/{data.order_id}")

    assert answer.headers["location"] == f"/auth/signin?next=%2Forders%2F{data.order_id}"


async def test_paying_with_the_test_card_sends_its_payment_method_and_goes_to_my_orders(
    member, api, data
) -> None:
    api.on("POST", "/api/payments", httpx.Response(201, json={"id": "p" * 24}))

    answer = await member.post(f"/orders/{data.order_id}/pay", data={"token": "pm_card_visa"})

    assert answer.status_code == 303
    assert answer.headers["location"] == "/orders"
    assert api.body("POST", "/api/payments") == {"token": "pm_card_visa", "orderId": data.order_id}


async def test_a_declined_card_shows_the_message_on_the_order_page(member, api, data) -> None:
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=data.order()))
    api.on(
        "POST",
        "/api/payments",
        httpx.Response(
            402, json={"errors": [{"message": "Your card was declined.", "field": "token"}]}
        ),
    )

    page = await member.post(
        f"/orders/{data.order_id}/pay", data={"token": "pm_card_chargeDeclined"}
    )

    assert api.body("POST", "/api/payments")["token"] == "pm_card_chargeDeclined"
    assert page.status_code == 402
    assert "<li>Your card was declined.</li>" in page.text
    assert "Pay £16.99</button>" in page.text
    assert 'value="pm_card_chargeDeclined" checked' in page.text


async def test_authentication_required_goes_to_the_authentication_page(member, api, data) -> None:
    next_action = "/api/payments/authenticate/pi_offline_1"
    api.on(
        "POST",
        "/api/payments",
        httpx.Response(
            202,
            json={
                "orderId": data.order_id,
                "status": "requires_action",
                "clientSecret": "pi_secret",
                "nextActionUrl": next_action,
            },
        ),
    )

    answer = await member.post(
        f"/orders/{data.order_id}/pay", data={"token": "pm_card_authenticationRequired"}
    )

    assert api.body("POST", "/api/payments")["token"] == "pm_card_authenticationRequired"
    assert answer.status_code == 303
    assert answer.headers["location"] == next_action


async def test_cancelling_deletes_the_order_and_shows_it_again(member, api, data) -> None:
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=data.order()))
    api.on("DELETE", f"/api/orders/{data.order_id}", httpx.Response(204))

    answer = await member.post(f"/orders/{data.order_id}/cancel")

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/orders/{data.order_id}"
    assert len(api.sent("DELETE", f"/api/orders/{data.order_id}")) == 1


async def test_a_refused_cancel_shows_the_message(member, api, data) -> None:
    paid = data.order(status="complete")
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=paid))
    api.on(
        "DELETE",
        f"/api/orders/{data.order_id}",
        data.errors("A completed order cannot be cancelled."),
    )

    page = await member.post(f"/orders/{data.order_id}/cancel")

    assert page.status_code == 400
    assert "<li>A completed order cannot be cancelled.</li>" in page.text
    assert "Order Complete" in page.text


def test_seconds_left_are_whole_seconds_never_below_zero() -> None:
    now = datetime(2025, 3, 1, 12, 0, 0, 500000, tzinfo=UTC)

    assert seconds_left("2025-03-01T12:00:05.123Z", now) == 4
    assert seconds_left("2025-03-01T11:00:00.000Z", now) == 0
    assert seconds_left("not a time", now) == 0


async def test_back_from_authentication_the_page_says_it_is_authenticating(
    member, api, data
) -> None:
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=data.order()))

    page = await member.get(f"/orders/{data.order_id}?authenticating=1")

    assert "Authenticating your payment…" in page.text
    assert '<meta http-equiv="refresh" content="2">' in page.text


async def test_back_from_a_completed_authentication_the_page_waits_for_the_payment(
    member, api, data
) -> None:
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=data.order()))

    page = await member.get(
        f"/orders/{data.order_id}?payment_intent=pi_offline_1&redirect_status=succeeded"
    )

    assert "Authenticating your payment…" in page.text
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "Ooops..." not in page.text


async def test_back_from_a_failed_authentication_the_page_says_so_and_offers_the_form(
    member, api, data
) -> None:
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=data.order()))

    page = await member.get(
        f"/orders/{data.order_id}?payment_intent=pi_offline_1&redirect_status=failed"
    )

    assert "<li>Your payment could not be authenticated. Please try again.</li>" in page.text
    assert "Authenticating your payment…" not in page.text
    assert "Pay £16.99</button>" in page.text


async def test_with_stripe_authentication_stays_on_the_order_page_for_stripe_js(
    api, data, open_site
) -> None:
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=data.order()))
    api.on(
        "POST",
        "/api/payments",
        httpx.Response(
            202,
            json={
                "orderId": data.order_id,
                "status": "requires_action",
                "clientSecret": "pi_1_secret_2",
                "nextActionUrl": "https://hooks.stripe.com/3d",
            },
        ),
    )

    async with open_site(Settings(stripe_publishable_key="pk_test_1"), api.handle) as site:
        page = await site.post(
            f"/orders/{data.order_id}/pay",
            data={"token": "ctoken_1"},
            headers={"Cookie": "session=signed-in-token"},
        )

    assert api.body("POST", "/api/payments")["token"] == "ctoken_1"
    assert page.status_code == 200
    assert 'data-client-secret="pi_1_secret_2"' in page.text
    assert "hooks.stripe.com/3d" not in page.text
