"""Read last: the gateway saw no 5xx in the whole fault suite but those provoked on purpose."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PROVOKED = "provoked-"


def test_no_unprovoked_5xx_reached_the_gateway(access_logs: list[Path]) -> None:
    if not access_logs:
        pytest.skip("no stack of the fault suite ran in this session")
    requests = [json.loads(line) for log in access_logs for line in log.read_text().splitlines()]
    assert requests, access_logs
    failed = [
        request
        for request in requests
        if request["status"] >= 500 and not str(request["request_id"]).startswith(PROVOKED)
    ]
    assert failed == []
