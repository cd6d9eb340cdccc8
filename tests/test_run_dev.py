"""`make run` (scripts/run_dev.py, the Procfile run by honcho): the site answers while the web
server, the task worker and the outbox sweeper run; Ctrl-C (or SIGHUP) stops all three; if one
dies, the rest stop and the run fails; a run killed outright leaves nothing running; the links
the processes write point at the run's port."""

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


def descendants_of(pid: int) -> dict[int, str]:
    """Live processes under pid (children, their children, …), with their command lines."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            if fields["State"].startswith("Z"):
                continue
            child = int(status.parent.name)
            parents[child] = int(fields["PPid"])
            commands[child] = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, KeyError, ValueError):
            continue
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = commands[child]
                todo.append(child)
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
            **{k: v for k, v in os.environ.items() if k != "SITE_URL"},
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


PROGRAMS = ("runserver", "db_worker", "outbox_sweeper")


def wait_for_the_three_processes(pid: int) -> dict[int, str]:
    """The web server, the task worker and the sweeper under the run, by their command lines
    (honcho keeps a relay process between each and itself)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = {p: cmd for p, cmd in descendants_of(pid).items() if any(name in cmd for name in PROGRAMS)}
        if len(found) == 3:
            return found
        time.sleep(0.2)
    raise AssertionError(f"expected three processes, found {descendants_of(pid)}")


def environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode()
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def test_make_run_serves_the_site_and_ctrl_c_stops_all_three_processes(run_dev) -> None:
    proc, output = run_dev()
    kids = wait_for_the_three_processes(proc.pid)
    assert sorted(name for cmd in kids.values() for name in PROGRAMS if name in cmd) == [
        "db_worker",
        "outbox_sweeper",
        "runserver",
    ]
    everything = descendants_of(proc.pid)

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert said(output, "run: stopped")
    assert not [pid for pid in everything if is_alive(pid)]


def test_closing_the_terminal_stops_all_three_processes(run_dev) -> None:
    proc, output = run_dev()
    kids = wait_for_the_three_processes(proc.pid)

    proc.send_signal(signal.SIGHUP)
    assert proc.wait(timeout=30) == 0
    assert said(output, "run: SIGHUP received")
    assert not [pid for pid in kids if is_alive(pid)]


def test_when_one_process_dies_the_others_stop_and_the_run_fails(run_dev) -> None:
    proc, output = run_dev()
    kids = wait_for_the_three_processes(proc.pid)
    worker = next(pid for pid, cmd in kids.items() if "db_worker" in cmd)

    os.kill(worker, signal.SIGKILL)
    assert proc.wait(timeout=30) == 1
    assert said(output, "run: worker.1 stopped unexpectedly (exit code -9)")
    assert not [pid for pid in kids if is_alive(pid)]


def test_a_run_killed_outright_leaves_nothing_running(run_dev) -> None:
    """SIGKILL (the out-of-memory killer, kill -9) cannot be caught: honcho's relays would
    outlive the run, and with them the web server on its port and the worker polling the
    database. Each relay learns of its parent's death from Linux and stops its program."""
    proc, output = run_dev()
    port = int(next(line for line in output if "civicdesk is running at" in line).rsplit(":", 1)[1].strip(" /\n"))
    everything = descendants_of(proc.pid)
    assert len(wait_for_the_three_processes(proc.pid)) == 3

    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [pid for pid in everything if is_alive(pid)]:
        time.sleep(0.2)
    assert not {pid: cmd for pid, cmd in everything.items() if is_alive(pid)}
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the web server still listens"


def test_the_links_every_process_writes_point_at_the_port_of_the_run(run_dev) -> None:
    """SITE_URL (the base of the tracking link on the confirmation page and in every email) is
    the run's own address, in the web server's, the worker's and the sweeper's environment."""
    proc, output = run_dev()
    port = next(line for line in output if "civicdesk is running at" in line).rsplit(":", 1)[1].strip(" /\n")
    kids = wait_for_the_three_processes(proc.pid)
    assert {environment_of(pid).get("SITE_URL") for pid in kids} == {f"http://127.0.0.1:{port}"}
    assert port != "8000"
