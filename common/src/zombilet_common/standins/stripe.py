"""A Stripe stand-in: a local server that answers `POST /v1/charges` and `POST /v1/refunds` as
Stripe does, so the official library runs unmodified against it."""

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from zombilet_common.testing.serving import bind, serving

# How long a held charge waits for its gate before answering anyway, so a test that forgets to
# release it still ends.
HOLD_LIMIT_SECONDS = 10.0


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in received it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    form: dict[str, str]  # Stripe's flat form keys, e.g. "metadata[orderId]"


def _stripe_error(status: int, **error: Any) -> tuple[int, dict[str, Any]]:
    return status, {"error": error}


class StripeStandIn:
    """Answers like Stripe's Charges and Refunds APIs, remembers idempotency keys, records
    every request with its headers, and can fail or hold requests on demand.

    `async with StripeStandIn().running() as stripe:` serves it on a free port at `url`.
    """

    API_KEY = "sk_test_standin"
    SUCCEEDING = frozenset({"tok_visa", "tok_mastercard", "tok_amex"})
    DECLINES = {
        "tok_chargeDeclined": ("generic_decline", "Your card was declined."),
        "tok_chargeDeclinedInsufficientFunds": (
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    }

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self._replies: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self._failures: list[tuple[int, bool]] = []
        self._gate: asyncio.Event | None = None
        self.port = 0
        self.app = Starlette(
            routes=[
                Route("/v1/charges", self._endpoint, methods=["POST"]),
                Route("/v1/refunds", self._endpoint, methods=["POST"]),
            ]
        )

    @property
    def url(self) -> str:
        """The API base to give the library (`base_addresses={"api": url}`)."""
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, status: int = 500, *, after_processing: bool = False) -> None:
        """Answer the next request with `status`; `after_processing`: do the work first (the
        charge exists and its key is remembered) and lose the answer on the way back."""
        self._failures.append((status, after_processing))

    def hold_charges(self) -> asyncio.Event:
        """Charges wait until the returned event is set."""
        self._gate = asyncio.Event()
        return self._gate

    def of(self, path: str) -> list[RecordedRequest]:
        """The requests received on `path`, in order."""
        return [r for r in self.requests if r.path == path]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["StripeStandIn"]:
        """Serve on a free port in the running loop until the block ends."""
        sock = bind(0)
        self.port = sock.getsockname()[1]
        async with serving(self.app, sock):
            try:
                yield self
            finally:
                # A held charge would otherwise keep the server from shutting down.
                if self._gate is not None:
                    self._gate.set()

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
        key = headers.get("idempotency-key")
        replay = self._replies.get((path, key)) if key else None
        if replay is not None:
            return JSONResponse(replay[1], replay[0], headers={"Idempotent-Replayed": "true"})
        if path == "/v1/charges" and self._gate is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._gate.wait(), HOLD_LIMIT_SECONDS)
        status, body = self._charge(form) if path == "/v1/charges" else self._refund(form)
        if key:
            self._replies[(path, key)] = (status, body)
        if failure is not None:
            return JSONResponse(*self._server_error(failure[0]))
        return JSONResponse(body, status)

    @staticmethod
    def _server_error(status: int) -> tuple[dict[str, Any], int]:
        return {"error": {"type": "api_error", "message": "An error occurred."}}, status

    def _charge(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        token, amount = form.get("source", ""), int(form.get("amount", "0"))
        charge_id = f"ch_{secrets.token_hex(12)}"
        if token in self.DECLINES:
            decline_code, message = self.DECLINES[token]
            return _stripe_error(
                402,
                type="card_error",
                code="card_declined",
                decline_code=decline_code,
                message=message,
                charge=charge_id,
            )
        if token not in self.SUCCEEDING:
            return _stripe_error(
                400,
                type="invalid_request_error",
                code="resource_missing",
                param="source",
                message=f"No such token: '{token}'",
            )
        if amount < 30:
            return _stripe_error(
                400,
                type="invalid_request_error",
                code="amount_too_small",
                param="amount",
                message="Amount must be at least £0.30 gbp",
            )
        metadata = {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")}
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": amount,
            "currency": form.get("currency"),
            "description": form.get("description"),
            "metadata": metadata,
            "paid": True,
            "refunded": False,
            "status": "succeeded",
        }
        self.charges[charge_id] = charge
        return 200, charge

    def _refund(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        charge = self.charges.get(form.get("charge", ""))
        if charge is None:
            return _stripe_error(
                400,
                type="invalid_request_error",
                code="resource_missing",
                param="charge",
                message=f"No such charge: '{form.get('charge')}'",
            )
        if charge["refunded"]:
            return _stripe_error(
                400,
                type="invalid_request_error",
                code="charge_already_refunded",
                message=f"Charge {charge['id']} has already been refunded.",
            )
        charge["refunded"] = True
        refund = {
            "id": f"re_{secrets.token_hex(12)}",
            "object": "refund",
            "amount": charge["amount"],
            "charge": charge["id"],
            "currency": charge["currency"],
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return 200, refund
