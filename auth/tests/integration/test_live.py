"""Auth against the real Mongo-wire store and nats-server."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from zombilet_auth.main import build_service, create_app
from zombilet_common.bus import connect_nats
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.apps import running
from zombilet_common.testing.listening import collect
from zombilet_common.testing.messages import RecordingPublisher
from zombilet_common.testing.servers import Servers
from zombilet_common.testing.wait import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
async def bus(servers: Servers) -> AsyncIterator[NatsClient]:
    nc = await connect_nats(servers.nats_url, service="auth-test", retry_for=5)
    yield nc
    await nc.close()


async def test_twenty_concurrent_signups_with_one_address_make_one_account(live_auth) -> None:
    emails = [
        "".join(c.upper() if (i >> n) & 1 else c for n, c in enumerate("race@example.com"))
        for i in range(20)
    ]
    async with live_auth.client() as client:
        responses = await asyncio.gather(
            *(
                client.post("/api/users/signup", json={"email": e, "password": "password1"})
                for e in emails
            )
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [400] * 19
    for response in responses:
        if response.status_code == 400:
            assert response.json() == {"errors": [{"message": "E-mail in use!"}]}
    assert await live_auth.db.users.count_documents({"email": "race@example.com"}) == 1


async def test_full_reset_flow_with_the_token_from_the_published_event(live_auth, bus) -> None:
    forgot_events = await collect(bus, "user.forgot-password")
    changed_events = await collect(bus, "user.changed-password")
    async with live_auth.client() as client:
        other_email = "bystander@example.com"
        await client.post("/api/users/signup", json={"email": other_email, "password": "password1"})
        await client.post("/api/users/forgot-password", json={"email": other_email})
        signup = await client.post(
            "/api/users/signup", json={"email": "flow@example.com", "password": "oldpass123"}
        )
        user_id = signup.json()["id"]
        assert (
            await client.post("/api/users/forgot-password", json={"email": "flow@example.com"})
        ).status_code == 200
        await client.post("/api/users/forgot-password", json={"email": "flow@example.com"})
        await wait_until(lambda: len(forgot_events) == 3, within=5)
        event = next(e for e in forgot_events if e["data"]["id"] == user_id)
        assert event["msg_id"].startswith(f"user.forgot-password:{user_id}:")
        query = {"token": event["data"]["token"]["value"], "type": "forgot-password"}

        assert (await client.post("/api/users/validate-token", params=query)).status_code == 200
        reset = await client.post(
            "/api/users/reset-password",
            params=query,
            json={"newPassword": "newpass123", "repeatedNewPassword": "newpass123"},
        )
        assert reset.status_code == 200

        def signin(password: str) -> Any:
            return client.post(
                "/api/users/signin", json={"email": "flow@example.com", "password": password}
            )

        assert (await signin("newpass123")).status_code == 200
        assert (await signin("oldpass123")).status_code == 400
        again = await client.post(
            "/api/users/reset-password",
            params=query,
            json={"newPassword": "other1234", "repeatedNewPassword": "other1234"},
        )
        assert again.status_code == 404
        # The user's second token went with the reset; the other user's stayed.
        assert await live_auth.db.password_resets.count_documents({"user_id": user_id}) == 0
        assert await live_auth.db.password_resets.count_documents({}) == 1
        await wait_until(lambda: len(changed_events) == 1, within=5)
        assert changed_events[0]["data"] == {"id": user_id, "version": 1}
        assert changed_events[0]["msg_id"] == f"user.changed-password:{user_id}:1"


async def test_expired_reset_token_is_refused(live_auth, bus) -> None:
    forgot_events = await collect(bus, "user.forgot-password")
    async with live_auth.client() as client:
        await client.post(
            "/api/users/signup", json={"email": "late@example.com", "password": "oldpass123"}
        )
        await client.post("/api/users/forgot-password", json={"email": "late@example.com"})
        await wait_until(lambda: len(forgot_events) == 1, within=5)
        query = {"token": forgot_events[0]["data"]["token"]["value"], "type": "forgot-password"}
        await _expire_tokens(live_auth.db.password_resets)
        response = await client.post("/api/users/validate-token", params=query)
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Token has expired."}]}


async def test_signup_event_left_by_a_crash_is_published_once_at_restart(live_auth, bus) -> None:
    signed_up = await collect(bus, "user.signed-up")
    # The write lands, then the process dies before its relay publishes.
    db = live_auth.db
    live_auth.app.state.auth = await build_service(
        db, OutboxRelay(RecordingPublisher(), []), live_auth.app.state.auth.passwords
    )
    async with live_auth.client() as client:
        response = await client.post(
            "/api/users/signup", json={"email": "crash@example.com", "password": "password1"}
        )
    user_id = response.json()["id"]
    assert await live_auth.db.users.count_documents({"outbox_pending": 1}) == 1

    for _ in range(2):
        restarted = create_app(live_auth.settings)
        async with running(restarted):
            pass

    await wait_until(lambda: any(e["data"]["id"] == user_id for e in signed_up), within=5)
    mine = [e["msg_id"] for e in signed_up if e["data"]["id"] == user_id]
    assert mine == [f"user.signed-up:{user_id}:0"]
    assert await live_auth.db.users.count_documents({"outbox_pending": 0}) == 1


async def _expire_tokens(tokens: Any) -> None:
    # A whole-document replace keeps the BSON date type on both stores; the local store turns
    # a date given to `$set` into a string.
    async for doc in tokens.find({}):
        doc["expires_at"] = datetime.now(UTC) - timedelta(seconds=1)
        await tokens.replace_one({"_id": doc["_id"]}, doc)
