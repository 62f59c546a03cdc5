"""An order's expiry job as the rest of the service sees it, and its retry policy."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_TRIES = 100
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 60.0


class JobState(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    DONE = "done"
    ABORTED = "aborted"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Expiry:
    """Where one order's expiry job stands."""

    order_id: str
    state: JobState
    due: datetime | None
    tries: int


def retry_delay(tries: int) -> float:
    """After the n-th failed publish: 5 s, doubling, at most 60 s (SPEC.md §9)."""
    return min(FIRST_RETRY_SECONDS * 2.0 ** (tries - 1), MAX_RETRY_SECONDS)
