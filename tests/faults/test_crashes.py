"""Services killed with SIGKILL at their worst moments come back (the runner restarts them) and
nothing is lost or done twice."""

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from zombilet_common.events.subjects import Subject
from zombilet_common.standins.stripe import StripeStandIn
from zombilet_common.testing.wait import wait_until

pytestmark = pytest.mark.integration


class StripeInThread:
    """The Stripe stand-in served from its own thread and loop, for a whole module."""

    def __init__(self) -> None:
        self.stripe = StripeStandIn()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._serve(),))
        self._stop: asyncio.Event | None = None

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with self.stripe.running():
            self._started.set()
            await self._stop.wait()

    def __enter__(self) -> "StripeInThread":
        self._thread.start()
        assert self._started.wait(10), "the Stripe stand-in did not start"
        return self

    def __exit__(self, *_: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)
        self._loop.close()

    def hold_payments(self) -> asyncio.Event:
        async def hold() -> asyncio.Event:
            return self.stripe.hold_payments()

        return asyncio.run_coroutine_threadsafe(hold(), self._loop).result(5)

    def release(self, gate: asyncio.Event) -> None:
        self._loop.call_soon_threadsafe(gate.set)

    def intent_requests(self, order_id: str) -> list[Any]:
        return [
            r
            for r in self.stripe.of("/v1/payment_intents")
            if r.form.get("metadata[orderId]") == order_id
        ]

    def intents(self, order_id: str) -> list[dict[str, Any]]:
        return [i for i in self.stripe.intents.values() if i["metadata"].get("orderId") == order_id]


@pytest.fixture(scope="module")
def stripe() -> Iterator[StripeInThread]:
    with StripeInThread() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def stack(stripe: StripeInThread, stack_starter: Any, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Payments charges through the Stripe stand-in; orders stay open while services restart,
    and a charge claim whose request died lapses quickly."""
    process = stack_starter(
        tmp_path_factory.mktemp("crashes"),
        STRIPE_KEY=StripeStandIn.API_KEY,
        STRIPE_API_BASE=stripe.stripe.url,
        STRIPE_WEBHOOK_SECRET=StripeStandIn.WEBHOOK_SECRET,
        EXPIRATION_WINDOW_SECONDS="90",
        PAYMENT_CLAIM_SECONDS="2",
    )
    try:
        yield process
    finally:
        process.close()


def with_id(payloads: list[dict[str, Any]], key: str, value: str) -> list[dict[str, Any]]:
    return [p for p in payloads if p.get(key) == value]


async def test_orders_killed_after_201_before_its_relay_published_publishes_once(
    stack, people, retry, bus
) -> None:
    seller, buyer = await people.sign_up(), await people.sign_up()
    ticket = (await seller.post("/api/tickets", json={"title": "Crash", "price": 15})).json()
    await bus.drained()

    # With NATS stopped the relay cannot publish; the order is stored with its event pending.
    with stack.paused("nats"):
        placed = await buyer.post("/api/orders", json={"ticketId": ticket["id"]})
        assert placed.status_code == 201, placed.text
        killed = stack.kill_service("orders")
    await stack.service_back("orders", killed)

    order = placed.json()
    held = await retry(
        lambda: seller.get(f"/api/tickets/{ticket['id']}"),
        200,
        until=lambda r: r.json()["orderId"] == order["id"],
    )
    assert held.json()["version"] == 1
    # A re-publish would have happened in the restarted relay's first sweep, before it was
    # ready; the stream holds whatever was published.
    created = with_id(await bus.payloads(Subject.ORDER_CREATED), "id", order["id"])
    assert len(created) == 1
    assert created[0]["ticket"]["id"] == ticket["id"]
    shown = await buyer.get(f"/api/orders/{order['id']}")
    assert (shown.json()["status"], shown.json()["version"]) == ("created", 0)


async def test_tickets_killed_with_events_pending_publishes_them_after_restart(
    stack, people, retry, bus
) -> None:
    seller, buyer, other = await people.sign_up(), await people.sign_up(), await people.sign_up()
    edited = (await seller.post("/api/tickets", json={"title": "Before", "price": 10})).json()
    await bus.drained()

    with stack.paused("nats"):
        change = await seller.put(
            f"/api/tickets/{edited['id']}", json={"title": "After", "price": 33}
        )
        assert change.status_code == 200, change.text
        fresh = await seller.post("/api/tickets", json={"title": "Fresh", "price": 21})
        assert fresh.status_code == 201, fresh.text
        killed = stack.kill_service("tickets")
    await stack.service_back("tickets", killed)

    new = fresh.json()
    # Orders hears of the new ticket only through the relay of the restarted tickets.
    order = await retry(lambda: buyer.post("/api/orders", json={"ticketId": new["id"]}), 201)
    assert order.json()["ticket"] == {"id": new["id"], "title": "Fresh", "price": 21}
    moved = (await other.post("/api/orders", json={"ticketId": edited["id"]})).json()
    await retry(
        lambda: other.get(f"/api/orders/{moved['id']}"),
        200,
        until=lambda r: r.json()["ticket"] == {"id": edited["id"], "title": "After", "price": 33},
    )
    assert len(with_id(await bus.payloads(Subject.TICKET_CREATED), "id", new["id"])) == 1
    updates = with_id(await bus.payloads(Subject.TICKET_UPDATED), "id", edited["id"])
    assert [(u["version"], u["title"]) for u in updates if u["version"] == 1] == [(1, "After")]


async def test_payments_killed_between_charge_and_stored_payment_charges_once(
    stack, people, retry, bus, stripe, provoke, order_becomes
) -> None:
    seller, buyer = await people.sign_up(), await people.sign_up()
    ticket = (await seller.post("/api/tickets", json={"title": "Paid", "price": 42})).json()
    order = (
        await retry(lambda: buyer.post("/api/orders", json={"ticketId": ticket["id"]}), 201)
    ).json()
    await bus.drained()

    gate = stripe.hold_payments()
    try:
        paying = asyncio.create_task(
            buyer.post(
                "/api/payments",
                json={"token": "tok_visa", "orderId": order["id"]},
                headers=provoke(),
            )
        )
        await wait_until(lambda: stripe.intent_requests(order["id"]), within=15)
        killed = stack.kill_service("payments")
    finally:
        stripe.release(gate)
    cut_off = await paying
    assert cut_off.status_code >= 500
    await stack.service_back("payments", killed)
    # The intent the dead request made is Stripe's; the buyer tries again.
    await wait_until(lambda: stripe.intents(order["id"]), within=15)

    paid = await retry(
        lambda: buyer.post("/api/payments", json={"token": "tok_visa", "orderId": order["id"]}),
        201,
    )

    intents = stripe.intents(order["id"])
    assert len(intents) == 1
    assert intents[0]["amount"] == 4200
    assert paid.json()["stripeId"] == intents[0]["id"]
    assert len(stripe.intent_requests(order["id"])) == 2
    await order_becomes(buyer, order["id"], "complete")
    again = await buyer.post("/api/payments", json={"token": "tok_visa", "orderId": order["id"]})
    assert again.json() == {"errors": [{"message": "This order has already been paid."}]}
    assert len(stripe.intents(order["id"])) == 1
    assert not stripe.stripe.refunds
