"""Stripe's webhook (SPEC.md §7.5): signed events about intents, each acted on once."""

import logging

import stripe

from zombilet_common.errors import BadRequestError
from zombilet_payments.gateways.stripe_api import intent_of
from zombilet_payments.repository import WebhookEventRepository
from zombilet_payments.settlement import Settlement

log = logging.getLogger(__name__)

SETTLING = frozenset(
    {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"}
)


class InvalidSignature(BadRequestError):
    message = "The webhook signature is invalid."


class MalformedEvent(BadRequestError):
    message = "The webhook event is malformed."


class WebhookReceiver:
    def __init__(
        self, secret: str | None, events: WebhookEventRepository, settlement: Settlement
    ) -> None:
        self._secret = secret
        self._events = events
        self._settlement = settlement

    async def receive(self, payload: bytes, signature: str | None) -> None:
        """Verify `payload` against its `Stripe-Signature`, then settle the intent it names.
        InvalidSignature, and nothing done, when it was not signed with our secret."""
        if not self._secret or not signature:
            raise InvalidSignature()
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._secret)
        except (stripe.SignatureVerificationError, ValueError):
            raise InvalidSignature() from None
        fields = event.to_dict()
        event_id, event_type = str(fields.get("id", "")), str(fields.get("type", ""))
        if event_type not in SETTLING:
            return
        data = fields.get("data")
        intent_fields = data.get("object") if isinstance(data, dict) else None
        if not event_id or not isinstance(intent_fields, dict) or "id" not in intent_fields:
            raise MalformedEvent()
        if await self._events.seen(event_id):
            log.info("webhook event repeated", extra={"event_id": event_id, "type": event_type})
            return
        intent = intent_of(intent_fields)
        log.info(
            "webhook event",
            extra={"event_id": event_id, "type": event_type, "intent_id": intent.id},
        )
        # Remembered only once handled: a failure leaves it to Stripe's next delivery.
        await self._settlement.settle(intent)
        await self._events.remember(event_id, event_type)
