"""Orders' use cases: load, let the order decide, save; domain errors for the routes."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from zombilet_common.bus import NotYet
from zombilet_common.dialect import epoch_ms
from zombilet_common.errors import (
    BadRequestError,
    ConflictError,
    NotAuthorizedError,
    NotFoundError,
)
from zombilet_common.events import (
    ExpirationCompletedEvent,
    OrderStatus,
    PaymentCreatedEvent,
    TicketCreatedEvent,
    TicketUpdatedEvent,
)
from zombilet_common.versioning import VersionConflict, not_yet_if_ahead, retry_on_conflict
from zombilet_orders.models import Order, TicketReplica
from zombilet_orders.repository import OrderRepository, TicketReplicaRepository

log = logging.getLogger(__name__)

# A claim whose order never got stored (a crash between the two writes) lapses after this.
CLAIM_LAPSES_AFTER_MS = 60_000
# Each try either wins, finds a live holder, or saw the holder change under it.
CLAIM_TRIES = 5
# A transition out of `created` is final, so one re-read settles a lost race; spare tries
# only guard against a version moved by something unforeseen.
TRANSITION_TRIES = 3
KEPT_CHANGING = NotYet("the order kept changing")


class TicketAlreadyReserved(BadRequestError):
    message = "Ticket is already reserved"


class OrderChanged(ConflictError):
    message = "The order was changed by another request. Please try again."


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
        order, event = Order.place(user_id=user_id, ticket=ticket, expires_at=now + self._window)
        if not await self._claim(ticket, order.id, epoch_ms(now)):
            raise TicketAlreadyReserved()
        try:
            await self._orders.insert(order, event)
        except Exception:
            match await self._is_stored(order.id):
                case True:
                    # The write landed and only its answer was lost; the outbox sweep
                    # publishes its `order.created`.
                    log.warning(
                        "order stored despite a failed insert", extra={"order_id": order.id}
                    )
                    return order
                case False:
                    await self._replicas.release(ticket.id, order.id)
                case None:
                    # A live order must not lose its claim; a claim without one lapses.
                    log.warning("order may not be stored", extra={"order_id": order.id})
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

        async def attempt() -> None:
            await self._cancel(await self.show_order(user_id=user_id, order_id=order_id))

        await retry_on_conflict(attempt, tries=TRANSITION_TRIES, exhausted=OrderChanged())

    async def tickets_for(self, orders: list[Order]) -> dict[str, TicketReplica]:
        """The replica of each order's ticket as it is now."""
        return await self._replicas.by_ids([order.ticket_id for order in orders])

    async def sync_ticket_created(self, event: TicketCreatedEvent) -> NotYet | None:
        # Applied, or the replica already exists (a redelivery, or a later version got there
        # first): either way nothing is left to do.
        await self._replicas.create(event.id, event.title, event.price, event.version)
        return None

    async def sync_ticket_updated(self, event: TicketUpdatedEvent) -> NotYet | None:
        # `userId` and `orderId` are ignored: who holds the ticket is orders' own claim.
        verdict = await self._replicas.apply(event.id, event.title, event.price, event.version)
        return not_yet_if_ahead(verdict)

    async def expire_order(self, event: ExpirationCompletedEvent) -> NotYet | None:
        """`expiration.completed`: cancel a `created` order whose window is over."""

        async def attempt() -> NotYet | None:
            order = await self._orders.get(event.order_id)
            if order is None:
                log.warning("expiry of an unknown order", extra={"order_id": event.order_id})
                return None
            if order.status is not OrderStatus.CREATED:
                return None
            now = self._now()
            if not order.is_due(now):
                wait = (order.expires_at - now).total_seconds()
                return NotYet("the order's window is not over", delay=wait)
            await self._cancel(order)
            return None

        return await retry_on_conflict(attempt, tries=TRANSITION_TRIES, exhausted=KEPT_CHANGING)

    async def complete_paid_order(self, event: PaymentCreatedEvent) -> NotYet | None:
        """`payment.created`: a `created` order is paid; final orders are left alone (payments
        refunds a cancelled one)."""

        async def attempt() -> NotYet | None:
            order = await self._orders.get(event.order_id)
            if order is None:
                # Its `order.created` write may be in flight.
                return NotYet("order not found")
            change = order.complete()
            if change is not None:
                await self._orders.move(order, *change)
            return None

        return await retry_on_conflict(attempt, tries=TRANSITION_TRIES, exhausted=KEPT_CHANGING)

    async def _cancel(self, order: Order) -> None:
        """Cancel a `created` order and free its ticket; VersionConflict when another write won."""
        change = order.cancel()
        if change is None:
            return
        await self._orders.move(order, *change)
        # A crash right here leaves a claim by a cancelled order, which the next buyer replaces.
        await self._replicas.release(order.ticket_id, order.id)

    async def _claim(self, ticket: TicketReplica, order_id: str, now_ms: int) -> bool:
        """Take the ticket for `order_id`: free, or held by a stale holder (SPEC.md §6.3)."""

        async def attempt() -> bool:
            if await self._replicas.claim(ticket.id, order_id, now_ms):
                return True
            current = await self._replicas.get(ticket.id)
            if current is None:
                return False
            if current.holder is not None:
                if not await self._is_stale(current, now_ms):
                    return False
                if await self._replicas.take_over(ticket.id, current.holder, order_id, now_ms):
                    return True
            # The holder changed between our write and our read: look again.
            raise VersionConflict("ticket_replicas", ticket.id, expected=current.version)

        return await retry_on_conflict(attempt, tries=CLAIM_TRIES, exhausted=False)

    async def _is_stale(self, ticket: TicketReplica, now_ms: int) -> bool:
        assert ticket.holder is not None
        holder = await self._orders.get(ticket.holder)
        if holder is not None:
            return holder.status is OrderStatus.CANCELLED
        # No order yet: it may still be being stored, unless the claim is old.
        claimed_at = ticket.claimed_at or 0
        return claimed_at < now_ms - CLAIM_LAPSES_AFTER_MS

    async def _is_stored(self, order_id: str) -> bool | None:
        """Whether the order is there; None when that cannot be told."""
        try:
            return await self._orders.get(order_id) is not None
        except Exception:
            return None
