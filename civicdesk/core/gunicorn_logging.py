"""gunicorn's own log lines in civicdesk's format: ``--logger-class civicdesk.core.gunicorn_logging.Logger``.

gunicorn writes its error log (starting, listening, each worker booting and exiting, worker
timeouts, a worker killed for memory) and, when enabled, its access log with handlers of its
own, before and beside Django's ``LOGGING``. With ``LOG_FORMAT=json`` this logger gives those
handlers civicdesk's :class:`~civicdesk.core.logs.JsonFormatter` and standard output, so a log
collector reads gunicorn's lines like the application's: one JSON object per line, with the
worker's ``pid``, and for an access line ``method``, ``path``, ``status``, ``bytes``,
``duration_ms`` and the response's ``request_id``. With any other LOG_FORMAT it is gunicorn's
own logger, unchanged.

gunicorn loads this class in its master process before the application: it imports nothing
of Django.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

from civicdesk.core.logs import JsonFormatter


def json_logs() -> bool:
    """Whether LOG_FORMAT asks for JSON lines (the variable config/settings.py reads)."""
    return os.environ.get("LOG_FORMAT", "") == "json"


class _Pid(logging.Filter):
    """Names the process on each line: which worker booted, exited or timed out."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.pid = record.process
        return True


class Logger(GunicornLogger):  # type: ignore[misc]
    """gunicorn's logger; with LOG_FORMAT=json its lines are civicdesk's JSON lines on stdout."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not json_logs():
            return
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
                if not any(isinstance(f, _Pid) for f in handler.filters):
                    handler.addFilter(_Pid())
                # Django's JSON lines go to standard output (config/settings.py): so do these.
                if type(handler) is logging.StreamHandler and handler.stream is sys.stderr:
                    handler.setStream(sys.stdout)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: dt.timedelta) -> None:
        """One access line; as JSON, the request's parts as fields instead of Apache's text."""
        if not json_logs():
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        headers = {str(name).lower(): value for name, value in (resp.headers or [])}
        method, path = environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", "")
        self.access_log.info(
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "method": method,
                "path": path,
                "status": int(status) if status.isdigit() else status,
                "bytes": getattr(resp, "sent", None),
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                # The id our middleware gave the request (the caller's X-Request-ID or a new one).
                "request_id": headers.get("x-request-id") or environ.get("HTTP_X_REQUEST_ID") or "-",
            },
        )
