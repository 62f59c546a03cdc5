"""The job itself: publish `expiration.completed` and wait for the ack; on failure retry after
5 s doubling to 60 s, and give up (at ERROR) after 100 tries (SPEC.md §9)."""

import json
import logging

import pytest
from arq.worker import Retry

from zombilet_common.testing.messages import RecordingPublisher
from zombilet_expiration.models import MAX_TRIES, retry_delay
from zombilet_expiration.scheduler import expire_order, job_id
from zombilet_expiration.service import ExpirationService

ORDER = "0123456789abcdef01234567"


async def test_the_job_publishes_expiration_completed_with_its_message_id() -> None:
    publisher = RecordingPublisher()
    service = ExpirationService(None, publisher)  # type: ignore[arg-type]

    await expire_order({"on_due": service.expire, "job_try": 1}, ORDER)

    ((subject, msg_id, data),) = publisher.published
    assert (subject, msg_id) == ("expiration.completed", f"expiration.completed:{ORDER}")
    assert json.loads(data) == {"orderId": ORDER}


def test_job_ids_are_one_per_order() -> None:
    assert job_id(ORDER) == f"expire-{ORDER}"


@pytest.mark.parametrize(
    ("tries", "delay"), [(1, 5), (2, 10), (3, 20), (4, 40), (5, 60), (6, 60), (99, 60)]
)
def test_retry_delay_doubles_from_5_s_to_60_s(tries: int, delay: float) -> None:
    assert retry_delay(tries) == delay


async def _failing(order_id: str) -> None:
    raise TimeoutError("no ack from JetStream")


@pytest.mark.parametrize(("tries", "defer_ms"), [(1, 5000), (3, 20000), (99, 60000)])
async def test_a_failed_publish_is_retried_later(tries: int, defer_ms: int) -> None:
    with pytest.raises(Retry) as retry:
        await expire_order({"on_due": _failing, "job_try": tries}, ORDER)
    assert retry.value.defer_score == defer_ms


async def test_the_last_try_gives_up_at_error(caplog) -> None:
    caplog.set_level(logging.INFO, logger="zombilet_expiration.scheduler")
    with pytest.raises(TimeoutError):
        await expire_order({"on_due": _failing, "job_try": MAX_TRIES}, ORDER)
    (record,) = [r for r in caplog.records if r.name == "zombilet_expiration.scheduler"]
    assert (record.levelname, record.getMessage(), record.order_id) == (
        "ERROR",
        "expiry given up",
        ORDER,
    )
