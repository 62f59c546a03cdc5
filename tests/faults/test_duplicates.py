"""Every event of a whole purchase published again, shuffled, under new message ids: the
replicas end where they were, and no mail or charge happens twice."""

import email
import json
import random
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from zombilet_common.events.subjects import Subject
from zombilet_common.headers import MAIL_EVENT

pytestmark = pytest.mark.integration


def mails(stack) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(event key, recipient) of every mail in the stack's outbox."""
    found = []
    for path in sorted(Path(stack.data_dir, "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        found.append((str(message[MAIL_EVENT]), str(message["To"])))
    return found


def ledger(stack, order_id: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The offline gateway's intent and refund records for the order, and its payments."""
    with MongoClient[dict[str, Any]](stack.stderr_url("mongo"), directConnection=True) as mongo:
        entries = [
            {"kind": e["kind"], "outcome": e["outcome"], "object_id": e.get("object_id")}
            for e in mongo.payments.offline_gateway.find()
            if order_id in e["key"] or e.get("intent_id") in ids_of(mongo, order_id)
        ]
        payments = list(mongo.payments.payments.find({"order_id": order_id}, {"_id": 0}))
    return sorted(entries, key=repr) + payments


def ids_of(mongo: Any, order_id: str) -> set[str]:
    return {p["stripe_id"] for p in mongo.payments.payments.find({"order_id": order_id})}


async def state(people_clients, ticket_id: str, order_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    seller, buyer = people_clients
    ticket = (await seller.get(f"/api/tickets/{ticket_id}")).json()
    order = (await buyer.get(f"/api/orders/{order_id}")).json()
    again = await buyer.post("/api/payments", json={"token": "tok_visa", "orderId": order_id})
    return {"ticket": ticket, "order": order, "pay again": (again.status_code, again.json())}


async def test_a_purchase_replayed_shuffled_changes_nothing(
    stack, people, retry, bus, order_becomes
) -> None:
    seller, buyer = await people.sign_up(), await people.sign_up()
    ticket = (await seller.post("/api/tickets", json={"title": "Twice", "price": 19.5})).json()
    order = (
        await retry(lambda: buyer.post("/api/orders", json={"ticketId": ticket["id"]}), 201)
    ).json()
    paid = await retry(
        lambda: buyer.post("/api/payments", json={"token": "tok_visa", "orderId": order["id"]}),
        201,
    )
    await order_becomes(buyer, order["id"], "complete")
    await bus.drained()
    ids = {seller.headers["x-user-id"], buyer.headers["x-user-id"], ticket["id"], order["id"]}
    ids.add(paid.json()["id"])
    purchase: list[tuple[str, bytes]] = []
    for subject in Subject:
        for data in await bus.messages(subject):
            payload = json.loads(data)
            if payload.get("id") in ids or payload.get("orderId") in ids:
                purchase.append((subject.value, data))
    subjects = sorted({subject for subject, _ in purchase})
    assert {"user.signed-up", "ticket.created", "ticket.updated", "order.created"} <= set(subjects)
    assert {"payment.created", "order.completed"} <= set(subjects)
    before = await state((seller, buyer), ticket["id"], order["id"])
    mailed, charged = mails(stack), ledger(stack, order["id"])
    assert len([m for m in mailed if order["id"] in m[0]]) == 2  # order placed, order paid

    random.Random(13).shuffle(purchase)
    for subject, data in purchase:
        await bus.publish(subject, data)
    await bus.drained()

    assert await state((seller, buyer), ticket["id"], order["id"]) == before
    assert before["order"]["status"] == "complete"
    assert before["order"]["ticket"] == {"id": ticket["id"], "title": "Twice", "price": 19.5}
    assert before["ticket"]["orderId"] == order["id"]
    assert before["pay again"][0] == 400
    assert mails(stack) == mailed
    assert ledger(stack, order["id"]) == charged
    assert [e["outcome"] for e in charged if e.get("kind") == "intent"] == ["succeeded"]
