"""/healthz and /readyz, the request id, and the JSON log lines production writes."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from civicdesk.core.logs import JsonFormatter, RequestIdFilter
from civicdesk.core.middleware import RequestIdMiddleware

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_and_the_outbox(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert {"pending", "sent", "dead", "due", "stale_claims"} <= set(body["outbox"])
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_cannot_be_reached(client: Client, monkeypatch: Any) -> None:
    from django.db import OperationalError

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("could not connect to server: Connection refused")

    # The database driver's own failure, as a stopped server gives it; our code is not mocked.
    monkeypatch.setattr(connection, "cursor", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_readyz_is_ok_when_every_migration_is_applied(client: Client) -> None:
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}


def test_a_request_id_is_taken_from_the_caller_or_made_and_returned(client: Client) -> None:
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234.abc").headers["X-Request-ID"] == "lb-1234.abc"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline").headers["X-Request-ID"]
    assert len(made) == 32 and "\n" not in made


def test_each_request_is_logged_as_one_json_line_with_its_id(client: Client, settings: Any) -> None:
    settings.LOG_REQUESTS = True
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("civicdesk.request")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        response = client.get("/healthz", HTTP_X_REQUEST_ID="trace-77")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    (line,) = records
    entry = json.loads(line)
    assert entry["request_id"] == "trace-77"
    assert entry["path"] == "/healthz" and entry["status"] == 200 and entry["method"] == "GET"
    assert entry["level"] == "INFO" and entry["logger"] == "civicdesk.request"
    assert isinstance(entry["duration_ms"], float)
    # The same duration goes back to the caller, as the browser's developer tools read it.
    assert response.headers["Server-Timing"] == f"app;dur={entry['duration_ms']}"
    assert entry["timestamp"].endswith("+00:00")
    assert RequestIdMiddleware  # the middleware under test is the one in settings.MIDDLEWARE


def test_server_timing_can_be_turned_off(client: Client, settings: Any) -> None:
    assert client.get("/healthz").headers["Server-Timing"].startswith("app;dur=")
    settings.SERVER_TIMING = False
    assert "Server-Timing" not in client.get("/healthz").headers
