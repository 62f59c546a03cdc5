"""The load, from a process of its own so that its work is not the measured stack's or the
bench's: `python bench/driver.py` reads one JSON job on stdin and prints one JSON result on stdout.

Jobs (each with a fixed number of virtual users, each user sending its next request as soon as
the last is answered, as `wrk -c <users>` does):

- `get`: `GET url` for `seconds`. A lean HTTP/1.1 keep-alive loop on asyncio streams rather than
  httpx: at a few thousand requests a second on two cores httpx's own cost per request would be
  what is measured, and the bare baseline would be capped by it.
- `post`: `POST url` with a JSON body and a session cookie for `seconds`, through httpx.
- `race`: every buyer (a session token each) sends one `POST url` with its ticket at once (or
  `concurrency` at a time).
- `insert`: the store's raw `insert_one` rate from one client, one insert after another.
"""

import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from pymongo import AsyncMongoClient


async def _get_user(host: str, port: int, path: str, until: float, out: dict[str, Any]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    latencies: list[float] = out["latencies_ms"]
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - start) * 1000)
            if head.split(b" ", 2)[1] != b"200":
                out["errors"] += 1
    finally:
        writer.close()
        await writer.wait_closed()


async def get(job: dict[str, Any]) -> dict[str, Any]:
    parts = urlsplit(job["url"])
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"{job['url']} names no host and port")
    out: dict[str, Any] = {"latencies_ms": [], "errors": 0}
    start = time.perf_counter()
    until = start + job["seconds"]
    await asyncio.gather(
        *(
            _get_user(parts.hostname, parts.port, parts.path, until, out)
            for _ in range(job["users"])
        )
    )
    out["seconds"] = time.perf_counter() - start
    return out


async def post(job: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"latencies_ms": [], "errors": 0}
    limits = httpx.Limits(max_connections=job["users"], max_keepalive_connections=job["users"])
    headers = {"cookie": f"session={job['token']}"}
    async with httpx.AsyncClient(limits=limits, trust_env=False, timeout=30) as client:
        start = time.perf_counter()
        until = start + job["seconds"]

        async def user() -> None:
            while time.perf_counter() < until:
                sent = time.perf_counter()
                answer = await client.post(job["url"], json=job["body"], headers=headers)
                out["latencies_ms"].append((time.perf_counter() - sent) * 1000)
                if answer.status_code != 201:
                    out["errors"] += 1

        await asyncio.gather(*(user() for _ in range(job["users"])))
        out["seconds"] = time.perf_counter() - start
    return out


async def race(job: dict[str, Any]) -> dict[str, Any]:
    buyers: list[tuple[str, str]] = job["buyers"]  # (token, ticket id)
    limits = httpx.Limits(max_connections=len(buyers), max_keepalive_connections=len(buyers))
    timeout = httpx.Timeout(60, pool=60)
    answers: list[dict[str, Any]] = []
    gate = asyncio.Semaphore(job.get("concurrency") or len(buyers))
    async with httpx.AsyncClient(limits=limits, trust_env=False, timeout=timeout) as client:
        start = time.perf_counter()

        async def buy(token: str, ticket: str) -> None:
            async with gate:
                await buy_now(token, ticket)

        async def buy_now(token: str, ticket: str) -> None:
            sent = time.perf_counter()
            try:
                answer = await client.post(
                    job["url"], json={"ticketId": ticket}, headers={"cookie": f"session={token}"}
                )
            except httpx.HTTPError as exc:
                answers.append({"status": 0, "ticket": ticket, "error": type(exc).__name__})
                return
            entry: dict[str, Any] = {
                "status": answer.status_code,
                "ticket": ticket,
                "ms": (time.perf_counter() - sent) * 1000,
            }
            if answer.status_code == 201:
                body = answer.json()
                entry.update(order=body["id"], expiresAt=body["expiresAt"])
            answers.append(entry)

        await asyncio.gather(*(buy(token, ticket) for token, ticket in buyers))
        seconds = time.perf_counter() - start
    return {"answers": answers, "seconds": seconds}


async def insert(job: dict[str, Any]) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(job["uri"])
    try:
        collection = client["bench"]["raw_inserts"]
        await collection.insert_one({"warm": True})
        latencies: list[float] = []
        start = time.perf_counter()
        until = start + job["seconds"]
        while time.perf_counter() < until:
            sent = time.perf_counter()
            await collection.insert_one({"title": "Bench", "price": 10, "user_id": "u" * 24})
            latencies.append((time.perf_counter() - sent) * 1000)
        return {"latencies_ms": latencies, "errors": 0, "seconds": time.perf_counter() - start}
    finally:
        await client.close()


JOBS = {"get": get, "post": post, "race": race, "insert": insert}


def main() -> None:
    job = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(JOBS[job["kind"]](job))))


if __name__ == "__main__":
    main()
