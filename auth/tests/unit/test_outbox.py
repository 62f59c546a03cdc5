"""Each route's event is written with its state change and published once, also after a crash."""

import json

from zombilet_auth.main import SERVICE, build_service
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.messages import RecordingPublisher


async def test_every_event_survives_a_crash_between_write_and_publish(auth) -> None:
    # A relay that never runs stands for a process that died right after its writes.
    crashed = OutboxRelay(RecordingPublisher(), [])
    auth.install(await build_service(auth.db, crashed, auth.use_cases.passwords))
    user_id = (await auth.signup("me@example.com", "oldpass123")).json()["id"]
    await auth.client.post(
        "/api/users/signin", json={"email": "me@example.com", "password": "oldpass123"}
    )
    await auth.client.post("/api/users/forgot-password", json={"email": "me@example.com"})

    user = await auth.db.users.find_one({})
    token_doc = await auth.db.password_resets.find_one({})
    stored = [e["subject"] for e in user["outbox"].values()]
    stored += [e["subject"] for e in token_doc["outbox"].values()]
    assert sorted(stored) == ["user.forgot-password", "user.signed-in", "user.signed-up"]

    restarted = RecordingPublisher()
    relay = OutboxRelay(restarted, [auth.db[name] for name in SERVICE.outbox])
    await relay.start()
    await relay.sweep()
    await relay.stop()

    assert sorted(restarted.subjects()) == sorted(stored)
    assert len(restarted.published) == 3
    token = json.loads(
        next(data for subject, _, data in restarted.published if subject == "user.forgot-password")
    )["token"]["value"]
    assert (await auth.db.users.find_one({}))["outbox_pending"] == 0

    auth.install(await build_service(auth.db, crashed, auth.use_cases.passwords))
    await auth.client.post(
        "/api/users/reset-password",
        params={"token": token, "type": "forgot-password"},
        json={"newPassword": "newpass123", "repeatedNewPassword": "newpass123"},
    )
    user = await auth.db.users.find_one({})
    (entry,) = user["outbox"].values()
    assert (entry["subject"], user["version"]) == ("user.changed-password", 1)
    assert entry["msg_id"] == f"user.changed-password:{user_id}:1"
