"""Malformed payloads on every consumed subject are parked, and the real traffic behind them
flows as if they were not there."""

import json
import re
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from zombilet_common.events.subjects import STREAMS_BY_DOMAIN, Subject
from zombilet_common.testing.wait import wait_until

pytestmark = pytest.mark.integration

POISONS = {
    "not json": b"\x00not json{",
    "a json list": b"[1, 2, 3]",
    "fields missing": b'{"unexpected": true}',
    "an id that is no id": b'{"id": "zz", "orderId": "zz", "version": 0, "userId": "zz"}',
}

_ORDER = {
    "id": "a" * 24,
    "version": 0,
    "status": "created",
    "userId": "b" * 24,
    "expiresAt": "2030-01-01T00:00:00.000Z",
    "ticket": {"id": "c" * 24, "title": "T", "price": 5},
}
# Well-formed but for one field, which a lax decoder would let through to the handler.
NEAR_MISSES = {
    Subject.ORDER_CREATED.value: {
        "a time without its zone": {**_ORDER, "expiresAt": "2030-01-01T00:00:00"},
        "a version as text": {**_ORDER, "version": "3"},
        "a version as a boolean": {**_ORDER, "version": True},
    },
}


def reset_link(outbox: Path, address: str) -> str | None:
    for path in sorted(outbox.glob("*.eml")):
        text = path.read_text()
        if f"To: {address}" in text and "Reset Password" in text:
            found = re.search(r"http\S+/auth/reset-password\?\S+", text)
            return found.group(0) if found else None
    return None


async def test_poison_on_every_subject_is_parked_and_holds_nothing_up(
    stack, people, retry, bus, order_becomes
) -> None:
    published: dict[str, list[str]] = defaultdict(list)
    for subject in Subject:
        for kind, data in POISONS.items():
            msg_id = f"poison:{subject.value}:{kind.replace(' ', '-')}:{uuid.uuid4().hex[:8]}"
            await bus.publish(subject.value, data, msg_id=msg_id)
            published[subject.value].append(msg_id)
        for kind, payload in NEAR_MISSES.get(subject.value, {}).items():
            msg_id = f"poison:{subject.value}:{kind.replace(' ', '-')}:{uuid.uuid4().hex[:8]}"
            await bus.publish(subject.value, json.dumps(payload).encode(), msg_id=msg_id)
            published[subject.value].append(msg_id)

    # Real traffic on every subject, behind the poison.
    seller, buyer = await people.sign_up(), await people.sign_up()
    email = (await buyer.get("/api/users/currentuser")).json()["currentUser"]["email"]
    paid_ticket = (await seller.post("/api/tickets", json={"title": "P", "price": 10})).json()
    dropped_ticket = (await seller.post("/api/tickets", json={"title": "D", "price": 11})).json()
    left_ticket = (await seller.post("/api/tickets", json={"title": "L", "price": 12})).json()
    paid = await retry(lambda: buyer.post("/api/orders", json={"ticketId": paid_ticket["id"]}), 201)
    await retry(
        lambda: buyer.post(
            "/api/payments", json={"token": "tok_visa", "orderId": paid.json()["id"]}
        ),
        201,
    )
    dropped = await retry(
        lambda: buyer.post("/api/orders", json={"ticketId": dropped_ticket["id"]}), 201
    )
    assert (await buyer.delete(f"/api/orders/{dropped.json()['id']}")).status_code == 204
    left = await retry(lambda: buyer.post("/api/orders", json={"ticketId": left_ticket["id"]}), 201)
    await buyer.post("/api/users/forgot-password", json={"email": email})
    outbox = stack.data_dir / "outbox"
    await wait_until(lambda: reset_link(outbox, email), within=20, interval=0.1)
    link = reset_link(outbox, email)
    assert link is not None
    query = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
    reset = await buyer.post(
        "/api/users/reset-password",
        params=query,
        json={"newPassword": "brandnew99", "repeatedNewPassword": "brandnew99"},
    )
    assert reset.status_code == 200, reset.text
    signin = await buyer.post("/api/users/signin", json={"email": email, "password": "brandnew99"})
    assert signin.status_code == 200

    await order_becomes(buyer, paid.json()["id"], "complete")
    # The expiry travels expiration.completed, behind its poison.
    await order_becomes(buyer, left.json()["id"], "cancelled")
    await retry(
        lambda: seller.get(f"/api/tickets/{dropped_ticket['id']}"),
        200,
        until=lambda r: r.json()["orderId"] is None and r.json()["version"] == 2,
    )
    await bus.drained()

    consumers = [
        consumer
        for stream in STREAMS_BY_DOMAIN.values()
        for consumer in await bus.js.consumers_info(stream)
        if not consumer.name.startswith("test-")
    ]
    assert len(consumers) == 21
    for consumer in consumers:
        service = consumer.name.split("-", 1)[0]
        subject = consumer.config.filter_subject
        lines = [line for line in stack.parked(service) if line["consumer"] == consumer.name]
        assert sorted(line["msg_id"] for line in lines) == sorted(published[subject]), consumer.name
        assert all(line["subject"] == subject for line in lines)
        assert all(line["delivery"] == 1 for line in lines), lines
        assert consumer.num_pending == consumer.num_ack_pending == 0
