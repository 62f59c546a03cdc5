"""The gateway over Stripe's official library: Charges and Refunds APIs, async, no retries."""

import logging
from collections.abc import Mapping
from typing import Any

import stripe

from zombilet_payments.gateways import (
    Charged,
    ChargeOutcome,
    Declined,
    InvalidToken,
    Refunded,
    RefundFailed,
    RefundOutcome,
    Refused,
    Unreachable,
)

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20.0
# Stripe's codes for a token that does not exist (malformed ones included) or was used already.
_TOKEN_CODES = frozenset({"resource_missing", "token_already_used", "token_in_use"})


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

    async def charge(
        self,
        *,
        amount: int,
        currency: str,
        token: str,
        idempotency_key: str,
        metadata: dict[str, str],
        description: str,
    ) -> ChargeOutcome:
        try:
            charge = await self._client.v1.charges.create_async(
                {
                    "amount": amount,
                    "currency": currency,
                    "source": token,
                    "description": description,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as exc:
            return Declined(exc.user_message or "Your card was declined.")
        except stripe.InvalidRequestError as exc:
            if exc.param == "source" or exc.code in _TOKEN_CODES:
                return InvalidToken()
            return Refused(exc.user_message or "The payment was refused.")
        except stripe.IdempotencyError as exc:
            # The key was used with other parameters (a changed currency): a refusal, not an outage.
            return Refused(exc.user_message or "The payment was refused.")
        except stripe.StripeError as exc:
            log.warning("stripe charge failed", extra={"error": repr(exc), "key": idempotency_key})
            return Unreachable(repr(exc))
        return Charged(charge.id)

    async def refund(self, *, charge_id: str, idempotency_key: str) -> RefundOutcome:
        try:
            refund = await self._client.v1.refunds.create_async(
                {"charge": charge_id}, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            log.warning("stripe refund failed", extra={"error": repr(exc), "charge": charge_id})
            return RefundFailed(repr(exc))
        return Refunded(refund.id)

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]
