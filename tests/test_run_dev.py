"""`make run`'s supervisor (scripts/run_dev.py): the site answers while the web server, the task
worker and the outbox sweeper run; Ctrl-C stops all three; if one dies, the rest stop and the
run fails."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children_of(pid: int) -> dict[int, str]:
    """Live child processes of pid, with their command lines."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            if int(fields["PPid"]) == pid and not fields["State"].startswith("Z"):
                cmdline = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found[int(status.parent.name)] = cmdline
        except (OSError, KeyError, ValueError):
            continue
    return found


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


@pytest.fixture
def run_dev(tmp_path: Path):
    started: list[subprocess.Popen[str]] = []
    output: dict[int, list[str]] = {}

    def start() -> tuple[subprocess.Popen[str], list[str]]:
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CIVICDESK_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
            "SKIP_DEMO": "1",
            "PORT": str(port),
        }
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "scripts" / "run_dev.py")],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(proc)
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True).start()
        output[proc.pid] = lines
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120
        while not any(f"civicdesk is running at {url}" in line for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        return proc, lines

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def said(output: list[str], text: str) -> bool:
    """Whether the output has the text, once the reader has caught up with a finished process."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if text in "".join(output):
            return True
        time.sleep(0.1)
    return False


def wait_for_three_children(pid: int) -> dict[int, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        kids = children_of(pid)
        if len(kids) == 3:
            return kids
        time.sleep(0.2)
    raise AssertionError(f"expected three processes, found {children_of(pid)}")


def test_make_run_serves_the_site_and_ctrl_c_stops_all_three_processes(run_dev) -> None:
    proc, output = run_dev()
    kids = wait_for_three_children(proc.pid)
    assert sorted(
        name for cmd in kids.values() for name in ("runserver", "db_worker", "outbox_sweeper") if name in cmd
    ) == [
        "db_worker",
        "outbox_sweeper",
        "runserver",
    ]

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert said(output, "run: stopping")
    assert not [pid for pid in kids if is_alive(pid)]


def test_when_one_process_dies_the_others_stop_and_the_run_fails(run_dev) -> None:
    proc, output = run_dev()
    kids = wait_for_three_children(proc.pid)
    worker = next(pid for pid, cmd in kids.items() if "db_worker" in cmd)

    os.kill(worker, signal.SIGKILL)
    assert proc.wait(timeout=30) == 1
    assert said(output, "worker stopped unexpectedly")
    assert not [pid for pid in kids if is_alive(pid)]
