"""Expiration's use cases: schedule an order's expiry, drop it, and announce it when due."""

import logging

from zombilet_common.bus import Publisher
from zombilet_common.events import ExpirationCompletedEvent, OrderCreatedEvent, format_time
from zombilet_expiration.scheduler import Scheduler

log = logging.getLogger(__name__)


class ExpirationService:
    def __init__(self, scheduler: Scheduler, publisher: Publisher) -> None:
        self._scheduler = scheduler
        self._publisher = publisher

    async def schedule_expiry(self, event: OrderCreatedEvent) -> bool:
        """One job per order, due at its `expiresAt`; False when it was scheduled already."""
        scheduled = await self._scheduler.schedule(event.id, event.expires_at)
        log.info(
            "expiry scheduled" if scheduled else "expiry already scheduled",
            extra={"order_id": event.id, "expires_at": format_time(event.expires_at)},
        )
        return scheduled

    async def drop_expiry(self, order_id: str) -> bool:
        """The order is over (cancelled or complete): its job need not run."""
        aborted = await self._scheduler.abort(order_id)
        if aborted:
            log.info("expiry aborted", extra={"order_id": order_id})
        return aborted

    async def expire(self, order_id: str) -> None:
        """The job's work: publish `expiration.completed`, returning once JetStream has it."""
        event = ExpirationCompletedEvent(order_id=order_id)
        await self._publisher.publish(event, msg_id=event.message_id())
        log.info("expiration published", extra={"order_id": order_id})
