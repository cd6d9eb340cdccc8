"""Structured logs: one JSON object per line on standard output (``LOG_FORMAT=json``).

A log collector (journald, a container runtime, Loki, CloudWatch) reads each line as one
event, so an operator can search by request id, path or status without parsing free text.
The request id comes from :mod:`civicdesk.core.middleware`, which puts it in a context
variable for every log line written while the request is handled.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from typing import Any

# The id of the request being handled in this thread or task; "-" outside requests.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("civicdesk_request_id", default="-")

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged too.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record, so plain and JSON formats can both show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: timestamp (UTC, ISO 8601), level, logger,
    message, request_id, then any ``extra`` fields (path, method, status, duration_ms…)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
