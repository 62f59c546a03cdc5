"""`make bench`: every figure of the hot path beside its baseline from the same run.

Starts the local stack (`zombilet-up`) on free ports in a temporary folder, drives load from a
separate process (bench/driver.py), prints one table and writes it to bench/results/latest.md
with the machine and the date, and plots the latency distributions to
bench/results/latest.png. A second stack, on the same data folder (so its start is the warm
one), runs orders and tickets twice each for the scale-out race. Stops by itself; asserts
nothing: the machine is shared, so only ratios within one run mean anything.

    uv run python bench/run.py [--users 32] [--seconds 4] [--buyers 1000] [--tickets 100]
"""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from bson import ObjectId
from nats.js.api import ConsumerConfig, StreamConfig
from pymongo import AsyncMongoClient

from zombilet_common.auth import SessionUser, issue_token
from zombilet_common.testing.ports import free_port
from zombilet_local.handle import SMOKE_READY_WITHIN, StackProcess, stack_env

HERE = Path(__file__).parent
RESULTS = HERE / "results"
DRIVER = HERE / "driver.py"
JWT_KEY = "bench-" + "k" * 58
# The race must finish inside one expiry window (a shorter one would let a first order lapse
# mid-race and its ticket be sold again).
WINDOW_SECONDS = 5
Doc = dict[str, Any]


@dataclass
class Series:
    """One measured distribution: latencies (ms) and, for load, a rate."""

    name: str
    latencies_ms: list[float]
    rate: float | None = None
    errors: int = 0

    def pct(self, q: float) -> float:
        values = sorted(self.latencies_ms)
        if not values:
            return float("nan")
        return values[min(int(len(values) * q), len(values) - 1)]


@dataclass
class Report:
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: str, result: str, baseline: str, target: str, met: str) -> None:
        self.rows.append((figure, result, baseline, target, met))
        print(f"  {figure}: {result} | {baseline} | {met}", flush=True)


def yes_no(ok: bool) -> str:
    return "met" if ok else "missed"


def lat(series: Series) -> str:
    return f"p50 {series.pct(0.5):.1f} ms, p99 {series.pct(0.99):.1f} ms"


def load(series: Series) -> str:
    errors = f", {series.errors} errors" if series.errors else ""
    return f"{series.rate:,.0f} req/s, {lat(series)}{errors}"


# --- processes -------------------------------------------------------------------------------


class RssSampler:
    """The resident memory of the runner's descendants, sampled while load runs."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def pids(self) -> dict[str, int]:
        """The stack's processes, named by what they run (`orders#2` for a second one)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        found: dict[str, int] = {}
        todo = list(children.get(self.root, []))
        while todo:
            pid = todo.pop()
            todo.extend(children.get(pid, []))
            try:
                cmd = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            name = _process_name([c.decode(errors="replace") for c in cmd if c])
            key, n = name, 2
            while key in found:
                key, n = f"{name}#{n}", n + 1
            found[key] = pid
        return found

    def now(self) -> dict[str, int]:
        """KiB resident per process of the stack."""
        found: dict[str, int] = {}
        for name, pid in self.pids().items():
            try:
                status = (Path("/proc") / str(pid) / "status").read_text()
            except OSError:
                continue
            found[name] = next(
                (int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS")), 0
            )
        return found

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for name, kib in self.now().items():
                self.peak[name] = max(self.peak.get(name, 0), kib)

    @contextmanager
    def sampling(self) -> Iterator[None]:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join()


def _process_name(cmd: list[str]) -> str:
    if "-m" in cmd:
        return cmd[cmd.index("-m") + 1].removeprefix("zombilet_")
    first = Path(cmd[0]).name if cmd else "?"
    for server in ("nats-server", "redis", "envoy", "nx-27017", "mongo"):
        if server in " ".join(cmd[:2]):
            return server
    return first


def drive(job: Doc) -> Doc:
    done = subprocess.run(
        [sys.executable, str(DRIVER)],
        input=json.dumps(job),
        check=True,
        capture_output=True,
        text=True,
    )
    result: Doc = json.loads(done.stdout)
    return result


def load_series(name: str, jobs: list[Doc]) -> Series:
    results = [drive(job) for job in jobs]
    latencies = [ms for r in results for ms in r["latencies_ms"]]
    seconds = sum(r["seconds"] for r in results)
    return Series(name, latencies, len(latencies) / seconds, sum(r["errors"] for r in results))


@contextmanager
def hello_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "hello.py"), str(port)], stdin=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/hello", trust_env=False).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/hello"
    finally:
        process.terminate()
        process.wait(10)


class Stack:
    """A running `zombilet-up` and what the bench reads of it."""

    def __init__(self, root: Path, replicas: str = "") -> None:
        extra = {"JWT_KEY": JWT_KEY, "EXPIRATION_WINDOW_SECONDS": str(WINDOW_SECONDS)}
        if replicas:
            extra["ZOMBILET_REPLICAS"] = replicas
        started = time.perf_counter()
        self.process = StackProcess(stack_env(root / "data", **extra), root)
        self.process.wait_ready(within=SMOKE_READY_WITHIN)
        self.ready_seconds = time.perf_counter() - started
        self.url = self.process.url
        self.mongo = self.process.stderr_url("mongo")
        self.nats = self.process.stderr_url("nats")
        config = json.loads((self.process.data_dir / "envoy" / "envoy.json").read_text())
        self.ports: dict[str, list[int]] = {
            cluster["name"]: [
                lb["endpoint"]["address"]["socket_address"]["port_value"]
                for group in cluster["load_assignment"]["endpoints"]
                for lb in group["lb_endpoints"]
            ]
            for cluster in config["static_resources"]["clusters"]
        }
        self.rss = RssSampler(self.process.process.pid)

    def close(self) -> None:
        self.process.close()


def token(user_id: str | None = None) -> str:
    user = SessionUser(id=user_id or str(ObjectId()), email="bench@example.com")
    return issue_token(user, JWT_KEY, 3600)


# --- figures ---------------------------------------------------------------------------------


async def list_tickets(url: str, seller: str, n: int) -> list[str]:
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=30) as client:
        gate = asyncio.Semaphore(16)

        async def one(i: int) -> str:
            async with gate:
                answer = await client.post(
                    "/api/tickets",
                    json={"title": f"Seat {i}", "price": 10},
                    headers={"cookie": f"session={seller}"},
                )
                answer.raise_for_status()
                return str(answer.json()["id"])

        return list(await asyncio.gather(*(one(i) for i in range(n))))


async def until_replicated(mongo: str, tickets: list[str], within: float = 60) -> None:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongo)
    try:
        ids = [ObjectId(t) for t in tickets]
        deadline = time.monotonic() + within
        # A count, since the local store's count_documents misses ObjectIds given to $in.
        replicas = client["orders"]["ticket_replicas"]
        while len(await replicas.find({"_id": {"$in": ids}}, {"_id": 1}).to_list()) < len(ids):
            if time.monotonic() > deadline:
                raise RuntimeError("orders never saw every ticket")
            await asyncio.sleep(0.05)
    finally:
        await client.close()


def figure_get(stack: Stack, hello: str, report: Report, users: int, seconds: float) -> None:
    ticket = asyncio.run(list_tickets(stack.url, token(), 1))[0]
    path = f"/api/tickets/{ticket}"
    urls = {
        "hello (bare FastAPI + uvicorn)": hello,
        "GET ticket via the gateway": f"{stack.url}{path}",
        "GET ticket direct": f"http://127.0.0.1:{stack.ports['tickets'][0]}{path}",
    }
    for url in urls.values():  # warm-up: connections, caches
        drive({"kind": "get", "url": url, "users": users, "seconds": 1.0})
    jobs: dict[str, list[Doc]] = {name: [] for name in urls}
    results: dict[str, list[Doc]] = {name: [] for name in urls}
    with stack.rss.sampling():
        # Alternating rounds, so a slow moment of the machine falls on every side.
        for _ in range(2):
            for name, url in urls.items():
                job = {"kind": "get", "url": url, "users": users, "seconds": seconds}
                jobs[name].append(job)
                results[name].append(drive(job))
    series = {}
    for name, rounds in results.items():
        latencies = [ms for r in rounds for ms in r["latencies_ms"]]
        rate = len(latencies) / sum(r["seconds"] for r in rounds)
        series[name] = Series(name, latencies, rate, sum(r["errors"] for r in rounds))
    hello_s, gateway, direct = series.values()
    report.series.extend(series.values())
    assert hello_s.rate
    assert gateway.rate
    assert direct.rate
    report.add(hello_s.name, load(hello_s), "-", "-", "-")
    g, d = gateway.rate / hello_s.rate, direct.rate / hello_s.rate
    report.add(gateway.name, load(gateway), f"{g:.0%} of hello", ">= 40%", yes_no(g >= 0.4))
    report.add(direct.name, load(direct), f"{d:.0%} of hello", ">= 50%", yes_no(d >= 0.5))


def figure_post(stack: Stack, report: Report, users: int, seconds: float) -> None:
    raw = load_series(
        "store insert_one (one client)",
        [{"kind": "insert", "uri": stack.mongo, "seconds": seconds}],
    )
    body = {"title": "Bench", "price": 10}
    job = {
        "kind": "post",
        "url": f"{stack.url}/api/tickets",
        "users": users,
        "seconds": seconds,
        "token": token(),
        "body": body,
    }
    with stack.rss.sampling():
        created = load_series("POST ticket via the gateway", [job])
    report.series.extend([raw, created])
    assert raw.rate
    assert created.rate
    report.add(raw.name, load(raw), "-", "-", "-")
    ratio = created.rate / raw.rate
    report.add(
        created.name, load(created), f"{ratio:.0%} of insert_one", ">= 50%", yes_no(ratio >= 0.5)
    )


async def _collect(nats_url: str, subject: str, into: dict[str, float]) -> Any:
    nc = await nats.connect(nats_url)

    async def keep(msg: Any) -> None:
        into.setdefault(json.loads(msg.data)["id"], time.time())

    await nc.subscribe(subject, cb=keep)
    await nc.flush()
    return nc


def figure_race(
    stack: Stack, report: Report, label: str, buyers: int, tickets_n: int, url: str | None = None
) -> Doc:
    """1,000 buyers at once over 100 tickets (through the gateway unless `url` says where);
    correctness read back from both databases."""
    tickets = asyncio.run(list_tickets(stack.url, token(), tickets_n))
    asyncio.run(until_replicated(stack.mongo, tickets))
    plan = [(token(), tickets[n % tickets_n]) for n in range(buyers)]

    async def run() -> tuple[Doc, dict[str, float]]:
        cancelled: dict[str, float] = {}
        nc = await _collect(stack.nats, "order.cancelled", cancelled)
        loop = asyncio.get_running_loop()
        with stack.rss.sampling():
            result = await loop.run_in_executor(
                None,
                drive,
                {"kind": "race", "url": url or f"{stack.url}/api/orders", "buyers": plan},
            )
        result["doubled"] = await _doubled(stack.mongo, tickets)
        won = {a["order"]: a["expiresAt"] for a in result["answers"] if a["status"] == 201}
        # Each winning order lapses after the window: its cancellation is expiry's lateness.
        deadline = time.monotonic() + WINDOW_SECONDS + 15
        while not won.keys() <= cancelled.keys() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await nc.close()
        result["won"] = won
        result["once"] = await _handled_once(stack.mongo, tickets)
        return result, cancelled

    result, cancelled = asyncio.run(run())
    answers = result["answers"]
    statuses = Counter(a["status"] for a in answers)
    per_ticket = Counter(a["ticket"] for a in answers if a["status"] == 201)
    winners = len(per_ticket)
    sold_twice = sum(1 for n in per_ticket.values() if n > 1)
    doubled, handled_once = result["doubled"], result["once"]
    fives = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
    rate = buyers / result["seconds"]
    series = Series(f"POST order race, {label}", [a["ms"] for a in answers if "ms" in a], rate)
    report.series.append(series)
    ok = (
        result["seconds"] < WINDOW_SECONDS
        and winners == tickets_n
        and doubled == 0
        and sold_twice == 0
        and fives == 0
        and handled_once
    )
    report.add(
        f"race {buyers} buyers / {tickets_n} tickets, {label}",
        f"{result['seconds']:.1f} s ({rate:.0f} orders/s), {winners} winners, {doubled} doubled,"
        f" {sold_twice} sold twice, {fives} 5xx, statuses {dict(sorted(statuses.items()))},"
        f" events handled once: {'yes' if handled_once else 'NO'}",
        "-",
        f"< {WINDOW_SECONDS} s, all correct",
        yes_no(ok),
    )
    lateness = [
        (cancelled[order] - datetime.fromisoformat(due).timestamp()) * 1000
        for order, due in result["won"].items()
        if order in cancelled
    ]
    return {"lateness": lateness, "missing": len(result["won"]) - len(lateness), "rate": rate}


async def _doubled(mongo: str, tickets: list[str]) -> int:
    """Tickets holding more than one live order."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongo)
    try:
        query = {"ticket_id": {"$in": tickets}, "status": {"$ne": "cancelled"}}
        live = Counter([doc["ticket_id"] async for doc in client["orders"]["orders"].find(query)])
        return sum(1 for n in live.values() if n > 1)
    finally:
        await client.close()


async def _handled_once(mongo: str, tickets: list[str], within: float = 10) -> bool:
    """Whether each service handled each event once: tickets holds one reservation per ticket,
    by its order, and orders' replica moved exactly as many versions as the ticket did. The
    releases of the lapsed orders may still be on their way, hence the deadline."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongo)
    ids = [ObjectId(t) for t in tickets]
    deadline = time.monotonic() + within
    try:
        while True:
            stored = {
                str(doc["_id"]): doc
                async for doc in client["tickets"]["tickets"].find({"_id": {"$in": ids}})
            }
            replicas = {
                str(doc["_id"]): doc
                async for doc in client["orders"]["ticket_replicas"].find({"_id": {"$in": ids}})
            }
            orders = Counter(
                [
                    doc["ticket_id"]
                    async for doc in client["orders"]["orders"].find(
                        {"ticket_id": {"$in": tickets}}
                    )
                ]
            )
            # One order per ticket: reserved once (version 1), released once (version 2).
            once = all(
                stored[t]["version"] == replicas[t]["version"] == 2 * orders[t] for t in tickets
            )
            if once or time.monotonic() > deadline:
                return once
            await asyncio.sleep(0.2)
    finally:
        await client.close()


def figure_expiry(stack: Stack, report: Report, orders: int) -> None:
    """Orders placed on an idle stack, each cancelled when its window lapses."""

    async def run() -> tuple[dict[str, str], dict[str, float]]:
        tickets = await list_tickets(stack.url, token(), orders)
        await until_replicated(stack.mongo, tickets)
        cancelled: dict[str, float] = {}
        nc = await _collect(stack.nats, "order.cancelled", cancelled)
        due: dict[str, str] = {}
        async with httpx.AsyncClient(base_url=stack.url, trust_env=False, timeout=30) as http:
            for ticket in tickets:
                answer = await http.post(
                    "/api/orders",
                    json={"ticketId": ticket},
                    headers={"cookie": f"session={token()}"},
                )
                due[answer.json()["id"]] = answer.json()["expiresAt"]
                # Spread over a second, so the expiries do not all fall due at one instant.
                await asyncio.sleep(1.0 / orders)
        deadline = time.monotonic() + WINDOW_SECONDS + 10
        while not due.keys() <= cancelled.keys() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await nc.close()
        return due, cancelled

    due, cancelled = asyncio.run(run())
    lateness = Series(
        "expiry lateness at rest",
        [
            (cancelled[order] - datetime.fromisoformat(at).timestamp()) * 1000
            for order, at in due.items()
            if order in cancelled
        ],
    )
    missing = len(due) - len(lateness.latencies_ms)
    report.series.append(lateness)
    report.add(
        f"{lateness.name} (order.cancelled seen - expiresAt, {orders} orders)",
        f"{lat(lateness)}, {missing} not cancelled in time",
        "-",
        "p99 < 150 ms",
        yes_no(lateness.pct(0.99) < 150 and missing == 0),
    )


def figure_propagation(stack: Stack, report: Report, samples: int) -> None:
    async def run() -> tuple[Series, Series, Series]:
        seller, buyer = token(), token()
        tickets = await list_tickets(stack.url, seller, samples * 2)
        await until_replicated(stack.mongo, tickets)
        client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo)
        replicas = client["orders"]["ticket_replicas"]
        stored = client["tickets"]["tickets"]
        updated, reserved = [], []
        async with httpx.AsyncClient(base_url=stack.url, trust_env=False, timeout=30) as http:
            for ticket in tickets[:samples]:
                answer = await http.put(
                    f"/api/tickets/{ticket}",
                    json={"title": "Moved", "price": 11},
                    headers={"cookie": f"session={seller}"},
                )
                answered = time.perf_counter()
                version = answer.json()["version"]
                while not await replicas.find_one({"_id": ObjectId(ticket), "version": version}):
                    pass
                updated.append((time.perf_counter() - answered) * 1000)
            for ticket in tickets[samples:]:
                answer = await http.post(
                    "/api/orders", json={"ticketId": ticket}, headers={"cookie": f"session={buyer}"}
                )
                answered = time.perf_counter()
                order = answer.json()["id"]
                while not await stored.find_one({"_id": ObjectId(ticket), "order_id": order}):
                    pass
                reserved.append((time.perf_counter() - answered) * 1000)
        await client.close()
        return (
            Series("ticket updated -> orders' replica", updated),
            Series("order created -> ticket reserved", reserved),
            await _jetstream_round_trip(stack.nats, samples * 2),
        )

    updated, reserved, bare = asyncio.run(run())
    report.series.extend([updated, reserved, bare])
    report.add(bare.name, lat(bare), "-", "-", "-")
    for series in (updated, reserved):
        ok = series.pct(0.5) < 10 and series.pct(0.99) < 50
        report.add(
            series.name,
            lat(series),
            f"{series.pct(0.5) / bare.pct(0.5):.0f}x bare p50",
            "p50 < 10 ms, p99 < 50 ms",
            yes_no(ok),
        )


async def _jetstream_round_trip(nats_url: str, samples: int) -> Series:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    name = f"BENCH{time.time_ns()}"
    await js.add_stream(StreamConfig(name=name, subjects=[f"{name.lower()}.>"]))
    subject = f"{name.lower()}.ping"
    sub = await js.pull_subscribe(subject, durable="bench", config=ConsumerConfig(ack_wait=30))
    times = []
    for _ in range(samples):
        sent = time.perf_counter()
        await js.publish(subject, b"{}")
        (msg,) = await sub.fetch(1, timeout=5)
        await msg.ack()
        times.append((time.perf_counter() - sent) * 1000)
    await js.delete_stream(name)
    await nc.close()
    return Series("bare JetStream publish -> consume", times)


def figure_rss(stack: Stack, report: Report, at_rest: dict[str, int]) -> None:
    services = ("auth", "tickets", "orders", "payments", "expiration", "contact", "client")
    ours = {n: kib for n, kib in at_rest.items() if n.split("#")[0] in services}
    worst = max(ours.values()) / 1024 if ours else 0
    rest = ", ".join(f"{n} {kib / 1024:.0f}" for n, kib in sorted(at_rest.items()))
    peak = ", ".join(f"{n} {kib / 1024:.0f}" for n, kib in sorted(stack.rss.peak.items()))
    report.add(
        "RSS at rest (MB)",
        f"{rest}; stack {sum(at_rest.values()) / 1024:.0f}",
        "-",
        "each service < 120 MB",
        yes_no(worst < 120),
    )
    report.add(
        "RSS peak under load (MB)",
        f"{peak}; stack {sum(stack.rss.peak.values()) / 1024:.0f}",
        "-",
        "-",
        "-",
    )


# --- output ----------------------------------------------------------------------------------


def machine() -> str:
    memory = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    load1, load5, _ = os.getloadavg()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}, {os.cpu_count()} cores,"
        f" {int(memory) / 1024 / 1024:.1f} GiB memory, Python {platform.python_version()},"
        f" load average {load1:.1f} / {load5:.1f} at the end"
    )


def write(report: Report, users: int, seconds: float) -> None:
    lines = [
        "# Benchmark: latest run",
        "",
        machine(),
        "",
        f"Load: {users} virtual users, 2 rounds x {seconds:g} s per GET figure, alternating.",
        "",
        "| figure | result | baseline in the same run | target | |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {' | '.join(row)} |" for row in report.rows),
        "",
        *report.notes,
        "",
        "![latency distributions](latest.png)",
        "",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text("\n".join(lines))
    print("\n".join(lines))
    plot(report.series, RESULTS / "latest.png")


def plot(series: list[Series], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [s for s in series if s.latencies_ms]
    figure, axes = plt.subplots(figsize=(10, 0.5 * len(shown) + 1.5))
    axes.boxplot(
        [[max(ms, 0.01) for ms in s.latencies_ms] for s in shown],
        orientation="horizontal",
        whis=(1, 99),
        showfliers=False,
    )
    axes.set_yticks(range(1, len(shown) + 1), [s.name for s in shown])
    axes.set_xscale("log")
    axes.set_xlabel("latency, ms (box: p25-p75, line: p50, whiskers: p1-p99)")
    axes.invert_yaxis()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    report = Report()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="zombilet-bench-") as folder:
        root = Path(folder)
        print("one replica of each service", flush=True)
        stack = Stack(root)
        try:
            time.sleep(1.0)  # settled, then at rest
            at_rest = stack.rss.now()
            with hello_server() as hello:
                figure_get(stack, hello, report, args.users, args.seconds)
            figure_post(stack, report, args.users, args.seconds)
            figure_propagation(stack, report, args.samples)
            figure_expiry(stack, report, 30)
            one = figure_race(stack, report, "1 replica", args.buyers, args.tickets)
            # The same race without the gateway, to tell its share from orders'.
            direct = f"http://127.0.0.1:{stack.ports['orders'][0]}/api/orders"
            straight = figure_race(
                stack, report, "1 replica, straight to orders", args.buyers, args.tickets, direct
            )
            figure_rss(stack, report, at_rest)
        finally:
            stack.close()
        cold = stack.ready_seconds
        print("two replicas of orders and tickets", flush=True)
        stack = Stack(root, replicas="orders=2,tickets=2")
        try:
            two = figure_race(
                stack, report, "2 replicas of orders and tickets", args.buyers, args.tickets
            )
        finally:
            stack.close()
        warm = stack.ready_seconds
    # The race's winners lapse while the race still runs: expiry behind a saturated orders.
    races = (one, straight, two)
    lateness = Series(
        "expiry lateness during the races", [ms for r in races for ms in r["lateness"]]
    )
    report.series.append(lateness)
    missing = sum(r["missing"] for r in races)
    report.add(lateness.name, f"{lat(lateness)}, {missing} not cancelled in time", "-", "-", "-")
    report.add(
        "race throughput, 2 replicas vs 1", f"{two['rate'] / one['rate']:.2f}x", "-", "-", "-"
    )
    report.add(
        "start to ready",
        f"cold {cold:.1f} s (a fresh data folder); warm {warm:.1f} s (the same folder again,"
        " with the two extra processes)",
        "-",
        "-",
        "-",
    )
    report.notes.append(f"The whole bench took {time.perf_counter() - began:.0f} s.")
    write(report, args.users, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
