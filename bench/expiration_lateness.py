"""How late `expiration.completed` is: the time it is seen on NATS minus the order's expiresAt.

Starts real NATS and Redis on free ports, runs the expiration app (its lifespan: listeners,
arq worker) once with its own poll delay and once with arq's default of 0.5 s as the baseline,
publishes `order.created` for N orders due over a few seconds, and prints min / median / p95 /
max lateness for each run. Stops by itself.

    uv run python bench/expiration_lateness.py [--orders 200] [--spread 3.0]
"""

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from zombilet_common.bus import connect_nats, ensure_streams
from zombilet_common.events import OrderCreatedEvent, OrderTicket
from zombilet_common.testing.apps import running
from zombilet_common.testing.servers import Servers, start_servers
from zombilet_expiration.main import create_app
from zombilet_expiration.settings import Settings

ARQ_DEFAULT_POLL_DELAY = 0.5
LEAD_SECONDS = 1.0  # the first order falls due this long after publishing starts
GIVE_UP_AFTER_LAST_DUE = 15.0


@dataclass(frozen=True)
class Run:
    label: str
    poll_delay: float
    lateness_ms: list[float]
    missing: int


async def measure(
    servers: Servers, label: str, poll_delay: float, orders: int, spread: float
) -> Run:
    settings = Settings(
        nats_url=servers.nats_url,
        redis_url=servers.redis_url,
        expiration_queue=f"bench:{uuid.uuid4().hex}",
        expiration_poll_delay_seconds=poll_delay,
    )
    app = create_app(settings)
    async with running(app):
        nc = await connect_nats(servers.nats_url, service="bench", retry_for=5)
        js = nc.jetstream()
        await ensure_streams(js)
        seen: dict[str, float] = {}
        all_seen = asyncio.Event()

        async def keep(msg: Any) -> None:
            seen.setdefault(json.loads(msg.data)["orderId"], time.time())
            if len(seen) >= orders:
                all_seen.set()

        await nc.subscribe("expiration.completed", cb=keep)
        await nc.flush()

        first_due = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
        due: dict[str, float] = {}
        for n in range(orders):
            event = OrderCreatedEvent(
                id=str(ObjectId()),
                version=0,
                status="created",
                user_id=str(ObjectId()),
                expires_at=first_due + timedelta(seconds=spread * n / max(orders - 1, 1)),
                ticket=OrderTicket(id=str(ObjectId()), title="Bench", price=10.0),
            )
            data = event.to_bytes()
            # Lateness counts from expiresAt as it travels (milliseconds).
            due[event.id] = OrderCreatedEvent.from_bytes(data).expires_at.timestamp()
            await js.publish("order.created", data, headers={"Nats-Msg-Id": event.message_id()})

        give_up = max(due.values()) + GIVE_UP_AFTER_LAST_DUE - time.time()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_seen.wait(), timeout=give_up)
        await nc.close()
    lateness = [(seen[order] - due[order]) * 1000 for order in seen if order in due]
    return Run(label, poll_delay, lateness, orders - len(lateness))


def report(runs: list[Run], orders: int, spread: float) -> None:
    print(
        f"expiration lateness: expiration.completed seen minus expiresAt, "
        f"{orders} orders due over {spread:g} s"
    )
    print(f"{'run':<28}{'min':>9}{'median':>9}{'p95':>9}{'max':>9}{'missing':>9}   (ms)")
    for run in runs:
        values = sorted(run.lateness_ms)
        if not values:
            print(f"{run.label:<28}{'-':>9}{'-':>9}{'-':>9}{'-':>9}{run.missing:>9}")
            continue
        p95 = statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]
        print(
            f"{run.label:<28}{values[0]:>9.1f}{statistics.median(values):>9.1f}"
            f"{p95:>9.1f}{values[-1]:>9.1f}{run.missing:>9}"
        )


async def bench(servers: Servers, orders: int, spread: float) -> list[Run]:
    ours = Settings.model_fields["expiration_poll_delay_seconds"].default
    return [
        await measure(servers, f"poll {ours:g} s (expiration)", ours, orders, spread),
        await measure(
            servers,
            f"poll {ARQ_DEFAULT_POLL_DELAY:g} s (arq default)",
            ARQ_DEFAULT_POLL_DELAY,
            orders,
            spread,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="orders per run")
    parser.add_argument("--spread", type=float, default=3.0, help="seconds their expiries span")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with start_servers("nats", "redis") as servers:
        runs = asyncio.run(bench(servers, args.orders, args.spread))
    report(runs, args.orders, args.spread)


if __name__ == "__main__":
    main()
