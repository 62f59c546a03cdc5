"""What a listener answers for one message."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Ack:
    """Handled, or a duplicate of something already handled."""


@dataclass(frozen=True)
class Nak:
    """Not now: redeliver after `delay` seconds, or after the back-off when `delay` is None."""

    delay: float | None = None


@dataclass(frozen=True)
class NotYet:
    """Something the event needs has not arrived (its replica is behind, its moment has not
    come): redeliver after `delay` seconds, or after the back-off when `delay` is None.

    Use cases return it and listeners pass it on, so the retry path reads in the listener.
    """

    reason: str = "not yet"
    delay: float | None = None


Answer = Ack | Nak | NotYet
"""What a listener answers for one message."""


MAX_NAK_DELAY = 30.0


def backoff(num_delivered: int) -> float:
    """min(0.25 s × 2^(n−1), 30 s) for the n-th delivery (SPEC.md §8.1)."""
    return min(0.25 * 2.0 ** max(num_delivered - 1, 0), MAX_NAK_DELAY)
