"""Contact with its real lifespan on nats-server and the Mongo-wire store.

The session's durable consumers are shared with every other test of the session, so each
test mails fresh addresses and looks only at its own mails.
"""

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId

from zombilet_common.events import TicketCreatedEvent, UserSignedUpEvent
from zombilet_common.testing.fixtures import fresh_name
from zombilet_common.testing.wait import wait_until
from zombilet_contact.models import DeliveryKey
from zombilet_contact.repository import DeliveryLog

pytestmark = pytest.mark.integration

WITHIN = 15.0


def ticket_for(seller: str, title: str = "Zombie Prom") -> TicketCreatedEvent:
    return TicketCreatedEvent(
        id=str(ObjectId()), version=0, title=title, price=16.99, user_id=seller
    )


def mails_to(outbox_mails: Callable[[Path], list[Any]], directory: Path, address: str) -> list[Any]:
    if not directory.exists():
        return []
    return [mail for mail in outbox_mails(directory) if mail.to == address]


async def test_signup_and_ticket_are_mailed_once_also_after_a_restart(
    live_contact, bus, outbox_mails
) -> None:
    outbox = live_contact.settings.mail_outbox_dir
    email = f"{fresh_name('seller')}@example.com"
    seller = str(ObjectId())
    signup = UserSignedUpEvent(id=seller, email=email, version=0)
    ticket = ticket_for(seller)

    def mine() -> list[Any]:
        return mails_to(outbox_mails, outbox, email)

    async with live_contact.running() as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://contact") as http:
            ready = await http.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})

        await bus.publisher.publish(signup, msg_id=signup.message_id())
        await bus.publisher.publish(ticket, msg_id=ticket.message_id())
        await wait_until(lambda: len(mine()) == 2, within=WITHIN, message="two mails")

        stored = (await bus.js.stream_info("TICKETS")).state.last_seq
        await bus.publisher.publish(ticket, msg_id=ticket.message_id())
        # Same Nats-Msg-Id inside the duplicate window: JetStream keeps nothing new.
        assert (await bus.js.stream_info("TICKETS")).state.last_seq == stored

    async with live_contact.running():
        # A later event is the barrier: once it is mailed, the restarted durables are live.
        later = ticket_for(seller, title="After the restart")
        await bus.publisher.publish(later, msg_id=later.message_id())
        await wait_until(lambda: len(mine()) == 3, within=WITHIN, message="the later mail")

    events = sorted(str(mail.message["X-Zombilet-Event"]) for mail in mine())
    assert events == sorted([signup.message_id(), ticket.message_id(), later.message_id()])
    subjects = sorted(mail.subject for mail in mine())
    assert subjects == ["Ticket Created | Zombilet"] * 2 + ["Welcome to Zombilet!"]
    log = await live_contact.db.deliveries.find({"recipient": email}).to_list()
    assert sorted((e["msg_id"], e["status"]) for e in log) == sorted(
        (msg_id, "sent") for msg_id in events
    )
    replica = await live_contact.db.user_replicas.find_one({"_id": ObjectId(seller)})
    assert (replica["email"], replica["version"]) == (email, 0)


async def test_consumer_replaying_the_stream_mails_nothing_twice(
    live_contact, bus, outbox_mails, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="zombilet_contact")
    outbox = live_contact.settings.mail_outbox_dir
    email = f"{fresh_name('replay')}@example.com"
    seller = str(ObjectId())
    signup = UserSignedUpEvent(id=seller, email=email, version=0)
    ticket = ticket_for(seller)

    def mine() -> list[Any]:
        return mails_to(outbox_mails, outbox, email)

    async with live_contact.running():
        await bus.publisher.publish(signup, msg_id=signup.message_id())
        await bus.publisher.publish(ticket, msg_id=ticket.message_id())
        await wait_until(lambda: len(mine()) == 2, within=WITHIN, message="two mails")

    # A durable created anew delivers the whole stream again: only the log stands in the way.
    await bus.js.delete_consumer("TICKETS", "contact-ticket-created")

    def skipped() -> bool:
        return any(
            getattr(record, "msg_id", None) == ticket.message_id()
            and record.getMessage() == "mail already in the delivery log"
            for record in caplog.records
        )

    async with live_contact.running():
        await wait_until(skipped, within=WITHIN, message="the replayed ticket was handled")

    assert len(mine()) == 2
    log = DeliveryLog(live_contact.db)
    key = DeliveryKey(ticket.message_id(), email)
    assert (await log.status(key)).value == "sent"  # type: ignore[union-attr]


async def test_delivery_log_key_is_unique_on_the_mongo_wire_store(live_contact) -> None:
    log = DeliveryLog(live_contact.db)
    await log.ensure_indexes()
    key = DeliveryKey("ticket.created:" + "c" * 24 + ":0", "unique@example.com")

    assert await log.claim(key, "Ticket Created | Zombilet") is True
    assert await log.claim(key, "Ticket Created | Zombilet") is False
    assert await log.claim(DeliveryKey(key.msg_id, "other@example.com"), "S") is True
    await log.release(key)
    assert await log.claim(key, "Ticket Created | Zombilet") is True
    await log.mark_sent(key)
    await log.release(key)  # a sent key is never released
    assert (await log.status(key)).value == "sent"  # type: ignore[union-attr]
    assert await log.claim(key, "Ticket Created | Zombilet") is False
