"""Structured logs: one JSON line per record on stderr, tagged with the request id."""

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.types import Scope

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being served, for log records."""

_VALID_REQUEST_ID = re.compile(r"[\x20-\x7e]{1,128}")
# Attributes every LogRecord has; anything else on a record came from `extra=`. uvicorn adds
# `color_message`, the same text with terminal colours.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "color_message"}
)
# Servers' loggers that should speak JSON too rather than keep their own format.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def new_request_id() -> str:
    """A fresh random id: 32 hex characters."""
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, service, logger, message, extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES
        )
        if record.exc_info:
            entry["trace"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["trace"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler[TextIO]):
    def emit(self, record: logging.LogRecord) -> None:
        # Whatever sys.stderr is now: test runners swap it after logging is configured.
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(service: str, level: str) -> None:
    """Send every logger's records, the server's included, to stderr as JSON lines."""
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True


def incoming_request_id(scope: Scope) -> str | None:
    """The caller's `X-Request-Id` when it is 1-128 printable ASCII characters."""
    for name, value in scope["headers"]:
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1")
            return text if _VALID_REQUEST_ID.fullmatch(text) else None
    return None
