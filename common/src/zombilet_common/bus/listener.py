"""The durable JetStream listener every service's event handlers derive from."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, ClassVar, Generic, TypeVar, cast, get_args, get_origin

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from zombilet_common.bus.delivery import Delivery, Message
from zombilet_common.bus.outcomes import Ack, Answer, Nak, NotYet, backoff
from zombilet_common.events.base import Event
from zombilet_common.logging import request_id_var

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
U = TypeVar("U")


class Listener(Generic[E]):
    """One durable pull consumer, `<service>-<subject token>`, shared by every replica.

    A subclass names its event as `Listener[SomeEvent]` (which gives `payload`, and the subject
    with it) and defines `on_message`; `service` is the name of the service running it.
    Parsing, ack, delayed nak, bounded redelivery and parking live here.
    """

    payload: ClassVar[type[Event]]
    max_deliver: ClassVar[int] = 30
    ack_wait: ClassVar[float] = 30.0
    concurrency: ClassVar[int] = 4
    fetch_expiry: ClassVar[float] = 1.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            origin, args = get_origin(base), get_args(base)
            declares = isinstance(origin, type) and issubclass(origin, Listener) and args
            if declares and isinstance(args[0], type) and issubclass(args[0], Event):
                cls.payload = args[0]

    def __init__(self, *, service: str) -> None:
        self.service = service
        self._stopping = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        self._subscription: JetStreamContext.PullSubscription | None = None

    async def on_message(self, event: E, delivery: Delivery) -> Answer:
        raise NotImplementedError

    def durable_name(self) -> str:
        return f"{self.service}-{self.payload.subject.token}"

    def consumer_config(self) -> ConsumerConfig:
        name = self.durable_name()
        return ConsumerConfig(
            name=name,
            durable_name=name,
            filter_subject=self.payload.subject.value,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=self.max_deliver,
        )

    async def start(self, js: JetStreamContext) -> None:
        """Create or update the durable consumer, then start pulling."""
        stream = self.payload.subject.stream
        await js.add_consumer(stream, self.consumer_config())
        subscription = await js.pull_subscribe_bind(durable=self.durable_name(), stream=stream)
        self._subscription = subscription
        self._stopping.clear()
        self._workers = [
            asyncio.create_task(self._pull(subscription), name=f"{self.durable_name()}-{n}")
            for n in range(self.concurrency)
        ]

    async def stop(self) -> None:
        """Stop pulling; messages already in hand are finished and acked first."""
        self._stopping.set()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        if self._subscription is not None:
            subscription, self._subscription = self._subscription, None
            # nats-py's fetch drops late status messages without marking them done, which
            # would hold a connection drain for its whole timeout; unsubscribing releases them.
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    async def _pull(self, subscription: JetStreamContext.PullSubscription) -> None:
        while not self._stopping.is_set():
            try:
                messages = await subscription.fetch(1, timeout=self.fetch_expiry)
            except (TimeoutError, NatsTimeoutError):
                continue
            except Exception:
                log.warning("fetch failed", extra={"consumer": self.durable_name()}, exc_info=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=1.0)
                continue
            for message in messages:
                try:
                    await self.handle(message)
                except Exception:
                    # The answer (ack, nak, term) did not reach the server, e.g. while the
                    # connection was lost: JetStream redelivers after the ack wait.
                    log.warning(
                        "answer failed", extra={"consumer": self.durable_name()}, exc_info=True
                    )

    async def handle(self, msg: Message) -> None:
        """Decide and answer one message: ack, nak with delay, or park."""
        delivery = Delivery.of(msg)
        token = request_id_var.set(delivery.request_id)
        try:
            try:
                # The payload class is the E this listener was declared with.
                event = cast(E, self.payload.from_bytes(msg.data))
            except ValidationError as exc:
                await self._park(msg, delivery, reason=f"undecodable payload: {exc.errors()[:3]}")
                return
            try:
                async with self._in_progress(msg, delivery):
                    outcome = await self.on_message(event, delivery)
            except Exception:
                log.exception("handler failed", extra=self._facts(delivery))
                outcome = Nak()
            if isinstance(outcome, NotYet) and log.isEnabledFor(logging.INFO):
                log.info("not yet", extra={**self._facts(delivery), "reason": outcome.reason})
            if isinstance(outcome, Ack):
                await msg.ack()
            elif delivery.num_delivered >= self.max_deliver:
                await self._park(msg, delivery, reason="last delivery failed")
            else:
                delay = outcome.delay
                await msg.nak(delay=backoff(delivery.num_delivered) if delay is None else delay)
        finally:
            request_id_var.reset(token)

    @contextlib.asynccontextmanager
    async def _in_progress(self, msg: Message, delivery: Delivery) -> AsyncIterator[None]:
        """While the handler runs, tell JetStream three times per ack wait that it still does,
        so that a slow handler's message is not redelivered (to another replica) meanwhile."""

        interval = self.ack_wait / 3

        async def beat() -> None:
            while True:
                try:
                    await msg.in_progress()
                except Exception:
                    # The next beat tries again; past the ack wait the message is redelivered.
                    log.warning("in-progress failed", extra=self._facts(delivery), exc_info=True)
                await asyncio.sleep(interval)

        # Nearly every handler ends long before the first beat is due, so a task is made only
        # for one that is still running then.
        beating: asyncio.Task[None] | None = None

        def start_beating() -> None:
            nonlocal beating
            beating = asyncio.create_task(beat())

        timer = asyncio.get_running_loop().call_later(interval, start_beating)
        try:
            yield
        finally:
            timer.cancel()
            if beating is not None:
                beating.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beating

    async def _park(self, msg: Message, delivery: Delivery, *, reason: str) -> None:
        # Terminating keeps the message in the stream but never delivers it to this consumer
        # again; the log line carries everything an operator needs to republish it.
        log.error(
            "message parked",
            extra={
                **self._facts(delivery),
                "reason": reason,
                "payload": msg.data.decode("utf-8", errors="replace"),
            },
        )
        await msg.term()

    def _facts(self, delivery: Delivery) -> dict[str, object]:
        return {
            "consumer": self.durable_name(),
            "subject": delivery.subject,
            "msg_id": delivery.msg_id,
            "delivery": delivery.num_delivered,
        }


class ServiceListener(Listener[E], Generic[E, U]):
    """A listener that hands its event to a service's use cases `U`."""

    def __init__(self, use_cases: U, *, service: str) -> None:
        super().__init__(service=service)
        self.use_cases = use_cases
