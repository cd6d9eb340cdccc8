"""`pytest --postgres` cleans up after itself: the cluster stops and its directory goes, even
when pytest is killed outright."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

INNER_TEST = """
import os, time
import pytest
from django.db import connection

@pytest.mark.django_db
def test_inner():
    assert connection.vendor == "postgresql"
    print("CLUSTER", os.environ["CIVICDESK_TEST_PG_DIR"], os.environ["DATABASE_URL"].rsplit(":", 1)[1].split("/")[0], flush=True)
    time.sleep(float(os.environ.get("INNER_SLEEP", "0")))
"""


def start_inner_run(tmp_path: Path, sleep: float) -> subprocess.Popen[str]:
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CIVICDESK_TEST_PG_DIR"}}
    env["INNER_SLEEP"] = str(sleep)
    env.pop("PYTEST_XDIST_WORKER", None)
    config = ["--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml")]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tmp_path / "test_inner.py"),
            "--postgres",
            "-p",
            "no:xdist",
            "-s",
            *config,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def cluster_line(proc: subprocess.Popen[str]) -> tuple[Path, int]:
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "CLUSTER " in line:
            directory, port = line.split("CLUSTER ", 1)[1].split()[:2]
            return Path(directory), int(port)
    raise AssertionError("the inner run never reached its test:\n" + "".join(seen))


def is_listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until_gone(directory: Path, port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (directory.exists() or is_listening(port)):
        time.sleep(0.2)
    assert not directory.exists(), f"{directory} is still there"
    assert not is_listening(port), f"PostgreSQL still listens on port {port}"


def test_a_postgres_run_stops_its_cluster_and_deletes_its_directory(tmp_path: Path) -> None:
    proc = start_inner_run(tmp_path, sleep=0)
    directory, port = cluster_line(proc)
    assert proc.wait(timeout=120) == 0
    wait_until_gone(directory, port, seconds=5)


def test_a_killed_postgres_run_still_leaves_nothing_behind(tmp_path: Path) -> None:
    proc = start_inner_run(tmp_path, sleep=60)
    directory, port = cluster_line(proc)
    assert directory.is_dir() and is_listening(port)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    wait_until_gone(directory, port)
