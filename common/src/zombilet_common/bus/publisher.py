"""Publishing one event to JetStream and waiting for its ack."""

from collections.abc import Mapping

from nats.js import JetStreamContext

from zombilet_common.events.base import Event
from zombilet_common.headers import MESSAGE_ID, REQUEST_ID
from zombilet_common.logging import request_id_var


class Publisher:
    """Publishes with `Nats-Msg-Id`, so JetStream drops a re-publish inside its window."""

    def __init__(self, js: JetStreamContext, *, timeout: float = 5.0) -> None:
        self._js = js
        self._timeout = timeout

    async def publish(self, event: Event, *, msg_id: str) -> None:
        """Publish `event` on its subject; returns once JetStream has stored it."""
        await self.publish_raw(event.subject, event.to_bytes(), msg_id=msg_id)

    async def publish_raw(
        self,
        subject: str,
        data: bytes,
        *,
        msg_id: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Publish bytes already encoded (the outbox relay keeps them that way)."""
        all_headers = {MESSAGE_ID: msg_id}
        request_id = request_id_var.get()
        if request_id:
            all_headers[REQUEST_ID] = request_id
        if headers:
            all_headers.update(headers)
        # A duplicate ack means JetStream already holds this message: that is success.
        await self._js.publish(subject, data, timeout=self._timeout, headers=all_headers)
