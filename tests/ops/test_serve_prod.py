"""`make serve-prod` (scripts/serve_prod.py): refuses what production must not run with, and
otherwise runs gunicorn with several workers, the task worker and the sweeper, answers
/healthz, serves hashed static files through WhiteNoise, writes JSON log lines with the
request id, and stops everything on SIGTERM. On PostgreSQL with --postgres, else on a
SQLite file (ALLOW_SQLITE_IN_PRODUCTION=1)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from tests.conftest import REPO

pytestmark = pytest.mark.slow
SCRIPT = str(REPO / "scripts" / "serve_prod.py")
SECRET = "serve-prod-test-secret-Zt7mW4pXr9LbN3cY6hJf1sDgA5eUo0iKqTvB"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}}
    env.update({"CIVICDESK_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "config.settings", **extra})
    return env


def test_it_refuses_to_start_without_a_database_url(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, SCRIPT], env=base_env(tmp_path, SECRET_KEY=SECRET), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "DATABASE_URL is not set. Production runs on PostgreSQL" in done.stdout


def test_it_refuses_sqlite_unless_allowed(tmp_path: Path) -> None:
    env = base_env(tmp_path, SECRET_KEY=SECRET, DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")
    done = subprocess.run([sys.executable, SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "ALLOW_SQLITE_IN_PRODUCTION=1" in done.stdout


def test_it_refuses_the_development_secret_key(tmp_path: Path) -> None:
    env = base_env(tmp_path, ALLOW_SQLITE_IN_PRODUCTION="1")
    done = subprocess.run([sys.executable, SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stdout + done.stderr


@pytest.fixture
def database_url(transactional_db: Any, tmp_path: Path) -> Iterator[str]:
    if connection.vendor == "postgresql":
        name = f"serveprod_{uuid.uuid4().hex[:10]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path}/prod.sqlite3"


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Host": "311.example.org", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_serve_prod_runs_the_production_shape_and_stops_on_sigterm(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = base_env(
        tmp_path,
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        ALLOW_SQLITE_IN_PRODUCTION="1",
        ALLOWED_HOSTS="311.example.org",
        PORT=str(port),
        WEB_CONCURRENCY="3",
        LOG_FORMAT="json",
        SECURE_COOKIES="0",
    )
    proc = subprocess.Popen(
        [sys.executable, SCRIPT], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, process_group=0
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while not any("serve-prod: ready" in line for line in lines):
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.5)
        assert any("3 web workers" in line for line in lines)

        status, headers, body = get(f"http://127.0.0.1:{port}/healthz", **{"X-Request-ID": "probe-42"})
        assert status == 200 and json.loads(body)["database"] == "ok"
        assert headers["X-Request-ID"] == "probe-42"

        status, _, page = get(f"http://127.0.0.1:{port}/console/login/")
        assert status == 200
        css = re.search(rb'href="(/static/civicdesk/site\.[0-9a-f]{12}\.css)"', page)
        assert css, "the page links the hashed (manifest) name of the stylesheet"
        status, headers, _ = get(f"http://127.0.0.1:{port}{css.group(1).decode()}")
        assert status == 200 and "max-age=315360000" in headers.get("Cache-Control", "")

        # Each gunicorn worker, the task worker and the sweeper are running.
        children = subprocess.run(["ps", "-o", "args=", "--ppid", str(proc.pid)], capture_output=True, text=True).stdout
        assert "gunicorn" in children and "db_worker" in children and "outbox_sweeper" in children

        time.sleep(1)
        logged = [json.loads(line) for line in lines if line.startswith("{")]
        access = [e for e in logged if e.get("logger") == "civicdesk.request" and e.get("request_id") == "probe-42"]
        assert access and access[0]["path"] == "/healthz" and access[0]["status"] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert proc.returncode == 0, "".join(lines[-30:])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "gunicorn still listens after the stop"
