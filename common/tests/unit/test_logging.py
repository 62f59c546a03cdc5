"""JSON log lines on stderr, tagged with the request id."""

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from zombilet_common.logging import configure_logging, new_request_id, request_id_var


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("orders", "info")

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines()]

    yield read
    root.handlers[:] = handlers
    root.setLevel(level)


def test_record_is_one_json_line_with_its_extras(logs: Any) -> None:
    logging.getLogger("zombilet_orders.service").info(
        "Order placed", extra={"order_id": "o1", "price": 2.5}
    )
    [line] = logs()
    assert set(line) == {"time", "level", "service", "logger", "message", "order_id", "price"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert (line["level"], line["service"], line["message"]) == ("INFO", "orders", "Order placed")
    assert (line["logger"], line["order_id"], line["price"]) == (
        "zombilet_orders.service",
        "o1",
        2.5,
    )


def test_request_id_and_trace_are_added_when_known(logs: Any) -> None:
    token = request_id_var.set("req-1")
    try:
        raise KeyError("missing")
    except KeyError:
        logging.getLogger("x").exception("Failed")
    finally:
        request_id_var.reset(token)
    [line] = logs()
    assert line["request_id"] == "req-1"
    assert "KeyError: 'missing'" in line["trace"]


def test_level_filters_records(logs: Any) -> None:
    logging.getLogger("x").debug("hidden")
    assert logs() == []


def test_new_request_ids_are_32_hex_and_fresh() -> None:
    first, second = new_request_id(), new_request_id()
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second
