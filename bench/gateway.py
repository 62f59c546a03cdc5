"""What the gateway costs: `GET /api/tickets/<id>` through Envoy against straight to the tickets
service, in the same run, on the same ticket.

Starts `zombilet-up` on a temporary data folder, lists one ticket, then alternates rounds of
load on the two URLs. The load comes from a separate process: a fixed number of virtual users,
each with one keep-alive connection, sending the next request as soon as the last one is
answered (as `wrk -c <users>` does). Prints requests per second and latency; asserts nothing.

    uv run python bench/gateway.py [--users 32] [--seconds 5] [--rounds 2]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from zombilet_local.handle import StackProcess, running_stack, stack_env


@dataclass(frozen=True)
class Round:
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def drive(url: str, users: int, seconds: float) -> Round:
    """One round of load from a process of its own (bench/driver.py), so the driver's work is
    not the caller's."""
    job = {"kind": "get", "url": url, "users": users, "seconds": seconds}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("driver.py"))],
        input=json.dumps(job),
        check=True,
        capture_output=True,
        text=True,
    )
    found = json.loads(done.stdout)
    if found["errors"]:
        raise RuntimeError(f"{url}: {found['errors']} answers were not 200")
    return Round(len(found["latencies_ms"]), found["seconds"], found["latencies_ms"])


def tickets_port(stack: StackProcess) -> int:
    """Where the tickets service listens, as the runner told Envoy."""
    config = json.loads((stack.data_dir / "envoy" / "envoy.json").read_text())
    cluster = next(c for c in config["static_resources"]["clusters"] if c["name"] == "tickets")
    endpoint = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
    return int(endpoint["address"]["socket_address"]["port_value"])


def listed_ticket(gateway: str) -> str:
    with httpx.Client(base_url=gateway, trust_env=False, timeout=30) as client:
        body = {"email": f"bench-{time.time_ns()}@example.com", "password": "password1"}
        client.post("/api/users/signup", json=body).raise_for_status()
        created = client.post("/api/tickets", json={"title": "Bench", "price": 10})
        created.raise_for_status()
        return str(created.json()["id"])


def row(name: str, rounds: list[Round]) -> str:
    latencies = sorted(ms for r in rounds for ms in r.latencies_ms)
    p99 = latencies[max(int(len(latencies) * 0.99) - 1, 0)]
    rate = sum(r.requests for r in rounds) / sum(r.seconds for r in rounds)
    return f"{name:<24}{rate:>10.0f}{statistics.median(latencies):>10.1f}{p99:>10.1f}"


def measure(stack: StackProcess, users: int, seconds: float, rounds: int) -> None:
    ticket = listed_ticket(stack.url)
    path = f"/api/tickets/{ticket}"
    urls = {
        "through the gateway": f"{stack.url}{path}",
        "straight to tickets": f"http://127.0.0.1:{tickets_port(stack)}{path}",
    }
    for url in urls.values():
        drive(url, users, 1.0)  # warm-up: connections, caches
    results: dict[str, list[Round]] = {name: [] for name in urls}
    # Alternating rounds, so a slow moment of the machine falls on both sides.
    for _ in range(rounds):
        for name, url in urls.items():
            results[name].append(drive(url, users, seconds))
    print(f"GET {path}, {users} virtual users, {rounds} x {seconds:g} s each")
    print(f"{'':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, measured in results.items():
        print(row(name, measured))
    gateway, direct = (sum(r.rate for r in results[name]) / len(results[name]) for name in urls)
    print(f"the gateway keeps {gateway / direct:.0%} of the direct rate")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="zombilet-bench-") as root,
        running_stack(stack_env(Path(root) / "data"), Path(root)) as stack,
    ):
        measure(stack, args.users, args.seconds, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
