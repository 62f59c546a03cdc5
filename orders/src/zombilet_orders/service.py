"""Orders' use cases: one method each, raising domain errors the routes render."""

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from zombilet_common.bus import NotYet
from zombilet_common.errors import BadRequestError, NotAuthorizedError, NotFoundError
from zombilet_common.events import (
    ExpirationCompletedEvent,
    PaymentCreatedEvent,
    TicketCreatedEvent,
    TicketUpdatedEvent,
)
from zombilet_common.outbox import pending
from zombilet_common.versioning import Verdict, VersionConflict
from zombilet_orders.models import Order, OrderStatus, TicketReplica
from zombilet_orders.repository import OrderRepository, TicketReplicaRepository

log = logging.getLogger(__name__)

# A claim whose order never got stored (a crash between the two writes) lapses after this.
CLAIM_LAPSES_AFTER_MS = 60_000
# Each try either wins, finds a live holder, or saw the holder change under it.
CLAIM_TRIES = 5
# A transition out of `created` is final, so one re-read settles a lost race; spare tries
# only guard against a version moved by something unforeseen.
TRANSITION_TRIES = 3


class TicketAlreadyReserved(BadRequestError):
    message = "Ticket is already reserved"


class CompletedOrderNotCancellable(BadRequestError):
    message = "A completed order cannot be cancelled."


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class OrderService:
    def __init__(
        self,
        orders: OrderRepository,
        replicas: TicketReplicaRepository,
        *,
        window: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._orders = orders
        self._replicas = replicas
        self._window = window
        self._now = clock

    async def place_order(self, *, user_id: str, ticket_id: str) -> Order:
        ticket = await self._replicas.get(ticket_id)
        if ticket is None:
            # Also before orders hears of a new ticket: callers retry.
            raise NotFoundError()
        now = self._now()
        order = Order.new(user_id=user_id, ticket=ticket, expires_at=now + self._window)
        if not await self._claim(ticket, order.id, epoch_ms(now)):
            raise TicketAlreadyReserved()
        event = order.created_event()
        try:
            await self._orders.insert(order, pending(event, event.message_id()))
        except Exception:
            await self._replicas.release(ticket.id, order.id)
            raise
        return order

    async def list_orders(self, user_id: str) -> list[Order]:
        return await self._orders.of_user(user_id)

    async def show_order(self, *, user_id: str, order_id: str) -> Order:
        order = await self._orders.get(order_id)
        if order is None:
            raise NotFoundError()
        if order.user_id != user_id:
            raise NotAuthorizedError()
        return order

    async def cancel_order(self, *, user_id: str, order_id: str) -> None:
        """The owner's cancel: `created` → `cancelled`; `cancelled` stays; `complete` is 400."""
        for _ in range(TRANSITION_TRIES):
            order = await self.show_order(user_id=user_id, order_id=order_id)
            if order.status is OrderStatus.COMPLETE:
                raise CompletedOrderNotCancellable()
            if order.status is OrderStatus.CANCELLED or await self._cancel(order):
                return
        raise VersionConflict("orders", order_id, expected=order.version)

    async def tickets_for(self, orders: list[Order]) -> dict[str, TicketReplica]:
        """The replica of each order's ticket as it is now."""
        return await self._replicas.by_ids([order.ticket_id for order in orders])

    async def sync_ticket_created(self, event: TicketCreatedEvent) -> Verdict:
        return await self._replicas.create(event.id, event.title, event.price, event.version)

    async def sync_ticket_updated(self, event: TicketUpdatedEvent) -> Verdict:
        # `userId` and `orderId` are ignored: who holds the ticket is orders' own claim.
        return await self._replicas.apply(event.id, event.title, event.price, event.version)

    async def expire_order(self, event: ExpirationCompletedEvent) -> None:
        """`expiration.completed`: cancel a `created` order whose window is over."""
        for _ in range(TRANSITION_TRIES):
            order = await self._orders.get(event.order_id)
            if order is None:
                log.warning("expiry of an unknown order", extra={"order_id": event.order_id})
                return
            if order.status is not OrderStatus.CREATED:
                return
            now = self._now()
            if not order.is_due(now):
                wait = (order.expires_at - now).total_seconds()
                raise NotYet("the order's window is not over", delay=wait)
            if await self._cancel(order):
                return
        raise NotYet("the order kept changing")

    async def complete_order(self, event: PaymentCreatedEvent) -> None:
        """`payment.created`: a `created` order is paid; final orders are left alone."""
        for _ in range(TRANSITION_TRIES):
            order = await self._orders.get(event.order_id)
            if order is None:
                raise NotYet("order not found")
            if order.status is not OrderStatus.CREATED:
                return
            done = replace(order, status=OrderStatus.COMPLETE, version=order.version + 1)
            completed = done.completed_event()
            try:
                await self._orders.move(
                    order, done.status, pending(completed, completed.message_id())
                )
            except VersionConflict:
                continue
            return
        raise NotYet("the order kept changing")

    async def _cancel(self, order: Order) -> bool:
        """Cancel a `created` order and free its ticket; False when another write won."""
        done = replace(order, status=OrderStatus.CANCELLED, version=order.version + 1)
        cancelled = done.cancelled_event()
        try:
            await self._orders.move(order, done.status, pending(cancelled, cancelled.message_id()))
        except VersionConflict:
            return False
        # A crash right here leaves a claim by a cancelled order, which the next buyer replaces.
        await self._replicas.release(order.ticket_id, order.id)
        return True

    async def _claim(self, ticket: TicketReplica, order_id: str, now_ms: int) -> bool:
        """Take the ticket for `order_id`: free, or held by a stale holder (SPEC.md §6.3)."""
        for _ in range(CLAIM_TRIES):
            if await self._replicas.claim(ticket.id, order_id, now_ms):
                return True
            current = await self._replicas.get(ticket.id)
            if current is None:
                return False
            if current.holder is None:
                continue  # released between our write and our read
            if not await self._is_stale(current, now_ms):
                return False
            if await self._replicas.take_over(ticket.id, current.holder, order_id, now_ms):
                return True
        return False

    async def _is_stale(self, ticket: TicketReplica, now_ms: int) -> bool:
        assert ticket.holder is not None
        holder = await self._orders.get(ticket.holder)
        if holder is not None:
            return holder.status is OrderStatus.CANCELLED
        # No order yet: it may still be being stored, unless the claim is old.
        claimed_at = ticket.claimed_at or 0
        return claimed_at < now_ms - CLAIM_LAPSES_AFTER_MS
