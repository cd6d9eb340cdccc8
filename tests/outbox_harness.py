"""What the email delivery tests run against, shared by tests/integration/test_outbox_delivery.py
and tests/ops/test_faults.py: a real SMTP server on loopback (aiosmtpd) that can be stopped
and started again on its port, real ``manage.py`` worker and sweeper processes on the test's
database, and the check that every message written to the outbox arrived exactly once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from civicdesk.notifications.models import OutboxMessage, OutboxStatus
from tests.conftest import REPO

WAIT_SECONDS = 30
# Small numbers so retries and the recovery of a dead worker's claim happen within seconds.
OUTBOX_SETTINGS = {
    "OUTBOX_BACKOFF_BASE_SECONDS": 1,
    "OUTBOX_BACKOFF_MAX_SECONDS": 2,
    "OUTBOX_CLAIM_TIMEOUT_SECONDS": 3,
    "OUTBOX_MAX_ATTEMPTS": 50,
    "OUTBOX_SWEEP_INTERVAL_SECONDS": 1,
}


# --- a real SMTP server --------------------------------------------------------------


@dataclass
class Received:
    message_id: str
    to: str
    message: email.message.EmailMessage

    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())


@dataclass
class RecordingHandler:
    """Accepts every message and records it. With ``hold_first`` set, the first session to
    reach RCPT TO waits there until released: the sender is then provably mid-send, and the
    server has not accepted anything from it. With ``hold_quit`` set, the first session to say
    goodbye (QUIT) waits there: the server has accepted its message, the sender is still
    connected."""

    hold_first: bool = False
    hold_quit: bool = False
    received: list[Received] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if self.hold_first and not self.held.is_set():
            self.held.set()
            # Wait without blocking the server's event loop, so other sessions go on.
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold_quit and not self.held.is_set():
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "221 Bye"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(str(parsed["Message-ID"]), str(parsed["To"]), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self, handler: RecordingHandler, port: int) -> None:
        self.handler, self.port = handler, port
        self.controller: Controller | None = None

    def start(self) -> None:
        assert self.controller is None
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.handler.release.set()
            self.controller.stop()
            self.controller = None


@contextlib.contextmanager
def smtp_servers() -> Iterator[Callable[..., SmtpServer]]:
    """Make SMTP servers (``make(hold_first=False, hold_quit=False, start=True)``); all stop on leaving."""
    made: list[SmtpServer] = []

    def make(*, hold_first: bool = False, hold_quit: bool = False, start: bool = True) -> SmtpServer:
        server = SmtpServer(RecordingHandler(hold_first=hold_first, hold_quit=hold_quit), free_port())
        made.append(server)
        if start:
            server.start()
        return server

    try:
        yield make
    finally:
        for server in made:
            server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- real worker and sweeper processes ----------------------------------------------


def live_database_url() -> str:
    """The URL of the database this test runs on (pytest-django renamed it), for a
    process of its own."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        user, password = quote(db.get("USER") or "", safe=""), quote(str(db.get("PASSWORD") or ""), safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{auth}{quote(db.get('HOST') or '', safe='')}{port}/{quote(db['NAME'], safe='')}"
    raise NotImplementedError(f"no URL for database engine {db['ENGINE']}")


class Processes:
    """Starts manage.py commands as processes of their own group, and kills every one of
    them (and anything they started) at the end of the test, whatever happened."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def env(self, smtp_port: int) -> dict[str, str]:
        env = dict(os.environ)
        env.update({k: str(v) for k, v in OUTBOX_SETTINGS.items()})
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings_test",
            CIVICDESK_VAR_DIR=str(settings.VAR_DIR),
            DATABASE_URL=live_database_url(),
            CIVICDESK_TEST_TASKS="db",
            CIVICDESK_TEST_EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}?timeout=10",
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self, name: str, *args: str, smtp_port: int) -> subprocess.Popen[bytes]:
        log = self.log_dir / f"{name}-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "manage.py", *args],
                cwd=REPO,
                env=self.env(smtp_port),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so killpg reaches all of it
            )
        self.started.append((name, process, log))
        return process

    def worker(self, smtp_port: int) -> subprocess.Popen[bytes]:
        return self.start(
            "worker",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--verbosity",
            "2",
            smtp_port=smtp_port,
        )

    def sweeper(self, smtp_port: int) -> subprocess.Popen[bytes]:
        return self.start("sweeper", "outbox_sweeper", "--interval", "0.5", smtp_port=smtp_port)

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it died between poll() and here
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WAIT_SECONDS)

    def check_alive(self) -> None:
        for name, process, log in self.started:
            if process.returncode is None and process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{log.read_text(errors='replace')}")

    def stop_all(self) -> None:
        for name, process, log in self.started:
            self.kill(process)
            print(
                f"--- {name} (pid {process.pid}, exit {process.returncode}) ---\n{log.read_text(errors='replace')[-4000:]}"
            )


@contextlib.contextmanager
def worker_processes(log_dir: Path, settings: Any) -> Iterator[Processes]:
    """Processes for this test, every one killed on leaving. ``settings`` (pytest-django's
    fixture) is set so this process queues in the database with the workers' outbox timings."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for name, value in OUTBOX_SETTINGS.items():
        setattr(settings, name, value)
    log_dir.mkdir(parents=True, exist_ok=True)
    running = Processes(log_dir)
    try:
        yield running
    finally:
        # Before the database is flushed: no process may still be writing to it.
        running.stop_all()


def wait_for(
    what: str, predicate: Callable[[], Any], processes: Processes | None = None, timeout: float = WAIT_SECONDS
) -> Any:
    """Poll until ``predicate`` returns something true, for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if processes is not None:
            processes.check_alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {what}")
        time.sleep(0.1)


def all_sent() -> bool:
    return not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()


def assert_each_written_message_arrived_once(
    server: SmtpServer, *, may_repeat: frozenset[str] = frozenset()
) -> list[Received]:
    """Every message written to the outbox arrived, and exactly once, except those named in
    ``may_repeat`` (Message-IDs), which may have arrived twice: messages a killed worker held
    when it died, which the server may have accepted in the one window SMTP cannot close
    (docs/notifications.md). Returns what arrived, one copy of each."""
    received = server.handler.snapshot()
    written = sorted(OutboxMessage.objects.values_list("message_id", flat=True))
    copies = collections.Counter(r.message_id for r in received)
    repeated = {mid: n for mid, n in copies.items() if n > 1}
    unexplained = {mid: n for mid, n in repeated.items() if mid not in may_repeat or n > 2}
    assert not unexplained, f"a message arrived twice: {unexplained}"
    assert sorted(copies) == written
    first: dict[str, Received] = {}
    for r in received:
        first.setdefault(r.message_id, r)
    return list(first.values())
