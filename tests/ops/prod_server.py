"""Start ``make serve-prod`` (scripts/serve_prod.py: Procfile.prod run by honcho) from a test or the benchmark, wait until
it answers, read its processes' memory, and stop it: shared by tests/ops/test_serve_prod.py,
tests/ops/test_load.py and bench/run.py.

    with ServeProd(base_env(tmp_path, SECRET_KEY=SECRET, DATABASE_URL=url, ...)) as server:
        server.port, server.lines, server.processes(), server.peak_rss_kib()
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
SCRIPT = str(REPO / "scripts" / "serve_prod.py")
SECRET = "serve-prod-test-secret-Zt7mW4pXr9LbN3cY6hJf1sDgA5eUo0iKqTvB"
HOST = "311.example.org"
LOAD_RATE = "1000000/h"
# One collected copy of the static files for every server a test starts from this checkout:
# serve-prod collects again only when a source file changed (scripts/serve_prod.py).
STATIC_ROOT = Path(tempfile.gettempdir()) / f"civicdesk-static-{hashlib.sha256(str(REPO).encode()).hexdigest()[:10]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without its database and secrets, with a var dir of its own
    and the shared STATIC_ROOT."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}}
    env.update(
        {
            "CIVICDESK_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "STATIC_ROOT": str(STATIC_ROOT),
            **extra,
        }
    )
    return env


def prod_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """serve-prod on ``database_url`` answering to HOST, with the Open311 rate limits on (their
    code path is part of the production shape) but far above what a load run sends."""
    return base_env(
        tmp_path,
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        ALLOW_SQLITE_IN_PRODUCTION="1",
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"http://{HOST}",
        SECURE_COOKIES="0",
        RATELIMIT_OPEN311_KEY=LOAD_RATE,
        RATELIMIT_OPEN311_IP=LOAD_RATE,
        **extra,
    )


def database_url_of(settings_dict: Mapping[str, Any]) -> str:
    """A DATABASE_URL for the database a Django connection uses (its ``settings_dict``), so a
    server started by a test works on the very database the test reads."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    if engine.endswith("postgresql"):
        auth = quote(settings_dict.get("USER") or "")
        if settings_dict.get("PASSWORD"):
            auth += ":" + quote(settings_dict["PASSWORD"])
        host = settings_dict.get("HOST") or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}@{host}{port}/{settings_dict['NAME']}"
    raise ValueError(f"No DATABASE_URL for {engine}")


@dataclass(frozen=True)
class Process:
    pid: int
    name: str  # "gunicorn master", "gunicorn worker", "task worker", "sweeper", ...
    peak_rss_kib: int


def _status(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return dict(line.rstrip("\n").split(":\t", 1) for line in fh if ":\t" in line)
    except OSError:
        return {}


def parent_pid(pid: int) -> int | None:
    """The parent of ``pid`` (None once it is gone)."""
    ppid = _status(pid).get("PPid", "").strip()
    return int(ppid) if ppid.isdigit() else None


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = parent_pid(int(entry))
            if ppid is not None:
                children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pid: int) -> float:
    """The CPU seconds ``pid`` has used, user and system, with those of the children it has
    waited for (a recycled gunicorn worker's, a closed PostgreSQL backend's): 0.0 once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command's ")": state is field 3 of proc(5), utime..cstime are fields 14..17.
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """``cpu_seconds`` of ``root`` and of every process under it."""
    return sum(cpu_seconds(pid) for pid in _descendants(root))


# What each of serve-prod's processes is, for the CPU it uses.
CPU_ROLES = {
    "gunicorn master": "web",
    "gunicorn worker": "web",
    "task worker": "task worker",
    "sweeper": "sweeper",
    "honcho relay": "honcho (logs)",
    "supervisor (serve_prod.py)": "honcho (logs)",
}


def _role(pid: int, root: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if pid == root:
        return "supervisor (serve_prod.py)"
    if args == _cmdline(root).replace("\0", " "):
        return "honcho relay"  # honcho forks one per process to read its output
    if "gunicorn" in args:
        return "gunicorn worker" if "gunicorn" in _cmdline(parent_pid(pid) or 0) else "gunicorn master"
    for word, role in (("db_worker", "task worker"), ("outbox_sweeper", "sweeper"), ("poll_mailbox", "mailbox")):
        if word in args:
            return role
    return args.split(" ", 1)[0]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


# The start of a log record, as honcho relays it: Django's "2026-12-05 09:05:12,763 ERROR …" or
# gunicorn's "[2026-12-05 09:05:12 -0600] [42] [ERROR] …".
_LOG_RECORD = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ |\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )")


# What a 500 leaves in the log: Django's record of an uncaught error, gunicorn's of one that
# escaped Django.
SERVER_ERROR_MARKERS = ("Internal Server Error", "Error handling request")


class ServeProd:
    """scripts/serve_prod.py as a child process: started and waited for on entering, stopped
    with SIGTERM on leaving (SIGKILL to its group after ``stop_seconds``). ``lines`` holds
    its output so far; ``returncode`` is set once it stopped."""

    def __init__(self, env: dict[str, str], *, ready_seconds: float = 240, stop_seconds: float = 40) -> None:
        self.env = env
        self.port = int(env.setdefault("PORT", str(free_port())))
        self.ready_seconds = ready_seconds
        self.stop_seconds = stop_seconds
        self.lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None
        self.returncode: int | None = None
        self._peaks: dict[int, int] = {}
        self._sampling = threading.Event()

    def output(self, last: int = 40) -> str:
        return "".join(self.lines[-last:])

    def logged_errors(self, *markers: str) -> list[str]:
        """Each log record of the output that names one of ``markers`` (by default
        ``SERVER_ERROR_MARKERS``), with the lines its program printed after it up to its next record: its
        traceback (other programs' lines, interleaved by honcho, are passed over). What a
        failed assertion about a 500 shows, so that a rare one is explained by the run that
        met it."""
        markers = markers or SERVER_ERROR_MARKERS
        records: list[str] = []
        current: list[str] | None = None
        program = ""
        for line in self.lines:
            name, bar, text = line.partition("| ")
            line_program = "".join(name.split()[1:2])
            starts_record = bool(bar) and _LOG_RECORD.match(text) is not None
            if current is not None and line_program == program:
                if not starts_record:
                    current.append(line)
                    continue
                records.append("".join(current))
                current = None
            if starts_record and any(marker in text for marker in markers):
                current, program = [line], line_program
        if current is not None:
            records.append("".join(current))
        return records

    def __enter__(self) -> ServeProd:
        self.proc = subprocess.Popen(
            [sys.executable, SCRIPT],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            process_group=0,
        )
        stdout = self.proc.stdout
        assert stdout is not None
        threading.Thread(target=lambda: self.lines.extend(iter(stdout.readline, "")), daemon=True).start()
        deadline = time.monotonic() + self.ready_seconds
        try:
            while not any("serve-prod: ready" in line for line in self.lines):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"serve-prod stopped before it was ready:\n{self.output(60)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"serve-prod not ready after {self.ready_seconds} s:\n{self.output(60)}")
                time.sleep(0.3)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> int | None:
        """SIGTERM, wait, SIGKILL to the group if it does not stop. Returns the exit code."""
        self._sampling.set()
        if self.proc is None or self.returncode is not None:
            return self.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.returncode = self.proc.wait(timeout=self.stop_seconds)
        except subprocess.TimeoutExpired:
            self.kill()
        return self.returncode

    def kill(self) -> int | None:
        """The last resort: SIGKILL to serve-prod's process group and to every process under it,
        read before the group dies. honcho runs each program in a session of its own, which a
        SIGKILL of the group (the relays with it) left running: a web server, a worker and a
        sweeper outlived a CI run that way."""
        assert self.proc is not None
        stragglers = _descendants(self.proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in stragglers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.returncode = self.proc.wait(timeout=10)
        return self.returncode

    def processes(self) -> list[Process]:
        """The supervisor and every process under it, each with its peak RSS so far (VmHWM,
        and the highest seen by ``sample_memory`` for a worker since recycled)."""
        assert self.proc is not None
        found = []
        for pid in _descendants(self.proc.pid):
            peak = int(_status(pid).get("VmHWM", "0 kB").split()[0])
            self._peaks[pid] = max(peak, self._peaks.get(pid, 0))
            found.append(Process(pid, _role(pid, self.proc.pid), self._peaks[pid]))
        return found

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds used so far by serve-prod's processes, summed by ``CPU_ROLES`` (the web
        workers and their master, the task worker, the sweeper, honcho relaying the logs)."""
        assert self.proc is not None
        seconds: dict[str, float] = {}
        for pid in _descendants(self.proc.pid):
            role = _role(pid, self.proc.pid)
            name = CPU_ROLES.get(role, role)
            seconds[name] = seconds.get(name, 0.0) + cpu_seconds(pid)
        return seconds

    def sample_memory(self, every: float = 0.5) -> threading.Thread:
        """Read the processes' peak RSS every ``every`` seconds until the server stops, so a
        gunicorn worker replaced during a run (--max-requests) still counts."""

        def loop() -> None:
            while not self._sampling.wait(every):
                self.processes()

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        return thread
