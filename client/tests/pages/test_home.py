"""The ticket list: its rows, its empty state, paging, and an API that fails."""

import httpx


async def test_lists_tickets_with_prices_and_availability(site, api, data) -> None:
    api.on(
        "GET",
        "/api/tickets",
        httpx.Response(
            200,
            json=[
                data.ticket(title="Free gig"),
                data.ticket(id="e" * 24, title="Taken", orderId="f" * 24),
            ],
        ),
    )

    page = await site.get("/")

    assert page.status_code == 200
    assert "<h1>Tickets</h1>" in page.text
    assert f'<a href="/tickets/{"c" * 24}">Free gig</a>' in page.text
    assert "£ 16.99" in page.text
    assert "<td>✓</td>" in page.text
    assert "<td>X</td>" in page.text
    assert "Older tickets" not in page.text
    assert api.sent("GET", "/api/tickets")[0].url.params["limit"] == "100"


async def test_an_empty_list_says_no_tickets_yet(site, api) -> None:
    api.on("GET", "/api/tickets", httpx.Response(200, json=[]))

    page = await site.get("/")

    assert page.status_code == 200
    assert "No tickets yet." in page.text
    assert "<table" not in page.text


async def test_a_full_page_links_to_older_tickets_and_passes_before_on(site, api, data) -> None:
    many = [data.ticket(id=f"{n:024x}") for n in range(100, 0, -1)]
    api.on("GET", "/api/tickets", httpx.Response(200, json=many))

    page = await site.get("/?before=" + "9" * 24)

    assert f'<a href="/?before={1:024x}">Older tickets</a>' in page.text
    assert api.sent("GET", "/api/tickets")[0].url.params["before"] == "9" * 24


async def test_a_bad_cursor_shows_the_apis_message(site, api) -> None:
    api.on("GET", "/api/tickets", _bad_before)

    page = await site.get("/?before=nope")

    assert page.status_code == 400
    assert "Ooops..." in page.text
    assert "before must be a valid ticket id." in page.text
    assert "No tickets yet." not in page.text


def _bad_before(_: httpx.Request) -> httpx.Response:
    return httpx.Response(
        400, json={"errors": [{"message": "before must be a valid ticket id.", "field": "before"}]}
    )


async def test_an_api_that_fails_gives_the_503_alert(site, api) -> None:
    api.on("GET", "/api/tickets", httpx.Response(502, json={"errors": [{"message": "Bad"}]}))

    page = await site.get("/")

    assert page.status_code == 503
    assert "Something went wrong. Please try again." in page.text
    assert "Bad" not in page.text


async def test_an_answer_that_is_not_json_gives_the_503_alert(site, api) -> None:
    api.on("GET", "/api/tickets", httpx.Response(200, text="<html>proxy page</html>"))

    page = await site.get("/")

    assert page.status_code == 503
    assert "Something went wrong. Please try again." in page.text
