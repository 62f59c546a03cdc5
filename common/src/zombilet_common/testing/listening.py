"""Listening in on the bus as a test: what services publish, as it goes by."""

import json
from typing import TYPE_CHECKING, Any

from zombilet_common.headers import MESSAGE_ID

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient


async def collect(nc: "NatsClient", subject: str) -> list[dict[str, Any]]:
    """Every message published on `subject` from now on, as `{"data": <parsed JSON>,
    "msg_id": <Nats-Msg-Id>}` (a core subscriber sees what JetStream stores)."""
    seen: list[dict[str, Any]] = []

    async def keep(msg: Any) -> None:
        seen.append({"data": json.loads(msg.data), "msg_id": (msg.headers or {}).get(MESSAGE_ID)})

    await nc.subscribe(subject, cb=keep)
    await nc.flush()
    return seen
