"""Headers on every response, the Stripe variant, the API client's manners, health, 404s."""

import httpx
import pytest

from zombilet_client.settings import Settings

PK = "pk_test_123"


@pytest.mark.parametrize(
    "path", ["/", "/auth/signin", "/no/such/page", "/api/nope", "/static/countdown.js"]
)
async def test_every_response_carries_the_security_headers(site, path) -> None:
    answer = await site.get(path)

    csp = answer.headers["content-security-policy"]
    assert csp.startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in csp
    assert "stripe" not in csp
    assert "unsafe-inline" not in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-request-id"]


async def test_an_unknown_page_is_page_not_found(member) -> None:
    page = await member.get("/no/such/page")

    assert page.status_code == 404
    assert "<h1>Page not found</h1>" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/auth/signout">Sign Out</a>' in page.text


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
async def test_api_paths_reaching_the_client_get_the_404_envelope(site, method) -> None:
    answer = await site.request(method, "/api/widgets/1")

    assert answer.status_code == 404
    assert answer.json() == {"errors": [{"message": "Not Found"}]}


async def test_health_answers_at_the_root(site) -> None:
    assert (await site.get("/healthz")).json() == {"status": "ok"}
    ready = await site.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_bootstrap_is_served_from_the_package(site) -> None:
    page = await site.get("/")
    css = await site.get("/static/bootstrap/css/bootstrap.min.css")

    assert '<link rel="stylesheet" href="/static/bootstrap/css/bootstrap.min.css">' in page.text
    assert css.status_code == 200
    assert "Bootstrap  v5.3" in css.text[:200]


async def test_pages_are_in_english_with_one_h1(site) -> None:
    page = await site.get("/auth/signup")

    assert '<html lang="en">' in page.text
    assert page.text.count("<h1") == 1


async def test_each_call_carries_only_this_visitors_cookie_and_the_request_id(site, api) -> None:
    api.on(
        "POST",
        "/api/users/signin",
        httpx.Response(200, json={"id": "a" * 24}, headers={"Set-Cookie": "session=first; Path=/"}),
    )
    await site.post(
        "/auth/signin",
        data={"email": "a@example.com", "password": "x"},
        headers={"Cookie": "session=first-visitor", "X-Request-Id": "req-one"},
    )

    assert site.cookies.get("session") == "first"
    site.cookies.clear()  # a second visitor, with no cookie of its own

    await site.get("/", headers={"X-Request-Id": "req-two"})

    first, second = api.requests[0], api.requests[-1]
    assert first.headers["cookie"] == "session=first-visitor"
    assert first.headers["x-request-id"] == "req-one"
    assert "cookie" not in second.headers
    assert second.headers["x-request-id"] == "req-two"


async def test_a_signed_in_visitor_gets_no_store_on_every_page(member, api) -> None:
    api.on("GET", "/api/tickets", httpx.Response(200, json=[]))

    page = await member.get("/")

    assert page.headers["cache-control"] == "no-store"
    assert 'href="/auth/signout">Sign Out</a>' in page.text


async def test_an_unreachable_api_leaves_the_visitor_signed_out_and_says_so(
    settings, open_site
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with open_site(settings, down) as site:
        page = await site.get("/")
        assert page.status_code == 503
        assert "Something went wrong. Please try again." in page.text
        assert 'href="/auth/signin">Sign In</a>' in page.text


async def test_a_broken_page_answers_the_503_page_and_no_trace(settings, api, open_site) -> None:
    api.on("GET", "/api/orders", httpx.Response(200, json=[{"unexpected": "shape"}]))

    async with open_site(settings, api.handle) as site:
        page = await site.get(
            "/orders/", headers={"Cookie": "session=signed-in-token", "X-Request-Id": "broken-1"}
        )
        assert page.status_code == 503
        assert "Something went wrong. Please try again." in page.text
        assert "Traceback" not in page.text
        # The error page leaves through the edge layer and the security headers like any page.
        assert page.headers["x-request-id"] == "broken-1"
        assert "content-security-policy" in page.headers


async def test_with_a_publishable_key_the_order_page_uses_stripes_payment_element(
    api, data, open_site
) -> None:
    api.on("GET", f"/api/orders/{data.order_id}", httpx.Response(200, json=data.order()))

    async with open_site(Settings(stripe_publishable_key=PK), api.handle) as site:
        page = await site.get(
            f"/orders/{data.order_id}", headers={"Cookie": "session=signed-in-token"}
        )
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' https://js.stripe.com" in csp
    assert "frame-src https://js.stripe.com" in csp
    assert '<script src="https://js.stripe.com/v3/"></script>' in page.text
    assert f'data-stripe-key="{PK}"' in page.text
    assert 'data-amount="1699"' in page.text
    assert '<input type="hidden" name="token" id="payment-token">' in page.text
    assert "pm_card_visa" not in page.text
