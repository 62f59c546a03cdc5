"""The gateway over Stripe's official library: PaymentIntents and Refunds, async, no retries."""

import logging
from collections.abc import Mapping
from typing import Any

import stripe

from zombilet_payments.gateways import (
    DECLINE_MESSAGE,
    Declined,
    Intent,
    IntentStatus,
    InvalidToken,
    PaymentOutcome,
    Refunded,
    RefundFailed,
    RefundOutcome,
    Refused,
    RequiresAction,
    Succeeded,
    Unreachable,
)

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20.0
# Stripe's codes for a payment method or token that does not exist (malformed ones included)
# or was used already.
_TOKEN_CODES = frozenset(
    {"resource_missing", "token_already_used", "token_in_use", "payment_method_unexpected_state"}
)
_TOKEN_PARAMS = frozenset(
    {"payment_method", "confirmation_token", "payment_method_data[card][token]", "source"}
)
_FAILED = frozenset({"canceled", "requires_payment_method"})


def payment_method_params(token: str) -> dict[str, Any] | None:
    """How Stripe is told which card to charge (SPEC.md §7.5); None for an unknown kind."""
    if token.startswith("pm_"):
        return {"payment_method": token}
    if token.startswith("ctoken_"):
        return {"confirmation_token": token}
    if token.startswith("tok_"):
        # A legacy test token becomes the intent's card.
        return {"payment_method_data": {"type": "card", "card": {"token": token}}}
    return None


def intent_of(fields: Mapping[str, Any]) -> Intent:
    """Stripe's PaymentIntent object (as a dict), as the use cases read it."""
    status = str(fields.get("status"))
    folded = (
        IntentStatus.SUCCEEDED
        if status == "succeeded"
        else IntentStatus.FAILED
        if status in _FAILED
        else IntentStatus.PENDING
    )
    metadata = fields.get("metadata") or {}
    return Intent(
        id=str(fields.get("id")),
        status=folded,
        amount=int(fields.get("amount") or 0),
        currency=str(fields.get("currency")),
        order_id=str(metadata.get("orderId", "")),
    )


def _next_action_url(intent: stripe.StripeObject) -> str:
    action = intent.to_dict().get("next_action") or {}
    redirect = action.get("redirect_to_url") or {}
    return str(redirect.get("url") or "")


class _HTTPXClient(stripe.HTTPXClient):
    """Stripe's httpx client, sending the form body as `content=`.

    stripe 16 passes the encoded form as `data=<str>`, which httpx 0.28 deprecates with a
    warning on every request. Retire this once stripe's HTTPXClient sends `content=` itself.
    """

    def _get_request_args_kwargs(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any
    ) -> list[Any]:
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        data = kwargs.pop("data", None)
        kwargs["content"] = data if isinstance(data, str | bytes) and data else None
        return [args, kwargs]


class StripeGateway:
    def __init__(
        self, api_key: str, *, api_base: str | None = None, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self._http = _HTTPXClient(timeout=timeout)
        self._client = stripe.StripeClient(
            api_key,
            http_client=self._http,
            # A retry is the buyer's to make: the idempotency key makes it safe (SPEC.md §7.2).
            max_network_retries=0,
            base_addresses={"api": api_base} if api_base else None,
        )

    async def pay(
        self,
        *,
        amount: int,
        currency: str,
        token: str,
        idempotency_key: str,
        metadata: dict[str, str],
        description: str,
        return_url: str,
    ) -> PaymentOutcome:
        method = payment_method_params(token)
        if method is None:
            return InvalidToken()
        params: Any = {
            "amount": amount,
            "currency": currency,
            "confirm": True,
            "return_url": return_url,
            "description": description,
            "metadata": metadata,
            **method,
        }
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params, options={"idempotency_key": idempotency_key}
            )
        except stripe.CardError as exc:
            return Declined(exc.user_message or DECLINE_MESSAGE)
        except stripe.InvalidRequestError as exc:
            if exc.param in _TOKEN_PARAMS or exc.code in _TOKEN_CODES:
                return InvalidToken()
            return Refused(exc.user_message or "The payment was refused.")
        except stripe.IdempotencyError as exc:
            # The key was used with other parameters (a changed currency): a refusal, not an outage.
            return Refused(exc.user_message or "The payment was refused.")
        except stripe.StripeError as exc:
            log.warning("stripe payment failed", extra={"error": repr(exc), "key": idempotency_key})
            return Unreachable(repr(exc))
        match intent.status:
            case "succeeded":
                return Succeeded(intent.id)
            case "requires_action":
                return RequiresAction(
                    intent.id, intent.client_secret or "", _next_action_url(intent)
                )
            case "requires_payment_method":
                return Declined(DECLINE_MESSAGE)
            case _:
                # Processing: the webhook (or the sweep) settles it, as after authentication.
                return RequiresAction(intent.id, intent.client_secret or "", "")

    async def retrieve(self, intent_id: str) -> Intent | Unreachable:
        try:
            intent = await self._client.v1.payment_intents.retrieve_async(intent_id)
        except stripe.StripeError as exc:
            log.warning("stripe retrieve failed", extra={"error": repr(exc), "intent": intent_id})
            return Unreachable(repr(exc))
        return intent_of(intent.to_dict())

    async def cancel(self, intent_id: str) -> Intent | Unreachable:
        try:
            intent = await self._client.v1.payment_intents.cancel_async(intent_id)
        except stripe.InvalidRequestError:
            # Settled meanwhile (payment_intent_unexpected_state): answer how it stands.
            return await self.retrieve(intent_id)
        except stripe.StripeError as exc:
            log.warning("stripe cancel failed", extra={"error": repr(exc), "intent": intent_id})
            return Unreachable(repr(exc))
        return intent_of(intent.to_dict())

    async def refund(self, *, intent_id: str, idempotency_key: str) -> RefundOutcome:
        try:
            refund = await self._client.v1.refunds.create_async(
                {"payment_intent": intent_id}, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            log.warning("stripe refund failed", extra={"error": repr(exc), "intent": intent_id})
            return RefundFailed(repr(exc))
        return Refunded(refund.id)

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]
