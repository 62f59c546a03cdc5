"""The user replica `{id, email, version}` follows the version rule (SPEC.md §10.1)."""

from bson import ObjectId

from zombilet_common.events import UserChangedPasswordEvent, UserSignedUpEvent


async def replica(contact, user_id: str) -> dict[str, object] | None:
    doc: dict[str, object] | None = await contact.db.user_replicas.find_one(
        {"_id": ObjectId(user_id)}
    )
    return doc


async def test_signup_for_an_existing_replica_is_a_duplicate_left_alone(contact) -> None:
    user_id = await contact.add_user("kept@example.com", version=3)
    event = UserSignedUpEvent(id=user_id, email="kept@example.com", version=0)

    msg = await contact.deliver(event, event.message_id())

    assert msg.answers == ["ack"]
    assert await replica(contact, user_id) == {
        "_id": ObjectId(user_id),
        "email": "kept@example.com",
        "version": 3,
    }


async def test_changed_password_ahead_of_the_replica_waits_and_changes_nothing(contact) -> None:
    user_id = await contact.add_user("ahead@example.com", version=0)
    ahead = UserChangedPasswordEvent(id=user_id, version=2)

    msg = await contact.deliver(ahead, ahead.message_id(), num_delivered=2)

    assert (msg.answers, msg.nak_delays) == (["nak"], [0.5])
    assert (await replica(contact, user_id))["version"] == 0  # type: ignore[index]
    assert contact.mails() == []


async def test_changes_arriving_out_of_order_are_applied_in_version_order(contact) -> None:
    user_id = await contact.add_user("order@example.com", version=0)
    second = UserChangedPasswordEvent(id=user_id, version=2)
    first = UserChangedPasswordEvent(id=user_id, version=1)

    early = await contact.deliver(second, second.message_id())
    await contact.deliver(first, first.message_id())
    retried = await contact.deliver(second, second.message_id(), num_delivered=2)

    assert (early.answers, retried.answers) == (["nak"], ["ack"])
    assert (await replica(contact, user_id))["version"] == 2  # type: ignore[index]
    assert sorted(m.message["X-Zombilet-Event"] for m in contact.mails()) == [
        f"user.changed-password:{user_id}:1",
        f"user.changed-password:{user_id}:2",
    ]


async def test_a_change_only_moves_the_version(contact) -> None:
    user_id = await contact.add_user("same@example.com", version=4)
    event = UserChangedPasswordEvent(id=user_id, version=5)

    await contact.deliver(event, event.message_id())

    assert await replica(contact, user_id) == {
        "_id": ObjectId(user_id),
        "email": "same@example.com",
        "version": 5,
    }


async def test_an_old_change_whose_mail_never_left_is_mailed_without_moving_back(
    contact,
) -> None:
    # Version 1 was applied, its send failed (nak), then version 2 landed before the retry.
    user_id = await contact.add_user("retry@example.com", version=2)
    event = UserChangedPasswordEvent(id=user_id, version=1)

    msg = await contact.deliver(event, event.message_id(), num_delivered=2)

    assert msg.answers == ["ack"]
    (mail,) = contact.mails()
    assert mail.subject == "Changed Password | Zombilet"
    assert (await replica(contact, user_id))["version"] == 2  # type: ignore[index]
