"""axe-core over every page of the site, in each of its states: nothing serious or critical."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.integration

BLOCKING = ("serious", "critical")


def problems(page: Page) -> list[str]:
    """The serious and critical violations on the page as it is now, one line each."""
    results = Axe().run(page)
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}) "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def test_no_page_has_a_serious_or_critical_violation(people, outbox, screenshots: Path) -> None:
    found: list[str] = []
    visitor = people.new()

    def check(path: str, shot: str | None = None) -> None:
        visitor.go(path)
        found.extend(problems(visitor.page))
        if shot:
            visitor.page.screenshot(path=screenshots / f"{shot}.png", full_page=True)

    check("/", "home-signed-out")
    check("/auth/signup", "signup")
    visitor.page.get_by_role("button", name="Sign Up").click()
    expect(visitor.page.get_by_role("alert")).to_contain_text("Ooops...")
    found.extend(problems(visitor.page))
    visitor.page.screenshot(path=screenshots / "signup-errors.png")
    check("/auth/signin?reset=done", "signin")
    check("/auth/forgot-password?sent=1", "forgot-password")
    check("/auth/reset-password?token=nope&type=forgot-password", "reset-invalid")
    check("/no/such/page", "not-found")
    check(f"/tickets/{'0' * 24}")
    check(f"/orders/{'0' * 24}")

    seller = people.new().sign_up()
    ticket = seller.sell("Accessible Gig", "9.99")
    check(ticket, "ticket-signed-out")
    visitor.sign_up()
    check(ticket, "ticket")
    check("/orders", "no-orders")
    check("/tickets/new", "sell")
    check(ticket + "/edit")
    seller.go(ticket + "/edit")
    found.extend(problems(seller.page))
    seller.page.screenshot(path=screenshots / "edit.png")

    order = visitor.buy(ticket)
    check(order, "order")
    visitor.pay("Test card that is declined (pm_card_chargeDeclined)")
    expect(visitor.page.get_by_role("alert")).to_contain_text("Your card was declined.")
    found.extend(problems(visitor.page))
    visitor.page.screenshot(path=screenshots / "order-declined.png")
    check("/orders", "orders")
    check(ticket)
    visitor.go(order)
    visitor.page.get_by_role("button", name="Cancel Order").click()
    expect(visitor.page.get_by_role("heading", name="Order Cancelled")).to_be_visible()
    found.extend(problems(visitor.page))

    visitor.page.get_by_role("link", name="Sign Out").click()
    visitor.go("/auth/forgot-password")
    visitor.page.get_by_label("E-mail Address").fill(visitor.email)
    visitor.page.get_by_role("button", name="Send Reset Link").click()
    expect(visitor.page.get_by_role("status")).to_be_visible()
    visitor.page.goto(outbox.reset_link(visitor.email))
    expect(visitor.page.get_by_role("button", name="Change Password")).to_be_visible()
    found.extend(problems(visitor.page))

    assert found == []


def test_the_check_itself_finds_a_serious_violation(chromium) -> None:
    page = chromium.new_page()
    try:
        page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
        assert any("image-alt" in line for line in problems(page))
    finally:
        page.close()
