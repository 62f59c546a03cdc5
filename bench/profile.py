"""Where one service spends its time under the bench's load: py-spy on the running process.

Starts the local stack, puts one of the bench's loads on it (`get`: GET a ticket straight from
tickets; `post`: POST tickets through the gateway) and samples the service with py-spy
meanwhile. Prints the functions with the most samples (own time and with callees) and keeps
the collapsed stacks (bench/results/profile-<service>-<load>.txt, for flamegraph tools).

    uv run python bench/profile.py [--service tickets] [--load get] [--seconds 8]
"""

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from run import RESULTS, Stack, drive, list_tickets, token


def service_pid(stack: Stack, service: str) -> int:
    for name, pid in stack.rss.pids().items():
        if name == service:
            return pid
    raise RuntimeError(f"no {service} process under the runner")


def summarise(collapsed: Path, top: int) -> None:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"{samples} samples")
    for title, counter in (("own time", own), ("with callees", total)):
        print(f"\n{title}:")
        for frame, n in counter.most_common(top):
            print(f"{n / samples:6.1%}  {frame}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", action="append", help="tickets unless named; repeatable")
    parser.add_argument("--load", choices=("get", "post"), default="get")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    RESULTS.mkdir(exist_ok=True)
    services = args.service or ["tickets"]
    outs = {name: RESULTS / f"profile-{name}-{args.load}.txt" for name in services}
    with tempfile.TemporaryDirectory(prefix="zombilet-profile-") as folder:
        stack = Stack(Path(folder))
        try:
            if args.load == "get":
                ticket = asyncio.run(list_tickets(stack.url, token(), 1))[0]
                url = f"http://127.0.0.1:{stack.ports['tickets'][0]}/api/tickets/{ticket}"
                job = {"kind": "get", "url": url, "users": args.users}
            else:
                job = {
                    "kind": "post",
                    "url": f"{stack.url}/api/tickets",
                    "users": args.users,
                    "token": token(),
                    "body": {"title": "Profiled", "price": 10},
                }
            drive({**job, "seconds": 1.0})
            recorders = [
                subprocess.Popen(
                    [
                        spy,
                        "record",
                        "--pid",
                        str(service_pid(stack, name)),
                        "--duration",
                        str(int(args.seconds)),
                        "--format",
                        "raw",
                        "--output",
                        str(out),
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                )
                for name, out in outs.items()
            ]
            time.sleep(0.5)
            drive({**job, "seconds": args.seconds + 1})
            for recorder in recorders:
                recorder.wait(60)
        finally:
            stack.close()
    for name, out in outs.items():
        print(f"\n== {name} under {args.load}")
        summarise(out, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
