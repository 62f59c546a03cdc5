"""The four user triggers: recipient, subject and facts of each mail (SPEC.md §10.3)."""

import secrets
import uuid
from datetime import UTC, datetime, timedelta, timezone

from bson import ObjectId

from zombilet_common.events import (
    ResetToken,
    UserChangedPasswordEvent,
    UserForgotPasswordEvent,
    UserSignedInEvent,
    UserSignedUpEvent,
)

ENDING = "Questions? Write to help@zombilet.com.\n\nThe Zombilet Team"


def ends_as_every_mail(body: str) -> bool:
    return body.rstrip("\n").endswith("\n\n" + ENDING)


async def test_signed_up_welcomes_the_address_of_the_event(contact) -> None:
    user_id = str(ObjectId())
    event = UserSignedUpEvent(id=user_id, email="new.buyer@example.com", version=0)

    msg = await contact.deliver(event, event.message_id())

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.to == "new.buyer@example.com"
    assert mail.subject == "Welcome to Zombilet!"
    assert "Your account is ready." in mail.body
    assert "Sign in with new.buyer@example.com" in mail.body
    assert f"Your user id: {user_id}" in mail.body
    assert ends_as_every_mail(mail.body)
    assert mail.message["X-Zombilet-Event"] == f"user.signed-up:{user_id}:0"


async def test_signed_up_creates_the_replica_at_the_event_version(contact) -> None:
    user_id = str(ObjectId())
    event = UserSignedUpEvent(id=user_id, email="replica@example.com", version=0)

    await contact.deliver(event, event.message_id())

    replica = await contact.db.user_replicas.find_one({"_id": ObjectId(user_id)})
    assert replica == {"_id": ObjectId(user_id), "email": "replica@example.com", "version": 0}


async def test_signed_in_warns_the_user_with_the_forgot_password_link(contact) -> None:
    user_id = await contact.add_user("me@example.com")
    published = contact.clock() - timedelta(minutes=3)
    event = UserSignedInEvent(id=user_id, version=0)

    msg = await contact.deliver(event, event.message_id(uuid.uuid4().hex), published_at=published)

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.to == "me@example.com"
    assert mail.subject == "Sign In Activity | Zombilet!"
    assert f"signed in to the Zombilet account with user id {user_id}" in mail.body
    assert published.strftime("%Y-%m-%d %H:%M:%S UTC") in mail.body
    assert "If it was you, there is nothing to do." in mail.body
    assert "https://zombilet.test/auth/forgot-password" in mail.body
    assert "write to help@zombilet.com straight away" in mail.body
    assert ends_as_every_mail(mail.body)


async def test_forgot_password_mails_the_reset_link_with_token_type_and_utc_expiry(
    contact,
) -> None:
    user_id = await contact.add_user("forgetful@example.com")
    token = secrets.token_hex(32)
    expires = datetime(2031, 3, 1, 14, 0, 5, 123000, tzinfo=UTC)
    event = UserForgotPasswordEvent(
        id=user_id,
        version=0,
        token=ResetToken(value=token, type="forgot-password", expires_at=expires),
    )

    msg = await contact.deliver(event, event.message_id(uuid.uuid4().hex))

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.to == "forgetful@example.com"
    assert mail.subject == "Reset Password | Zombilet"
    link = f"https://zombilet.test/auth/reset-password?token={token}&type=forgot-password"
    assert link in mail.body.splitlines()
    assert "until 2031-03-01 14:00:05 UTC" in mail.body
    assert f"user id {user_id}" in mail.body
    assert "your password has not changed" in mail.body
    assert ends_as_every_mail(mail.body)


async def test_reset_expiry_given_in_another_zone_is_written_in_utc(contact) -> None:
    user_id = await contact.add_user("zone@example.com")
    paris = timezone(timedelta(hours=2))
    event = UserForgotPasswordEvent(
        id=user_id,
        version=0,
        token=ResetToken(
            value="ab" * 32,
            type="forgot-password",
            expires_at=datetime(2031, 6, 1, 9, 30, 0, tzinfo=paris),
        ),
    )

    await contact.deliver(event, event.message_id(uuid.uuid4().hex))

    (mail,) = contact.mails()
    assert "until 2031-06-01 07:30:00 UTC" in mail.body


async def test_changed_password_tells_the_user_and_moves_the_replica(contact) -> None:
    user_id = await contact.add_user("changed@example.com")
    event = UserChangedPasswordEvent(id=user_id, version=1)

    msg = await contact.deliver(event, event.message_id())

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.to == "changed@example.com"
    assert mail.subject == "Changed Password | Zombilet"
    assert f"The password of the Zombilet account with user id {user_id}" in mail.body
    assert "write to help@zombilet.com immediately" in mail.body
    assert ends_as_every_mail(mail.body)
    replica = await contact.db.user_replicas.find_one({"_id": ObjectId(user_id)})
    assert (replica["email"], replica["version"]) == ("changed@example.com", 1)
