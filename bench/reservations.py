"""Reservations through the local stack's gateway: how fast an order is placed, and how long a
new ticket takes to become orderable (tickets → NATS → orders' replica).

Starts `zombilet-up` on a temporary data folder, signs up buyers, lists tickets, then measures
with a bounded number of requests. The baseline, in the same run, is `GET /api/tickets/<id>`
through the same gateway: one service, one indexed read, no event.

    uv run python bench/reservations.py [--buyers 40] [--concurrency 20]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from zombilet_local.handle import SMOKE_READY_WITHIN, StackProcess, stack_env

Timed = Callable[[], Awaitable[httpx.Response]]


def summary(name: str, seconds: list[float], wall: float | None) -> str:
    """One row: min, median, p95, max in ms, and requests per second when they overlapped."""
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[max(int(len(ms) * 0.95) - 1, 0)]
    rate = f"{len(ms) / wall:>10.0f}" if wall else f"{'-':>10}"
    return f"{name:<34}{ms[0]:>8.1f}{statistics.median(ms):>9.1f}{p95:>9.1f}{ms[-1]:>9.1f}{rate}"


async def timed_all(calls: list[Timed], concurrency: int, expect: int) -> tuple[list[float], float]:
    """Run `calls` `concurrency` at a time; each must answer `expect`."""
    gate = asyncio.Semaphore(concurrency)
    durations: list[float] = []

    async def one(call: Timed) -> None:
        async with gate:
            start = time.perf_counter()
            response = await call()
            durations.append(time.perf_counter() - start)
            if response.status_code != expect:
                raise RuntimeError(f"{response.status_code}: {response.text}")

    start = time.perf_counter()
    await asyncio.gather(*(one(call) for call in calls))
    return durations, time.perf_counter() - start


async def sign_up(url: str, n: int) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, trust_env=False, timeout=30)
    body = {"email": f"bench-{n}-{time.time_ns()}@example.com", "password": "password1"}
    (await client.post("/api/users/signup", json=body)).raise_for_status()
    return client


async def orderable_after(seller: httpx.AsyncClient, buyer: httpx.AsyncClient) -> float:
    """Seconds from a ticket's 201 until orders accepts an order for it."""
    created = await seller.post("/api/tickets", json={"title": "Fresh", "price": 5})
    start = time.perf_counter()
    ticket_id = created.json()["id"]
    deadline = start + 10
    while time.perf_counter() < deadline:
        answer = await buyer.post("/api/orders", json={"ticketId": ticket_id})
        if answer.status_code == 201:
            return time.perf_counter() - start
    raise RuntimeError("the ticket never became orderable")


async def measure(url: str, buyers: int, concurrency: int) -> None:
    seller = await sign_up(url, 0)
    people = [await sign_up(url, n + 1) for n in range(buyers)]
    tickets = []
    for n in range(buyers):
        answer = await seller.post("/api/tickets", json={"title": f"Seat {n}", "price": 10})
        tickets.append(answer.json()["id"])
    # Every ticket must be known to orders before the timed orders start.
    await orderable_after(seller, people[0])

    reads, read_wall = await timed_all(
        [lambda t=t: seller.get(f"/api/tickets/{t}") for t in tickets * 5], concurrency, 200
    )
    orders, order_wall = await timed_all(
        [
            lambda b=b, t=t: b.post("/api/orders", json={"ticketId": t})
            for b, t in zip(people, tickets, strict=True)
        ],
        concurrency,
        201,
    )
    lags = [await orderable_after(seller, people[n % buyers]) for n in range(20)]

    print(f"{'':<34}{'min':>8}{'median':>9}{'p95':>9}{'max':>9}{'req/s':>10}   (ms)")
    print(summary("GET ticket (baseline)", reads, read_wall))
    print(summary("POST order (claim + insert)", orders, order_wall))
    print(summary("ticket created -> orderable", lags, None))
    for client in [seller, *people]:
        await client.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buyers", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zombilet-bench-") as root:
        stack = StackProcess(stack_env(Path(root) / "data"), Path(root))
        try:
            stack.wait_ready(within=SMOKE_READY_WITHIN)
            asyncio.run(measure(stack.url, args.buyers, args.concurrency))
        finally:
            stack.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
