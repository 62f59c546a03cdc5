"""Expiry jobs on Redis through arq: the only module that knows arq, so it can be replaced.

One job per order, id `expire-<orderId>`, due at the order's `expiresAt`. arq refuses a second
job with an id that is queued or whose result is kept, so a redelivered `order.created` never
schedules twice; results are kept for days so the id stays taken. Jobs live in Redis (with its
append-only file), so they survive a restart of this process and of Redis.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import abort_jobs_ss, job_key_prefix, result_key_prefix, retry_key_prefix
from arq.jobs import Job, JobStatus
from arq.utils import ms_to_datetime, timestamp_ms
from arq.worker import Retry, Worker, func
from redis.exceptions import RedisError

from zombilet_expiration.models import MAX_TRIES, Expiry, JobState, retry_delay

log = logging.getLogger(__name__)

JOB_FUNCTION = "expire_order"
# Results (and so the job ids) are kept for a week, far past any redelivery of the event.
KEEP_RESULTS = timedelta(days=7)
# A job not started this long after it is due is dropped by arq: a week of outage.
KEEP_UNSTARTED = timedelta(days=7)
# The publish waits at most 5 s for JetStream; a job killed mid-run is re-run once its
# in-progress mark (this plus 10 s) has expired.
JOB_TIMEOUT_SECONDS = 15.0
MAX_JOBS = 50
SHUTDOWN_GRACE_SECONDS = 10.0
_ON_DUE = "on_due"

OnDue = Callable[[str], Awaitable[None]]

# Atomically: only a job still in the queue is marked aborted and made due now, so the worker
# records the abort (and keeps the id taken) at once instead of at the order's expiry.
_ABORT_SCRIPT = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
  return 1
end
return 0
"""


class SchedulingFailed(Exception):
    """Redis did not take the job (a dropped connection); the event is redelivered."""


def job_id(order_id: str) -> str:
    return f"expire-{order_id}"


async def expire_order(ctx: dict[str, Any], order_id: str) -> None:
    """The job: hand the order to `on_due` (which publishes and waits for the ack)."""
    on_due: OnDue = ctx[_ON_DUE]
    tries: int = ctx["job_try"]
    try:
        await on_due(order_id)
    except Exception as exc:
        if tries >= MAX_TRIES:
            log.error(
                "expiry given up",
                extra={"order_id": order_id, "tries": tries, "error": repr(exc)},
            )
            raise
        delay = retry_delay(tries)
        log.warning(
            "expiry failed, retrying",
            extra={"order_id": order_id, "tries": tries, "retry_in": delay, "error": repr(exc)},
        )
        raise Retry(defer=delay) from exc


class Scheduler:
    def __init__(self, redis_url: str, *, queue: str, poll_delay: float) -> None:
        self._redis_settings = RedisSettings.from_dsn(redis_url)
        # Our own loop retries the first connection for as long as it takes.
        self._redis_settings.conn_retries = 0
        self._queue = queue
        self._poll_delay = poll_delay
        self._pool: ArqRedis | None = None
        self._worker: Worker | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._orphans: set[asyncio.Task[Any]] = set()
        self._stopping = False

    async def connect(self) -> None:
        """Connect to Redis, retrying until it answers."""
        delay = 0.1
        while True:
            try:
                self._pool = await create_pool(self._redis_settings, default_queue_name=self._queue)
                return
            except (OSError, RedisError, TimeoutError) as exc:
                log.warning("redis not reachable, retrying", extra={"error": repr(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def ping(self) -> bool:
        """Whether Redis answers (for /readyz)."""
        return bool(await self._require_pool().ping())

    async def schedule(self, order_id: str, due: datetime) -> bool:
        """Enqueue the order's job for `due` (at once if past); False when it already exists."""
        pool = self._require_pool()
        jid = job_id(order_id)
        wait = max(due - datetime.now(UTC), timedelta(0))
        job = await pool.enqueue_job(
            JOB_FUNCTION,
            order_id,
            _job_id=jid,
            _queue_name=self._queue,
            _defer_until=due,
            _expires=wait + KEEP_UNSTARTED,
        )
        if job is not None:
            return True
        # arq also answers None when a dropped connection broke its transaction.
        if not await pool.exists(job_key_prefix + jid, result_key_prefix + jid):
            raise SchedulingFailed(order_id)
        return False

    async def abort(self, order_id: str) -> bool:
        """Abort the order's job if it has not finished; False when there was none pending."""
        pool = self._require_pool()
        marked = await pool.eval(  # type: ignore[misc]
            _ABORT_SCRIPT, 2, self._queue, abort_jobs_ss, job_id(order_id), str(timestamp_ms())
        )
        return bool(marked)

    async def describe(self, order_id: str) -> Expiry:
        pool = self._require_pool()
        jid = job_id(order_id)
        job = Job(jid, pool, _queue_name=self._queue)
        result = await job.result_info()
        if result is not None:
            if result.success:
                state = JobState.DONE
            elif isinstance(result.result, asyncio.CancelledError):
                state = JobState.ABORTED
            else:
                state = JobState.FAILED
            return Expiry(order_id, state, None, result.job_try)
        status = await job.status()
        score = await pool.zscore(self._queue, jid)
        tries = int(await pool.get(retry_key_prefix + jid) or 0)
        state = {
            JobStatus.in_progress: JobState.RUNNING,
            JobStatus.deferred: JobState.SCHEDULED,
            JobStatus.queued: JobState.SCHEDULED,
        }.get(status, JobState.UNKNOWN)
        due = None if score is None else ms_to_datetime(int(score)).astimezone(UTC)
        return Expiry(order_id, state, due, tries)

    async def start(self, on_due: OnDue) -> None:
        """Run the worker in this event loop; a worker that fails on Redis is restarted."""
        self._require_pool()
        self._stopping = False
        self._supervisor = asyncio.create_task(self._supervise(on_due), name="expiry-worker")

    async def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Take no new job, give the ones in hand `grace` seconds, put back the rest, close."""
        self._stopping = True
        if self._worker is not None:
            self._worker.allow_pick_jobs = False
        in_hand = self._in_hand()
        if in_hand:
            log.info("finishing expiry jobs in hand", extra={"jobs": len(in_hand)})
            await asyncio.wait(in_hand, timeout=grace)
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        # A cancelled job stays in the queue; the next worker runs it again.
        leftover = self._in_hand()
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)
        if leftover:
            log.info("expiry jobs put back", extra={"jobs": len(leftover)})
        await self._close()

    async def _supervise(self, on_due: OnDue) -> None:
        loop = asyncio.get_running_loop()
        delay = 0.1
        while not self._stopping:
            worker = self._new_worker(on_due)
            self._worker = worker
            started = loop.time()
            try:
                await worker.async_run()
            except Exception:
                log.warning("expiry worker failed, restarting", exc_info=True)
            # Jobs it was running finish on their own; keep them for the shutdown wait.
            for task in worker.tasks.values():
                if not task.done():
                    self._orphans.add(task)
                    task.add_done_callback(self._orphan_done)
            delay = 0.1 if loop.time() - started > 30 else min(delay * 2, 5.0)
            await asyncio.sleep(delay)

    def _new_worker(self, on_due: OnDue) -> Worker:
        return Worker(
            functions=[
                func(
                    expire_order,
                    name=JOB_FUNCTION,
                    max_tries=MAX_TRIES,
                    timeout=JOB_TIMEOUT_SECONDS,
                    keep_result=KEEP_RESULTS,
                )
            ],
            queue_name=self._queue,
            redis_pool=self._require_pool(),
            handle_signals=False,
            poll_delay=self._poll_delay,
            max_jobs=MAX_JOBS,
            keep_result=KEEP_RESULTS,
            allow_abort_jobs=True,
            ctx={_ON_DUE: on_due},
            log_results=False,
        )

    def _in_hand(self) -> list[asyncio.Task[Any]]:
        running = list(self._worker.tasks.values()) if self._worker is not None else []
        return [task for task in {*running, *self._orphans} if not task.done()]

    def _orphan_done(self, task: asyncio.Task[Any]) -> None:
        self._orphans.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning(
                "expiry job of a failed worker ended", extra={"error": repr(task.exception())}
            )

    async def _close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if self._worker is not None:
            with contextlib.suppress(OSError, RedisError):
                await pool.delete(self._worker.health_check_key)
        await pool.aclose(close_connection_pool=True)

    def _require_pool(self) -> ArqRedis:
        if self._pool is None:
            raise RuntimeError("the scheduler is not connected to Redis")
        return self._pool
