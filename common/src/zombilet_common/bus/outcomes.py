"""What a listener answers for one message."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Ack:
    """Handled, or a duplicate of something already handled."""


@dataclass(frozen=True)
class Nak:
    """Not now: redeliver after `delay` seconds, or after the back-off when `delay` is None."""

    delay: float | None = None


class NotYet(Exception):
    """Raised from a use case when something it needs has not arrived (the replica is behind)."""

    def __init__(self, reason: str = "not yet", *, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


MAX_NAK_DELAY = 30.0


def backoff(num_delivered: int) -> float:
    """min(0.25 s × 2^(n−1), 30 s) for the n-th delivery (SPEC.md §8.1)."""
    return min(0.25 * 2.0 ** max(num_delivered - 1, 0), MAX_NAK_DELAY)
