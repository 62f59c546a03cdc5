"""A Stripe stand-in: a local server that answers PaymentIntents (`/v1/payment_intents`, its
retrieve and cancel) and Refunds as Stripe does, so the official library runs unmodified
against it, and that sends signed webhook events about its intents, as Stripe does."""

import asyncio
import contextlib
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from zombilet_common.testing.serving import bind, serving

# How long a held payment waits for its gate before answering anyway, so a test that forgets
# to release it still ends.
HOLD_LIMIT_SECONDS = 10.0
WEBHOOK_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in received it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    form: dict[str, str]  # Stripe's flat form keys, e.g. "metadata[orderId]"


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery: which event, and the status the endpoint answered (0: no answer)."""

    event_id: str
    event_type: str
    status: int


def _stripe_error(status: int, **error: Any) -> tuple[int, dict[str, Any]]:
    return status, {"error": error}


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends with `payload`, signed with `secret`."""
    at = int(time.time()) if timestamp is None else timestamp
    signed = f"{at}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


class StripeStandIn:
    """Answers like Stripe's PaymentIntents and Refunds APIs, remembers idempotency keys,
    records every request with its headers, can fail or hold requests on demand, and sends
    `payment_intent.*` events, signed with `WEBHOOK_SECRET`, to the endpoint it is given.

    `async with StripeStandIn().running() as stripe:` serves it on a free port at `url`.
    """

    API_KEY = "sk_test_standin"
    WEBHOOK_SECRET = "whsec_standin"
    SUCCEEDING = frozenset(
        {"pm_card_visa", "pm_card_mastercard", "tok_visa", "tok_mastercard", "tok_amex"}
    )
    AUTHENTICATING = frozenset({"pm_card_authenticationRequired", "tok_threeDSecure2Required"})
    DECLINES = {
        "pm_card_chargeDeclined": ("generic_decline", "Your card was declined."),
        "tok_chargeDeclined": ("generic_decline", "Your card was declined."),
        "pm_card_chargeDeclinedInsufficientFunds": (
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        "tok_chargeDeclinedInsufficientFunds": (
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    }

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[Delivery] = []
        self._confirmation_tokens: dict[str, str] = {}
        self._replies: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self._failures: list[tuple[int, bool]] = []
        self._gate: asyncio.Event | None = None
        self._webhook: tuple[httpx.AsyncClient, str] | None = None
        self._own_client: httpx.AsyncClient | None = None
        self._webhooks_paused = False
        self._sending: set[asyncio.Task[int]] = set()
        self.port = 0
        self.app = Starlette(
            routes=[
                Route("/v1/payment_intents", self._endpoint, methods=["POST"]),
                Route("/v1/payment_intents/{intent_id}", self._endpoint, methods=["GET"]),
                Route("/v1/payment_intents/{intent_id}/cancel", self._endpoint, methods=["POST"]),
                Route("/v1/refunds", self._endpoint, methods=["POST"]),
            ]
        )

    @property
    def url(self) -> str:
        """The API base to give the library (`base_addresses={"api": url}`)."""
        return f"http://127.0.0.1:{self.port}"

    # -- what tests arrange ---------------------------------------------------------------

    def fail_next(self, status: int = 500, *, after_processing: bool = False) -> None:
        """Answer the next request with `status`; `after_processing`: do the work first (the
        intent exists and its key is remembered) and lose the answer on the way back."""
        self._failures.append((status, after_processing))

    def hold_payments(self) -> asyncio.Event:
        """Intent creations wait until the returned event is set."""
        self._gate = asyncio.Event()
        return self._gate

    def confirmation_token(self, payment_method: str) -> str:
        """A `ctoken_…` for `payment_method`, as Stripe.js's `createConfirmationToken` makes."""
        token = f"ctoken_{secrets.token_hex(12)}"
        self._confirmation_tokens[token] = payment_method
        return token

    def send_webhooks_to(self, url: str, *, client: httpx.AsyncClient | None = None) -> None:
        """Deliver events to `url`, through `client` when given (an app over ASGI, say)."""
        if client is None:
            client = self._own_client = httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS)
        self._webhook = (client, url)

    def pause_webhooks(self) -> None:
        """Keep new events without delivering them; tests deliver them with `deliver`."""
        self._webhooks_paused = True

    def of(self, path: str) -> list[RecordedRequest]:
        """The requests received on `path`, in order."""
        return [r for r in self.requests if r.path == path]

    def events_of(self, intent_id: str) -> list[dict[str, Any]]:
        """The events made about one intent, in order."""
        return [e for e in self.events if e["data"]["object"]["id"] == intent_id]

    async def authenticate(self, intent_id: str, *, completed: bool = True) -> dict[str, Any]:
        """The buyer answers 3-D Secure: the intent succeeds or fails, and its event is sent.
        This stands in for the bank's page that the intent's `next_action` URL names; that URL
        is not served."""
        intent = self.intents[intent_id]
        if intent["status"] == "requires_action":
            intent["next_action"] = None
            if completed:
                self._succeed(intent)
            else:
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {
                    "type": "card_error",
                    "code": "payment_intent_authentication_failure",
                    "message": "The provided PaymentMethod has failed authentication.",
                }
                self._emit("payment_intent.payment_failed", intent)
        return intent

    async def deliver(self, event: dict[str, Any], *, secret: str | None = None) -> int:
        """Send `event` to the webhook endpoint now (again, or signed with another secret);
        the status it answered."""
        if self._webhook is None:
            raise RuntimeError("no webhook endpoint: call send_webhooks_to first")
        client, url = self._webhook
        payload = json.dumps(event).encode()
        header = signature_header(payload, secret or self.WEBHOOK_SECRET)
        try:
            answer = await client.post(
                url,
                content=payload,
                headers={"content-type": "application/json", "stripe-signature": header},
            )
            status = answer.status_code
        except httpx.HTTPError:
            status = 0
        self.deliveries.append(Delivery(event["id"], event["type"], status))
        return status

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["StripeStandIn"]:
        """Serve on a free port in the running loop until the block ends."""
        sock = bind(0)
        self.port = sock.getsockname()[1]
        async with serving(self.app, sock):
            try:
                yield self
            finally:
                # A held payment would otherwise keep the server from shutting down.
                if self._gate is not None:
                    self._gate.set()
                for task in list(self._sending):
                    task.cancel()
                await asyncio.gather(*self._sending, return_exceptions=True)
                if self._own_client is not None:
                    await self._own_client.aclose()

    # -- the API --------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        headers = {name.lower(): value for name, value in request.headers.items()}
        path = request.url.path
        self.requests.append(RecordedRequest(request.method, path, headers, form))
        failure = self._failures.pop(0) if self._failures else None
        if headers.get("authorization") != f"Bearer {self.API_KEY}":
            status, body = _stripe_error(
                401, type="invalid_request_error", message="Invalid API Key provided: sk_****"
            )
            return JSONResponse(body, status)
        if failure is not None and not failure[1]:
            return JSONResponse(*self._server_error(failure[0]))
        key = headers.get("idempotency-key") if request.method == "POST" else None
        replay = self._replies.get((path, key)) if key else None
        if replay is not None:
            return JSONResponse(replay[1], replay[0], headers={"Idempotent-Replayed": "true"})
        if path == "/v1/payment_intents" and self._gate is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._gate.wait(), HOLD_LIMIT_SECONDS)
        status, body = self._answer(request, path, form)
        if key:
            self._replies[(path, key)] = (status, body)
        if failure is not None:
            return JSONResponse(*self._server_error(failure[0]))
        return JSONResponse(body, status)

    def _answer(
        self, request: Request, path: str, form: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if path == "/v1/refunds":
            return self._refund(form)
        if path == "/v1/payment_intents":
            return self._create(form)
        intent = self.intents.get(request.path_params["intent_id"])
        if intent is None:
            return _stripe_error(
                404,
                type="invalid_request_error",
                code="resource_missing",
                param="intent",
                message=f"No such payment_intent: '{request.path_params['intent_id']}'",
            )
        if path.endswith("/cancel"):
            return self._cancel(intent)
        return 200, intent

    @staticmethod
    def _server_error(status: int) -> tuple[dict[str, Any], int]:
        return {"error": {"type": "api_error", "message": "An error occurred."}}, status

    def _payment_method(self, form: dict[str, str]) -> tuple[str, str]:
        """(the card's test name, the parameter that named it)."""
        if "confirmation_token" in form:
            token = form["confirmation_token"]
            return self._confirmation_tokens.get(token, token), "confirmation_token"
        if "payment_method" in form:
            return form["payment_method"], "payment_method"
        return form.get("payment_method_data[card][token]", ""), "payment_method_data[card][token]"

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        card, param = self._payment_method(form)
        amount = int(form.get("amount", "0"))
        known = self.SUCCEEDING | self.AUTHENTICATING | set(self.DECLINES)
        if card not in known:
            return _stripe_error(
                400,
                type="invalid_request_error",
                code="resource_missing",
                param=param,
                message=f"No such PaymentMethod: '{card}'",
            )
        if amount < 30:
            return _stripe_error(
                400,
                type="invalid_request_error",
                code="amount_too_small",
                param="amount",
                message="Amount must be at least £0.30 gbp",
            )
        intent_id = f"pi_{secrets.token_hex(12)}"
        intent: dict[str, Any] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": form.get("currency"),
            "description": form.get("description"),
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "confirmation_method": "automatic",
            "payment_method": f"pm_{secrets.token_hex(12)}",
            "return_url": form.get("return_url"),
            "status": "requires_confirmation",
            "next_action": None,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
        }
        self.intents[intent_id] = intent
        if card in self.DECLINES:
            decline_code, message = self.DECLINES[card]
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": decline_code,
                "message": message,
            }
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = error
            self._emit("payment_intent.payment_failed", intent)
            return _stripe_error(402, **error, payment_intent=intent)
        if card in self.AUTHENTICATING:
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"{self.url}/authenticate/{intent_id}",
                    "return_url": form.get("return_url"),
                },
            }
            self._emit("payment_intent.requires_action", intent)
            return 200, intent
        self._succeed(intent)
        return 200, intent

    def _succeed(self, intent: dict[str, Any]) -> None:
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        intent["latest_charge"] = f"ch_{secrets.token_hex(12)}"
        self._emit("payment_intent.succeeded", intent)

    def _cancel(self, intent: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if intent["status"] in ("succeeded", "canceled"):
            return _stripe_error(
                400,
                type="invalid_request_error",
                code="payment_intent_unexpected_state",
                message=f"This PaymentIntent's status is {intent['status']}.",
                payment_intent=intent,
            )
        intent["status"] = "canceled"
        intent["next_action"] = None
        self._emit("payment_intent.canceled", intent)
        return 200, intent

    def _refund(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        intent = self.intents.get(form.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return _stripe_error(
                400,
                type="invalid_request_error",
                code="resource_missing",
                param="payment_intent",
                message=f"No such payment_intent: '{form.get('payment_intent')}'",
            )
        if intent.get("refunded"):
            return _stripe_error(
                400,
                type="invalid_request_error",
                code="charge_already_refunded",
                message=f"Charge {intent['latest_charge']} has already been refunded.",
            )
        intent["refunded"] = True
        refund = {
            "id": f"re_{secrets.token_hex(12)}",
            "object": "refund",
            "amount": intent["amount"],
            "charge": intent["latest_charge"],
            "payment_intent": intent["id"],
            "currency": intent["currency"],
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    # -- webhooks -------------------------------------------------------------------------

    def _emit(self, event_type: str, intent: dict[str, Any]) -> None:
        event = {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": json.loads(json.dumps(intent))},
        }
        self.events.append(event)
        if self._webhook is not None and not self._webhooks_paused:
            # After the API's answer, as Stripe's deliveries come on their own.
            task = asyncio.get_running_loop().create_task(self.deliver(event))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
