"""The payments harness (ASGI app on the in-process database double) and a Stripe stand-in.

The stand-in is a small ASGI server on a free port that answers `POST /v1/charges` and
`POST /v1/refunds` as Stripe does, so the official library runs unmodified against it.
It belongs in `common/standins/stripe.py` once the local stack needs it too.
"""

import asyncio
import secrets
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import uvicorn
from bson import ObjectId
from fastapi import FastAPI
from mongomock_motor import AsyncMongoMockClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderTicket,
    OrderTicketRef,
)
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.messages import FakeMessage, RecordingPublisher
from zombilet_common.testing.wait import wait_until_sync
from zombilet_payments.compensation import Compensation
from zombilet_payments.events.listeners import listeners
from zombilet_payments.gateways import PaymentGateway
from zombilet_payments.gateways.stripe_api import StripeGateway
from zombilet_payments.main import OUTBOX_COLLECTIONS, build_gateway, build_service, create_app
from zombilet_payments.service import PaymentService
from zombilet_payments.settings import Settings

JWT_KEY = "payments-test-key"

# ---------------------------------------------------------------------------------------------
# The Stripe stand-in


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    form: dict[str, str]  # Stripe's flat form keys, e.g. "metadata[orderId]"


def _stripe_error(status: int, **error: Any) -> tuple[int, dict[str, Any]]:
    return status, {"error": error}


class StripeStandIn:
    """Answers like Stripe's Charges and Refunds APIs, remembers idempotency keys, records
    every request with its headers, and can fail or hold requests on demand."""

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
        self._gate: threading.Event | None = None
        self._lock = threading.Lock()
        self.port = 0
        self.app = Starlette(
            routes=[
                Route("/v1/charges", self._endpoint, methods=["POST"]),
                Route("/v1/refunds", self._endpoint, methods=["POST"]),
            ]
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, status: int = 500, *, after_processing: bool = False) -> None:
        """Answer the next request with `status`; `after_processing`: do the work first (the
        charge exists and its key is remembered) and lose the answer on the way back."""
        with self._lock:
            self._failures.append((status, after_processing))

    def hold_charges(self) -> threading.Event:
        """Charges wait until the returned event is set."""
        self._gate = threading.Event()
        return self._gate

    def of(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        wait_until_sync(lambda: self._server.started, within=5)

    def stop(self) -> None:
        if self._gate is not None:
            self._gate.set()
        self._server.should_exit = True
        self._thread.join(5)

    async def _endpoint(self, request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        headers = {name.lower(): value for name, value in request.headers.items()}
        path = request.url.path
        with self._lock:
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
        with self._lock:
            replay = self._replies.get((path, key)) if key else None
        if replay is not None:
            return JSONResponse(replay[1], replay[0], headers={"Idempotent-Replayed": "true"})
        if path == "/v1/charges" and self._gate is not None:
            await asyncio.to_thread(self._gate.wait, 10)
        with self._lock:
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


@pytest.fixture
def stripe_standin() -> Iterator[StripeStandIn]:
    standin = StripeStandIn()
    standin.start()
    yield standin
    standin.stop()


# ---------------------------------------------------------------------------------------------
# The payments app over ASGI


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mongo_uri": "mongodb://127.0.0.1:1/payments",
        "nats_url": "nats://127.0.0.1:1",
        "jwt_key": JWT_KEY,
        **overrides,
    }
    return Settings(**values)


def session_cookie(user_id: str) -> dict[str, str]:
    token = issue_token(SessionUser(id=user_id, email="buyer@example.com"), JWT_KEY, 3600)
    return {"cookie": f"session={token}"}


@dataclass
class Harness:
    """The payments app over ASGI on mongomock, with a recording publisher and its listeners."""

    client: httpx.AsyncClient
    db: Any
    publisher: RecordingPublisher
    relay: OutboxRelay
    service: PaymentService
    compensation: Compensation
    gateway: PaymentGateway
    buyer: str = field(default_factory=lambda: str(ObjectId()))

    def __post_init__(self) -> None:
        self.created, self.cancelled, self.completed = listeners(self.service)

    async def order(
        self, *, user_id: str | None = None, price: float = 16.99, expires_in: float = 60.0
    ) -> str:
        """Deliver an `order.created` as orders would publish it; the new order's id."""
        event = OrderCreatedEvent(
            id=str(ObjectId()),
            version=0,
            status="created",
            user_id=user_id or self.buyer,
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
            ticket=OrderTicket(id=str(ObjectId()), title="Concert", price=price),
        )
        msg = FakeMessage.of(event, msg_id=event.message_id())
        await self.created.handle(msg)
        assert msg.answers == ["ack"]
        return event.id

    async def cancel(
        self, order_id: str, *, version: int = 1, num_delivered: int = 1
    ) -> FakeMessage:
        event = OrderCancelledEvent(
            id=order_id,
            version=version,
            status="cancelled",
            user_id=self.buyer,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )
        msg = FakeMessage.of(event, msg_id=event.message_id(), num_delivered=num_delivered)
        await self.cancelled.handle(msg)
        return msg

    async def complete(self, order_id: str, *, version: int = 1) -> FakeMessage:
        event = OrderCompletedEvent(
            id=order_id,
            version=version,
            status="complete",
            user_id=self.buyer,
            ticket=OrderTicketRef(id=str(ObjectId())),
        )
        msg = FakeMessage.of(event, msg_id=event.message_id())
        await self.completed.handle(msg)
        return msg

    async def pay(
        self, order_id: str, token: str = "tok_visa", *, user_id: str | None = None
    ) -> httpx.Response:
        return await self.client.post(
            "/api/payments",
            json={"token": token, "orderId": order_id},
            headers=session_cookie(user_id or self.buyer),
        )

    @property
    def cookie(self) -> dict[str, str]:
        """The buyer's session cookie header."""
        return session_cookie(self.buyer)

    async def post(self, body: Any = None, *, content: bytes | None = None) -> httpx.Response:
        """POST /api/payments as the buyer with any JSON body, or raw bytes."""
        headers = {**session_cookie(self.buyer), "content-type": "application/json"}
        if content is None:
            return await self.client.post("/api/payments", json=body, headers=headers)
        return await self.client.post("/api/payments", content=content, headers=headers)

    async def replica(self, order_id: str) -> dict[str, Any]:
        doc = await self.db.order_replicas.find_one({"_id": ObjectId(order_id)})
        assert doc is not None
        return dict(doc)

    async def payment(self, order_id: str) -> dict[str, Any] | None:
        doc = await self.db.payments.find_one({"order_id": order_id})
        return None if doc is None else dict(doc)

    async def published(self, subject: str) -> list[tuple[str, str, bytes]]:
        """What reached the bus on `subject`, once each message id, as JetStream keeps it."""
        await self.relay.sweep()
        unique = {p[1]: p for p in self.publisher.published if p[0] == subject}
        return list(unique.values())


HarnessFactory = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_payments() -> AsyncIterator[HarnessFactory]:
    """Builds harnesses: the offline gateway by default, or the gateway `create_app` would
    pick for `settings`, or a given one."""
    opened: list[tuple[httpx.AsyncClient, OutboxRelay, PaymentGateway]] = []

    async def make(
        *, gateway: PaymentGateway | None = None, settings: Settings | None = None
    ) -> Harness:
        settings = settings or make_settings()
        app: FastAPI = create_app(settings)
        db = AsyncMongoMockClient(tz_aware=True)["payments"]
        publisher = RecordingPublisher()
        relay = OutboxRelay(publisher, [db[name] for name in OUTBOX_COLLECTIONS])  # type: ignore[arg-type]
        await relay.start()
        gateway = gateway or await build_gateway(settings, db)
        service, compensation = await build_service(
            db, relay, gateway, currency=settings.stripe_currency
        )
        app.state.payments = service
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://payments.test"
        )
        opened.append((client, relay, gateway))
        return Harness(client, db, publisher, relay, service, compensation, gateway)

    yield make
    for client, relay, gateway in opened:
        await client.aclose()
        await relay.stop()
        await gateway.close()


@pytest.fixture
async def payments(make_payments: HarnessFactory) -> Harness:
    """Payments with the offline gateway."""
    return await make_payments()


@pytest.fixture
def stripe_settings(stripe_standin: StripeStandIn) -> Callable[..., Settings]:
    """Settings with STRIPE_KEY, the library pointed at the stand-in unless overridden."""

    def make(**overrides: Any) -> Settings:
        values = {
            "stripe_key": StripeStandIn.API_KEY,
            "stripe_api_base": stripe_standin.url,
            **overrides,
        }
        return make_settings(**values)

    return make


@pytest.fixture
async def stripe_payments(
    make_payments: HarnessFactory, stripe_settings: Callable[..., Settings]
) -> Harness:
    """Payments with the Stripe gateway (the official library) pointed at the stand-in."""
    return await make_payments(settings=stripe_settings())


@pytest.fixture
async def stripe_gateway_at() -> AsyncIterator[Callable[..., StripeGateway]]:
    """StripeGateway instances on given addresses, keys and timeouts, closed at the end."""
    made: list[StripeGateway] = []

    def make(
        api_base: str, *, api_key: str = StripeStandIn.API_KEY, timeout: float = 20.0
    ) -> StripeGateway:
        gateway = StripeGateway(api_key, api_base=api_base, timeout=timeout)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.close()
