"""Payments' use cases: pay for an order, and keep the order replica in step with orders."""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from zombilet_common.bus import NotYet
from zombilet_common.dialect import epoch_ms
from zombilet_common.errors import (
    BadRequestError,
    NotAuthorizedError,
    NotFoundError,
    PaymentRequiredError,
    UpstreamUnavailableError,
)
from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderStatus,
)
from zombilet_common.versioning import Verdict, not_yet_if_ahead
from zombilet_payments.compensation import Compensation
from zombilet_payments.gateways import (
    Declined,
    InvalidToken,
    PaymentGateway,
    PaymentOutcome,
    Refused,
    RequiresAction,
    Succeeded,
    Unreachable,
)
from zombilet_payments.models import OrderReplica, Payment, minor_units, payment_key
from zombilet_payments.repository import OrderReplicaRepository, PaymentRepository
from zombilet_payments.settlement import Recorded, Settlement
from zombilet_payments.webhooks import WebhookReceiver

log = logging.getLogger(__name__)


class OrderNotPayable(BadRequestError):
    message = "This order cannot be paid."


class OrderAlreadyPaid(BadRequestError):
    message = "This order has already been paid."


class OrderExpired(BadRequestError):
    message = "This order has expired."


class PaymentInProgress(BadRequestError):
    message = "A payment for this order is already in progress."


class CardDeclined(PaymentRequiredError):
    field = "token"


class InvalidPaymentToken(PaymentRequiredError):
    message = "The payment token is invalid."
    field = "token"


class ProviderUnreachable(UpstreamUnavailableError):
    message = "The payment provider could not be reached. Please try again."


@dataclass(frozen=True)
class AwaitingAuthentication:
    """The intent waits for the buyer to authenticate (SPEC.md §7.5's 202)."""

    order_id: str
    client_secret: str
    next_action_url: str


class PaymentService:
    def __init__(
        self,
        replicas: OrderReplicaRepository,
        payments: PaymentRepository,
        gateway: PaymentGateway,
        compensation: Compensation,
        settlement: Settlement,
        webhooks: WebhookReceiver,
        *,
        currency: str,
        public_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._replicas = replicas
        self._payments = payments
        self._gateway = gateway
        self._compensation = compensation
        self.settlement = settlement
        self.webhooks = webhooks
        self._currency = currency
        self._public_url = public_url
        self._now = clock

    async def pay(
        self, *, user_id: str, order_id: str, token: str
    ) -> Payment | AwaitingAuthentication:
        """Pay the order's price with one intent, once (SPEC.md §7.2 steps 2–7, §7.5)."""
        replica = await self._replicas.get(order_id)
        if replica is None:
            raise NotFoundError()
        if replica.user_id != user_id:
            raise NotAuthorizedError()
        await self._check_payable(replica)
        claim_id = uuid.uuid4().hex
        if not await self._replicas.claim(order_id, claim_id, epoch_ms(self._now())):
            # Apply the state rules to what is there now (it may have been paid or cancelled).
            current = await self._replicas.get(order_id)
            if current is not None:
                await self._check_payable(current)
            raise PaymentInProgress()
        try:
            # A request that held the claim before us stores its payment before letting go.
            if await self._payments.by_order(order_id) is not None:
                raise OrderAlreadyPaid()
            amount = minor_units(replica.price)
            outcome = await self._gateway.pay(
                amount=amount,
                currency=self._currency,
                token=token,
                idempotency_key=payment_key(order_id, token),
                metadata={"orderId": order_id},
                description=f"Zombilet order {order_id}",
                return_url=f"{self._public_url}/orders/{order_id}",
            )
            log.info("payment answered", extra={"order_id": order_id, "outcome": repr(outcome)})
            return await self._conclude(replica, amount, outcome, claim_id)
        finally:
            # An intent waiting for authentication keeps the order through its own hold.
            await self._replicas.release(order_id, claim_id)

    async def record_order(self, event: OrderCreatedEvent) -> NotYet | None:
        """`order.created`: a new replica at the event's version; an existing one is left alone."""
        await self._replicas.insert(event)
        return None

    async def sync_order_completed(self, event: OrderCompletedEvent) -> NotYet | None:
        verdict = await self._replicas.apply_status(event.id, event.version, OrderStatus.COMPLETE)
        return not_yet_if_ahead(verdict)

    async def settle_order_cancelled(self, event: OrderCancelledEvent) -> NotYet | None:
        """`order.cancelled`: apply it, then refund a charge the order may hold (also when the
        event is a duplicate: the earlier delivery may have failed to refund). RefundFailure
        when the gateway did not refund."""
        verdict = await self._replicas.apply_status(event.id, event.version, OrderStatus.CANCELLED)
        if verdict is Verdict.AHEAD:
            return not_yet_if_ahead(verdict)
        replica = await self._replicas.get(event.id)
        if replica is not None and replica.status is OrderStatus.CANCELLED:
            await self._compensation.settle_cancelled(event.id)
        return None

    async def _check_payable(self, replica: OrderReplica) -> None:
        if replica.status is OrderStatus.CANCELLED:
            raise OrderNotPayable()
        if replica.status is OrderStatus.COMPLETE:
            raise OrderAlreadyPaid()
        if await self._payments.by_order(replica.id) is not None:
            raise OrderAlreadyPaid()
        if replica.expires_at <= self._now():
            raise OrderExpired()

    async def _conclude(
        self, replica: OrderReplica, amount: int, outcome: PaymentOutcome, claim_id: str
    ) -> Payment | AwaitingAuthentication:
        match outcome:
            case Succeeded(intent_id=intent_id):
                return await self._record(replica, intent_id, amount)
            case RequiresAction(intent_id=intent_id):
                await self._replicas.hold_for_intent(
                    replica.id, claim_id, intent_id, epoch_ms(self._now())
                )
                return AwaitingAuthentication(
                    replica.id, outcome.client_secret, outcome.next_action_url
                )
            case Declined(message=message):
                raise CardDeclined(message)
            case InvalidToken():
                raise InvalidPaymentToken()
            case Refused(message=message):
                raise BadRequestError(message)
            case Unreachable():
                raise ProviderUnreachable()

    async def _record(self, replica: OrderReplica, intent_id: str, amount: int) -> Payment:
        record = await self.settlement.record(replica.id, intent_id, amount, self._currency)
        if record.outcome is Recorded.CANCELLED:
            raise OrderNotPayable()
        if record.outcome is Recorded.OTHER or record.payment is None:
            raise OrderAlreadyPaid()
        return record.payment
