"""The transactional e-mails the local stack writes into its outbox folder (SPEC.md §10)."""

import email
import email.policy
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from zombilet_common.testing.wait import wait_until

pytestmark = pytest.mark.integration


def mails_to(outbox: Path, address: str) -> dict[str, list[str]]:
    """Subject → the plain-text bodies of every mail to `address` so far."""
    found: dict[str, list[str]] = {}
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.setdefault(str(message["Subject"]), []).append(message.get_content())
    return found


async def test_a_users_journey_leaves_its_mails_and_the_reset_link_works(
    stack, people, retry
) -> None:
    outbox = Path(stack.data_dir) / "outbox"
    buyer, seller = await people.sign_up(), await people.sign_up()
    buyer_email = (await buyer.get("/api/users/currentuser")).json()["currentUser"]["email"]
    seller_email = (await seller.get("/api/users/currentuser")).json()["currentUser"]["email"]
    concert = (await seller.post("/api/tickets", json={"title": "Concert", "price": 16.99})).json()
    play = (await seller.post("/api/tickets", json={"title": "Play", "price": 8})).json()
    paid = await retry(lambda: buyer.post("/api/orders", json={"ticketId": concert["id"]}), 201)
    await retry(
        lambda: buyer.post(
            "/api/payments", json={"token": "tok_visa", "orderId": paid.json()["id"]}
        ),
        201,
    )
    dropped = await retry(lambda: buyer.post("/api/orders", json={"ticketId": play["id"]}), 201)
    assert (await buyer.delete(f"/api/orders/{dropped.json()['id']}")).status_code == 204
    await buyer.post("/api/users/forgot-password", json={"email": buyer_email})

    buyer_subjects = {
        "Welcome to Zombilet!",
        "Order Created | Zombilet",
        "Order Completed | Zombilet",
        "Order Cancelled | Zombilet",
        "Reset Password | Zombilet",
    }
    seller_subjects = {
        "Welcome to Zombilet!",
        "Ticket Created | Zombilet",
        "Ticket Updated | Zombilet",
    }
    await wait_until(
        lambda: (
            buyer_subjects <= set(mails_to(outbox, buyer_email))
            and seller_subjects <= set(mails_to(outbox, seller_email))
        ),
        within=20,
        interval=0.1,
        message="the expected mails did not all arrive",
    )
    to_buyer, to_seller = mails_to(outbox, buyer_email), mails_to(outbox, seller_email)
    (completed,) = to_buyer["Order Completed | Zombilet"]
    (cancelled,) = to_buyer["Order Cancelled | Zombilet"]
    assert paid.json()["id"] in completed
    assert dropped.json()["id"] in cancelled
    listed = to_seller["Ticket Created | Zombilet"]
    assert any(concert["id"] in body and "£16.99" in body for body in listed)
    assert any(play["id"] in body and "£8.00" in body for body in listed)
    reserved = to_seller["Ticket Updated | Zombilet"]
    assert any(f"Reserved: yes (order {paid.json()['id']})" in body for body in reserved)

    (reset_mail,) = to_buyer["Reset Password | Zombilet"]
    link = re.search(r"http\S+/auth/reset-password\?\S+", reset_mail)
    assert link is not None
    assert link.group(0).startswith(f"http://localhost:{stack.port}/auth/reset-password?")
    query = {k: v[0] for k, v in parse_qs(urlparse(link.group(0)).query).items()}
    assert query["type"] == "forgot-password"
    reset = await buyer.post(
        "/api/users/reset-password",
        params=query,
        json={"newPassword": "brandnew99", "repeatedNewPassword": "brandnew99"},
    )
    assert reset.status_code == 200
    signin = await buyer.post(
        "/api/users/signin", json={"email": buyer_email, "password": "brandnew99"}
    )
    assert signin.status_code == 200
    await wait_until(
        lambda: (
            {"Changed Password | Zombilet", "Sign In Activity | Zombilet!"}
            <= set(mails_to(outbox, buyer_email))
        ),
        within=20,
        interval=0.1,
    )
