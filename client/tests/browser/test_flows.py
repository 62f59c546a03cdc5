"""What a visitor does on the site, in a real browser, against the real stack."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.integration

VISA = "Test card that succeeds (pm_card_visa)"
DECLINED = "Test card that is declined (pm_card_chargeDeclined)"
AUTHENTICATES = "Test card that asks for authentication (pm_card_authenticationRequired)"
WITHIN_EXPIRY = 45_000  # ms: the stack's window plus the expiry's own delay, with room


def test_a_seller_lists_a_ticket_and_a_buyer_pays_for_it(people, screenshots) -> None:
    seller = people.new().sign_up()
    ticket = seller.sell("Opening Night", "16.99")
    expect(seller.page.get_by_text("Price: £16.99")).to_be_visible()
    expect(seller.page.get_by_role("link", name="Edit")).to_be_visible()

    buyer = people.new().sign_up()
    buyer.go("/")
    row = buyer.page.get_by_role("row").filter(has_text="Opening Night")
    expect(row.first).to_contain_text("£ 16.99")
    buyer.page.screenshot(path=screenshots / "tickets.png")
    order = buyer.buy(ticket)
    expect(buyer.page.get_by_text("Status: CREATED")).to_be_visible()
    expect(buyer.page.get_by_label(VISA)).to_be_checked()
    buyer.page.screenshot(path=screenshots / "order.png")
    buyer.pay(VISA)

    expect(buyer.page).to_have_url(re.compile(r"/orders$"))
    buyer.wait_for_status(order, "COMPLETE")
    buyer.page.screenshot(path=screenshots / "my-orders.png")
    buyer.go(order)
    expect(buyer.page.get_by_role("heading", name="Order Complete")).to_be_visible()
    seller.go(ticket)
    expect(seller.page.get_by_text("This ticket is reserved.")).to_be_visible()
    expect(seller.page.get_by_role("link", name="Edit")).to_have_count(0)


def test_an_unpaid_order_expires_as_the_countdown_reaches_zero(people) -> None:
    seller, buyer = people.new().sign_up(), people.new().sign_up()
    ticket = seller.sell("Late Show", "5")
    buyer.buy(ticket)
    seconds = buyer.page.locator("[data-seconds]")
    expect(seconds).to_have_text(re.compile(r"^[1-9][0-9]*$"))
    first = int(seconds.inner_text())
    # A mark on the window, gone if the page were reloaded.
    buyer.page.evaluate("window.notReloaded = true")

    expect(seconds).not_to_have_text(str(first))
    expect(buyer.page.get_by_role("heading", name="Order Expired")).to_be_visible(
        timeout=WITHIN_EXPIRY
    )

    assert buyer.page.evaluate("window.notReloaded") is True
    expect(seconds).to_have_text("0")
    expect(buyer.page.get_by_text(":(")).to_be_visible()
    expect(
        buyer.page.get_by_text("Your order of 'Late Show' for £5.00 has been expired.")
    ).to_be_visible()
    expect(buyer.page.get_by_role("button", name=re.compile("^Pay"))).to_be_hidden()
    expect(buyer.page.get_by_role("button", name="Cancel Order")).to_be_hidden()


def test_a_declined_card_says_so_and_the_order_can_still_be_paid(people) -> None:
    seller, buyer = people.new().sign_up(), people.new().sign_up()
    order = buyer.buy(seller.sell("Matinee", "8.50"))

    buyer.pay(DECLINED)

    alert = buyer.page.get_by_role("alert")
    expect(alert).to_contain_text("Ooops...")
    expect(alert).to_contain_text("Your card was declined.")
    buyer.pay(VISA)
    expect(buyer.page).to_have_url(re.compile(r"/orders$"))
    buyer.wait_for_status(order, "COMPLETE")


def test_a_card_that_asks_for_authentication_pays_once_authenticated(people) -> None:
    seller, buyer = people.new().sign_up(), people.new().sign_up()
    order = buyer.buy(seller.sell("Encore", "21"))

    buyer.pay(AUTHENTICATES)

    expect(buyer.page).to_have_url(re.compile(r"/api/payments/authenticate/pi_offline_"))
    buyer.page.get_by_role("button", name="Complete authentication").click()
    expect(buyer.page).to_have_url(re.compile(re.escape(order) + r"\?.*redirect_status=succeeded"))
    expect(buyer.page.get_by_role("heading", name="Order Complete")).to_be_visible(timeout=20_000)
    expect(
        buyer.page.get_by_text("Your order of 'Encore' for £21.00 has been paid.")
    ).to_be_visible()


def test_a_failed_authentication_says_so_and_the_order_can_still_be_paid(people) -> None:
    seller, buyer = people.new(javascript=False).sign_up(), people.new(javascript=False).sign_up()
    order = buyer.buy(seller.sell("Second Night", "9"))

    buyer.pay(AUTHENTICATES)
    buyer.page.get_by_role("button", name="Fail authentication").click()

    expect(buyer.page).to_have_url(re.compile(re.escape(order) + r"\?"))
    expect(buyer.page.get_by_role("alert")).to_contain_text(
        "Your payment could not be authenticated. Please try again."
    )
    buyer.pay(VISA)
    expect(buyer.page).to_have_url(re.compile(r"/orders$"))
    buyer.wait_for_status(order, "COMPLETE")


def test_a_forgotten_password_is_reset_through_the_mailed_link(people, outbox) -> None:
    visitor = people.new().sign_up()
    visitor.page.get_by_role("link", name="Sign Out").click()
    visitor.go("/auth/signin")
    visitor.page.get_by_role("link", name="Forgot your password?").click()
    visitor.page.get_by_label("E-mail Address").fill(visitor.email)
    visitor.page.get_by_role("button", name="Send Reset Link").click()
    expect(visitor.page.get_by_text("a link to reset its password is on its way")).to_be_visible()

    visitor.page.goto(outbox.reset_link(visitor.email))
    visitor.base_url = visitor.page.url.split("/auth/", 1)[0]
    visitor.page.get_by_label("New Password", exact=True).fill("brand-new-9")
    visitor.page.get_by_label("Repeat New Password").fill("brand-new-9")
    visitor.page.get_by_role("button", name="Change Password").click()

    expect(
        visitor.page.get_by_text("Your password has been changed. Please sign in.")
    ).to_be_visible()
    visitor.sign_in("password1")
    expect(visitor.page.get_by_role("alert")).to_contain_text("Invalid Credentials!")
    visitor.sign_in("brand-new-9")
    expect(visitor.page.get_by_role("link", name="Sign Out")).to_be_visible()


def test_signing_out_then_my_orders_goes_through_sign_in_and_back(people) -> None:
    visitor = people.new().sign_up()

    visitor.page.get_by_role("link", name="Sign Out").click()
    expect(visitor.page.get_by_role("link", name="Sign In")).to_be_visible()
    visitor.go("/orders")

    expect(visitor.page).to_have_url(re.compile(r"/auth/signin\?next=%2Forders$"))
    visitor.sign_in()
    expect(visitor.page).to_have_url(re.compile(r"/orders$"))
    expect(visitor.page.get_by_role("heading", level=1, name="My Orders")).to_be_visible()
    expect(visitor.page.get_by_text("You have no orders yet.")).to_be_visible()


def test_without_javascript_a_ticket_is_bought_and_paid(people) -> None:
    seller = people.new(javascript=False).sign_up()
    ticket = seller.sell("Quiet Gig", "12")
    buyer = people.new(javascript=False).sign_up()

    order = buyer.buy(ticket)
    expect(buyer.page.get_by_text("Pay £12.00")).to_be_visible()
    buyer.pay(VISA)

    expect(buyer.page).to_have_url(re.compile(r"/orders$"))
    buyer.wait_for_status(order, "COMPLETE")
