"""Each e-mail leaves at most once per event, and a failed one is retried (SPEC.md §10.2)."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from zombilet_common.events import (
    Event,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
    ResetToken,
    TicketCreatedEvent,
    TicketUpdatedEvent,
    UserChangedPasswordEvent,
    UserForgotPasswordEvent,
    UserSignedInEvent,
    UserSignedUpEvent,
)
from zombilet_contact.senders import SendFailed

LATER = datetime(2025, 3, 1, 13, 0, tzinfo=UTC)

Trigger = Callable[[str], tuple[Event, str]]


def _versioned(event: Event) -> tuple[Event, str]:
    return event, event.message_id()


def _unversioned(event: Event) -> tuple[Event, str]:
    return event, event.message_id(uuid.uuid4().hex)


# Each builds the event for the user `uid` and its SPEC Nats-Msg-Id.
TRIGGERS: dict[str, Trigger] = {
    "user.signed-up": lambda uid: _versioned(
        UserSignedUpEvent(id=uid, email="user@example.com", version=0)
    ),
    "user.signed-in": lambda uid: _unversioned(UserSignedInEvent(id=uid, version=0)),
    "user.forgot-password": lambda uid: _unversioned(
        UserForgotPasswordEvent(
            id=uid,
            version=0,
            token=ResetToken(value="cd" * 32, type="forgot-password", expires_at=LATER),
        )
    ),
    "user.changed-password": lambda uid: _versioned(UserChangedPasswordEvent(id=uid, version=1)),
    "ticket.created": lambda uid: _versioned(
        TicketCreatedEvent(id=str(ObjectId()), version=0, title="T", price=5, user_id=uid)
    ),
    "ticket.updated": lambda uid: _versioned(
        TicketUpdatedEvent(
            id=str(ObjectId()), version=1, title="T", price=5, user_id=uid, order_id=None
        )
    ),
    "order.created": lambda uid: _versioned(
        OrderCreatedEvent(
            id=str(ObjectId()),
            version=0,
            status="created",
            user_id=uid,
            expires_at=LATER,
            ticket=OrderTicket(id=str(ObjectId()), title="T", price=5),
        )
    ),
    "order.cancelled": lambda uid: _versioned(
        OrderCancelledEvent(
            id=str(ObjectId()),
            version=1,
            status="cancelled",
            user_id=uid,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )
    ),
    "order.completed": lambda uid: _versioned(
        OrderCompletedEvent(
            id=str(ObjectId()),
            version=1,
            status="complete",
            user_id=uid,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )
    ),
}


def summary(log: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(entry["msg_id"], entry["recipient"], entry["status"]) for entry in log]


@pytest.mark.parametrize("subject", TRIGGERS)
async def test_redelivered_event_is_mailed_once(contact, subject: str) -> None:
    user_id = await contact.add_user("user@example.com")
    event, msg_id = TRIGGERS[subject](user_id)

    answers = [(await contact.deliver(event, msg_id, num_delivered=n)).answers for n in (1, 2, 3)]

    assert answers == [["ack"], ["ack"], ["ack"]]
    (mail,) = contact.mails()
    assert mail.to == "user@example.com"
    assert mail.message["X-Zombilet-Event"] == msg_id
    assert summary(await contact.log()) == [(msg_id, "user@example.com", "sent")]
    assert len(contact.sender.attempts) == 1


VERSIONED = [subject for subject in TRIGGERS if not TRIGGERS[subject]("0" * 24)[0].per_occurrence]


@pytest.mark.parametrize("subject", VERSIONED)
async def test_versioned_event_published_again_under_a_new_message_id_is_mailed_once(
    contact, subject: str
) -> None:
    user_id = await contact.add_user("user@example.com")
    event, msg_id = TRIGGERS[subject](user_id)

    first = await contact.deliver(event, msg_id)
    again = await contact.deliver(event, uuid.uuid4().hex)

    assert (first.answers, again.answers) == (["ack"], ["ack"])
    (mail,) = contact.mails()
    assert mail.message["X-Zombilet-Event"] == msg_id
    assert summary(await contact.log()) == [(msg_id, "user@example.com", "sent")]


async def test_a_sign_in_under_another_message_id_is_another_sign_in(contact) -> None:
    user_id = await contact.add_user("user@example.com")
    event, msg_id = TRIGGERS["user.signed-in"](user_id)

    await contact.deliver(event, msg_id)
    await contact.deliver(event, event.message_id(uuid.uuid4().hex))

    assert len(contact.mails()) == 2


@pytest.mark.parametrize(
    "failure",
    [SendFailed("sendgrid answered 503"), RuntimeError("a bug in the sender")],
    ids=["provider-refused", "sender-raised"],
)
async def test_failed_send_frees_its_key_naks_and_the_redelivery_sends_once(
    contact, failure: Exception
) -> None:
    seller = await contact.add_user("seller@example.com")
    event, msg_id = TRIGGERS["ticket.created"](seller)
    contact.sender.failures.append(failure)

    first = await contact.deliver(event, msg_id, num_delivered=1)

    assert first.answers == ["nak"]
    assert first.nak_delays == [0.25]
    assert await contact.log() == []
    assert contact.mails() == []

    second = await contact.deliver(event, msg_id, num_delivered=2)
    third = await contact.deliver(event, msg_id, num_delivered=3)

    assert (second.answers, third.answers) == (["ack"], ["ack"])
    (mail,) = contact.mails()
    assert mail.subject == "Ticket Created | Zombilet"
    assert summary(await contact.log()) == [(msg_id, "seller@example.com", "sent")]
    assert len(contact.sender.attempts) == 2


async def test_key_left_sending_by_a_crash_is_not_sent_again(contact) -> None:
    buyer = await contact.add_user("buyer@example.com")
    event, msg_id = TRIGGERS["order.created"](buyer)
    # A process claimed the key, then died before (or after) the provider took the mail.
    await contact.db.deliveries.insert_one(
        {"msg_id": msg_id, "recipient": "buyer@example.com", "status": "sending"}
    )

    msg = await contact.deliver(event, msg_id, num_delivered=2)

    assert msg.answers == ["ack"]
    assert contact.sender.attempts == []
    assert summary(await contact.log()) == [(msg_id, "buyer@example.com", "sending")]


async def test_same_event_to_another_recipient_is_another_mail(contact) -> None:
    # The key is message id + recipient: the log of one address does not stop another.
    user_id = str(ObjectId())
    event = UserSignedUpEvent(id=user_id, email="first@example.com", version=0)
    await contact.db.deliveries.insert_one(
        {"msg_id": event.message_id(), "recipient": "other@example.com", "status": "sent"}
    )

    await contact.deliver(event, event.message_id())

    assert [mail.to for mail in contact.mails()] == ["first@example.com"]


@pytest.mark.parametrize("subject", [s for s in TRIGGERS if s != "user.signed-up"])
async def test_event_for_an_unknown_user_waits_for_the_signup(contact, subject: str) -> None:
    user_id = str(ObjectId())
    event, msg_id = TRIGGERS[subject](user_id)

    early = await contact.deliver(event, msg_id, num_delivered=1)
    later = await contact.deliver(event, msg_id, num_delivered=3)

    assert (early.answers, early.nak_delays) == (["nak"], [0.25])
    assert (later.answers, later.nak_delays) == (["nak"], [1.0])
    assert contact.mails() == []
    assert await contact.log() == []

    signup = UserSignedUpEvent(id=user_id, email="late@example.com", version=0)
    assert (await contact.deliver(signup, signup.message_id())).answers == ["ack"]
    applied = await contact.deliver(event, msg_id, num_delivered=4)

    assert applied.answers == ["ack"]
    mails = contact.mails()
    assert [m.to for m in mails] == ["late@example.com", "late@example.com"]
    assert sorted(m.message["X-Zombilet-Event"] for m in mails) == sorted(
        [signup.message_id(), msg_id]
    )


@pytest.mark.parametrize("subject", TRIGGERS)
async def test_event_over_24_hours_old_mails_nothing(contact, subject: str) -> None:
    user_id = await contact.add_user("user@example.com")
    event, msg_id = TRIGGERS[subject](user_id)
    old = contact.clock() - timedelta(hours=24, minutes=1)

    msg = await contact.deliver(event, msg_id, published_at=old)

    assert msg.answers == ["ack"]
    assert contact.mails() == []
    assert contact.sender.attempts == []
    assert await contact.log() == []


async def test_event_just_under_24_hours_old_is_still_mailed(contact) -> None:
    user_id = await contact.add_user("user@example.com")
    event, msg_id = TRIGGERS["order.completed"](user_id)
    recent = contact.clock() - timedelta(hours=23, minutes=59)

    await contact.deliver(event, msg_id, published_at=recent)

    assert len(contact.mails()) == 1


async def test_old_events_still_update_the_replica(contact) -> None:
    user_id = str(ObjectId())
    old = contact.clock() - timedelta(days=3)
    signup = UserSignedUpEvent(id=user_id, email="old@example.com", version=0)
    changed = UserChangedPasswordEvent(id=user_id, version=1)

    await contact.deliver(signup, signup.message_id(), published_at=old)
    await contact.deliver(changed, changed.message_id(), published_at=old)

    replica = await contact.db.user_replicas.find_one({"_id": ObjectId(user_id)})
    assert (replica["email"], replica["version"]) == ("old@example.com", 1)
    assert contact.mails() == []


async def test_old_event_for_an_unknown_user_is_acked_without_waiting(contact) -> None:
    event, msg_id = TRIGGERS["ticket.created"](str(ObjectId()))

    msg = await contact.deliver(event, msg_id, published_at=contact.clock() - timedelta(days=2))

    assert msg.answers == ["ack"]
    assert contact.mails() == []
