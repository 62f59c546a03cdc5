"""Contact's use cases: keep the user replica, and mail each trigger at most once."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from zombilet_common.bus import Delivery, NotYet
from zombilet_common.events import (
    Event,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    TicketCreatedEvent,
    TicketUpdatedEvent,
    UserChangedPasswordEvent,
    UserForgotPasswordEvent,
    UserSignedInEvent,
    UserSignedUpEvent,
)
from zombilet_common.versioning import Verdict
from zombilet_contact.letters import Letter, Letters
from zombilet_contact.models import DeliveryKey, Outcome
from zombilet_contact.repository import DeliveryLog, UserReplicaRepository
from zombilet_contact.senders import Mail, Sender, SendFailed, SendUncertain

log = logging.getLogger(__name__)

# A consumer that starts on an old stream must not mail its whole history (SPEC.md §1.26).
MAX_EVENT_AGE = timedelta(hours=24)


class ContactService:
    def __init__(
        self,
        users: UserReplicaRepository,
        deliveries: DeliveryLog,
        sender: Sender,
        letters: Letters,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._users = users
        self._deliveries = deliveries
        self._sender = sender
        self._letters = letters
        self._now = clock

    async def welcome_user(self, event: UserSignedUpEvent, delivery: Delivery) -> Outcome | NotYet:
        # Created or already there, the welcome is due unless the log says it went out.
        await self._users.create(event.id, event.email, event.version)
        if self._is_stale(delivery):
            return Outcome.STALE
        return await self._mail(event, delivery, event.email, self._letters.welcome(event))

    async def alert_sign_in(self, event: UserSignedInEvent, delivery: Delivery) -> Outcome | NotYet:
        letter = self._letters.sign_in(event, at=delivery.published_at)
        return await self._mail_user(event, delivery, event.id, letter)

    async def send_reset_link(
        self, event: UserForgotPasswordEvent, delivery: Delivery
    ) -> Outcome | NotYet:
        return await self._mail_user(event, delivery, event.id, self._letters.reset_password(event))

    async def confirm_password_change(
        self, event: UserChangedPasswordEvent, delivery: Delivery
    ) -> Outcome | NotYet:
        verdict = await self._users.move_version(event.id, event.version)
        if verdict is Verdict.AHEAD:
            return NotYet(f"user {event.id} replica is not at version {event.version - 1}")
        # A duplicate may be the redelivery of an event whose mail failed: the log decides.
        return await self._mail_user(
            event, delivery, event.id, self._letters.password_changed(event)
        )

    async def confirm_ticket_listed(
        self, event: TicketCreatedEvent, delivery: Delivery
    ) -> Outcome | NotYet:
        return await self._mail_user(
            event, delivery, event.user_id, self._letters.ticket_created(event)
        )

    async def report_ticket_update(
        self, event: TicketUpdatedEvent, delivery: Delivery
    ) -> Outcome | NotYet:
        return await self._mail_user(
            event, delivery, event.user_id, self._letters.ticket_updated(event)
        )

    async def confirm_order(self, event: OrderCreatedEvent, delivery: Delivery) -> Outcome | NotYet:
        return await self._mail_user(
            event, delivery, event.user_id, self._letters.order_created(event)
        )

    async def report_order_cancelled(
        self, event: OrderCancelledEvent, delivery: Delivery
    ) -> Outcome | NotYet:
        return await self._mail_user(
            event, delivery, event.user_id, self._letters.order_cancelled(event)
        )

    async def confirm_order_paid(
        self, event: OrderCompletedEvent, delivery: Delivery
    ) -> Outcome | NotYet:
        return await self._mail_user(
            event, delivery, event.user_id, self._letters.order_completed(event)
        )

    async def _mail_user(
        self, event: Event, delivery: Delivery, user_id: str, letter: Letter
    ) -> Outcome | NotYet:
        """Mail the user the replica knows as `user_id`; wait while it is unknown."""
        if self._is_stale(delivery):
            return Outcome.STALE
        user = await self._users.get(user_id)
        if user is None:
            # Its signup may still be on its way: redelivered after the back-off.
            return NotYet(f"user {user_id} is not known to contact yet")
        return await self._mail(event, delivery, user.email, letter)

    async def _mail(self, event: Event, delivery: Delivery, to: str, content: Letter) -> Outcome:
        """Send once per (event, recipient), whatever the number of deliveries or messages."""
        key = DeliveryKey(msg_id=_event_key(event, delivery), recipient=to)
        facts = {"msg_id": key.msg_id, "to": to, "subject": content.subject}
        if not await self._deliveries.claim(key, content.subject):
            # Sent, or left `sending` by a crash (it may have gone out): never mail it again.
            log.info("mail already in the delivery log", extra=facts)
            return Outcome.ALREADY_LOGGED
        try:
            await self._sender.send(Mail(to, content.subject, content.body, key.msg_id))
        except SendUncertain as exc:
            # Sending again could mail it twice; like a key a crash left `sending` (SPEC.md
            # §10.2), it is not retried.
            await self._deliveries.mark_uncertain(key)
            log.warning("mail may not have been sent", extra={**facts, "error": str(exc)})
            return Outcome.UNCERTAIN
        except Exception as exc:
            # Not accepted, so not sent: free the key for the redelivery this failure asks for.
            await self._deliveries.release(key)
            if not isinstance(exc, SendFailed):
                raise
            log.warning("mail not sent", extra={**facts, "error": str(exc)})
            return Outcome.FAILED
        await self._deliveries.mark_sent(key)
        return Outcome.SENT

    def _is_stale(self, delivery: Delivery) -> bool:
        stale = self._now() - delivery.published_at > MAX_EVENT_AGE
        if stale:
            log.info(
                "event older than 24 hours: no mail",
                extra={"msg_id": delivery.msg_id, "published_at": delivery.published_at},
            )
        return stale


def _event_key(event: Event, delivery: Delivery) -> str:
    # A versioned event is the same event under any message id (one published again outside
    # the relay gets a new one): its own `<subject>:<id>:<version>`, which is what the relay
    # gives it as `Nats-Msg-Id`. An event that happens again at one version (a sign-in) is
    # told apart by its message id alone; one without it, by its place in the stream.
    if not event.per_occurrence:
        return event.message_id()
    return delivery.msg_id or f"{delivery.subject}@{delivery.stream_sequence}"
