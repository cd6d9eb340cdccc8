"""With LOG_FORMAT=json every line `make serve-prod` writes is one JSON object: gunicorn's own
(starting, each worker booting and exiting, timeouts, its access log), the application's,
migrate's output and the supervisor's messages. Without it, gunicorn's lines are its own."""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import Config

from civicdesk.core.gunicorn_logging import Logger
from tests.ops.prod_server import HOST, SECRET, ServeProd, base_env


@pytest.fixture
def gunicorn_logger(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """gunicorn's logger as gunicorn makes it (error log on "-"), taken off the shared loggers after."""

    def make(log_format: str) -> Logger:
        monkeypatch.setenv("LOG_FORMAT", log_format)
        cfg = Config()
        cfg.set("errorlog", "-")
        cfg.set("loglevel", "info")
        return Logger(cfg)

    yield make
    for name in ("gunicorn.error", "gunicorn.access"):
        log = logging.getLogger(name)
        for handler in [h for h in log.handlers if getattr(h, "_gunicorn", False)]:
            log.removeHandler(handler)


def test_a_worker_timeout_is_one_json_line_on_stdout_naming_the_worker(
    gunicorn_logger: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    log = gunicorn_logger("json")
    log.critical("WORKER TIMEOUT (pid:%s)", 4242)
    out, err = capsys.readouterr()
    assert err == ""
    (line,) = out.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "CRITICAL" and entry["logger"] == "gunicorn.error"
    assert entry["message"] == "WORKER TIMEOUT (pid:4242)"
    assert entry["pid"] == os.getpid() and entry["timestamp"].endswith("+00:00")


def test_a_traceback_gunicorn_logs_stays_inside_its_json_line(
    gunicorn_logger: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    log = gunicorn_logger("json")
    try:
        raise RuntimeError("worker failed to boot")
    except RuntimeError:
        log.exception("Exception in worker process")
    (line,) = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and "RuntimeError: worker failed to boot" in entry["exception"]


def test_without_json_gunicorn_writes_its_own_lines_to_stderr(
    gunicorn_logger: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    log = gunicorn_logger("plain")
    log.critical("WORKER TIMEOUT (pid:%s)", 4242)
    out, err = capsys.readouterr()
    assert out == ""
    assert "[CRITICAL] WORKER TIMEOUT (pid:4242)" in err and not err.startswith("{")


def get(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers={"Host": HOST, **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.slow
def test_every_line_serve_prod_writes_is_json_gunicorn_s_included(database_url: str, tmp_path: Path) -> None:
    env = base_env(
        tmp_path,
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        ALLOW_SQLITE_IN_PRODUCTION="1",
        ALLOWED_HOSTS=HOST,
        WEB_CONCURRENCY="2",
        LOG_FORMAT="json",
        GUNICORN_ACCESS_LOG="1",
        SECURE_COOKIES="0",
    )
    with ServeProd(env) as server:
        assert get(f"http://127.0.0.1:{server.port}/healthz", **{"X-Request-ID": "json-probe-1"}) == 200
        assert get(f"http://127.0.0.1:{server.port}/no-such-page/", **{"X-Request-ID": "json-probe-2"}) == 404
        time.sleep(1)
        workers = {p.pid for p in server.processes() if p.name == "gunicorn worker"}
    assert server.returncode == 0, server.output(30)

    # stdout and stderr of the supervisor and every child, from migrate to the last exit.
    lines = [line for line in server.lines if line.strip()]
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"a line that is not JSON: {line!r}")
    assert all({"timestamp", "level", "logger", "message", "request_id"} <= set(e) for e in entries)

    def by(logger: str) -> list[dict[str, Any]]:
        return [e for e in entries if e["logger"] == logger]

    booted = [e for e in by("gunicorn.error") if e["message"].startswith("Booting worker with pid")]
    assert len(workers) == 2 and {e["pid"] for e in booted} >= workers
    assert any(e["message"].startswith("Listening at: http://127.0.0.1:") for e in by("gunicorn.error"))
    assert any(e["message"].startswith("Worker exiting") for e in by("gunicorn.error"))

    (access,) = [e for e in by("gunicorn.access") if e["request_id"] == "json-probe-1"]
    assert access["method"] == "GET" and access["path"] == "/healthz" and access["status"] == 200
    assert isinstance(access["duration_ms"], float) and access["bytes"] > 0
    (missing,) = [e for e in by("gunicorn.access") if e["request_id"] == "json-probe-2"]
    assert missing["status"] == 404
    # The application's own line for the same request carries the same id.
    assert [e["status"] for e in by("civicdesk.request") if e["request_id"] == "json-probe-1"] == [200]

    said = [e["message"] for e in by("civicdesk.serve_prod")]
    assert "== migrate" in said and any(m.startswith("serve-prod: ready on") for m in said)
    assert any(m.startswith("Applying ") and m.endswith("... OK") for m in (s.strip() for s in said))
    # honcho's own lines are JSON too.
    assert "web.1 started" in " ".join(said) and "SIGTERM received" in said
    assert "serve-prod: stopped" in said
