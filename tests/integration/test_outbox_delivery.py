"""Email delivery end to end: a real task worker process (``manage.py db_worker``), the real
sweeper command, and a real SMTP server on loopback (aiosmtpd).

The worker shares the live test database with this process (the SQLite test file, or the
throwaway PostgreSQL cluster of ``--postgres``): it is given the database's real name, which
pytest-django chose, through DATABASE_URL. Everything it sends is read back from the SMTP
server, and every row of the outbox is checked: nothing lost, nothing sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import re
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

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import resolve
from django_tasks_db.models import DBTaskResult

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.notifications.models import OutboxMessage, OutboxStatus
from tests.conftest import INSIDE, REPO

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

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
    server has not accepted anything from it."""

    hold_first: bool = False
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_servers() -> Iterator[Callable[..., SmtpServer]]:
    made: list[SmtpServer] = []

    def make(*, hold_first: bool = False, start: bool = True) -> SmtpServer:
        server = SmtpServer(RecordingHandler(hold_first=hold_first), free_port())
        made.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in made:
        server.stop()


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


@pytest.fixture
def processes(transactional_db: None, tmp_path: Path, settings: Any) -> Iterator[Processes]:
    # This process queues in the database too, with the same outbox timings as the workers.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for name, value in OUTBOX_SETTINGS.items():
        setattr(settings, name, value)
    running = Processes(tmp_path)
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


def assert_each_written_message_arrived_once(server: SmtpServer) -> list[Received]:
    received = server.handler.snapshot()
    written = sorted(OutboxMessage.objects.values_list("message_id", flat=True))
    ids = [r.message_id for r in received]
    assert len(ids) == len(set(ids)), f"a message arrived twice: {sorted(ids)}"
    assert sorted(ids) == written
    return received


def report(trash: Any, **kw: Any) -> Any:
    lat, lng = INSIDE["independence"]
    kw.setdefault("reporter_email", "resident@example.org")
    return services.case_create(service_type=trash, lat=lat, lng=lng, description="Old sofa on the curb", **kw)


# --- the tests ----------------------------------------------------------------------


def test_a_new_report_reaches_the_resident_and_the_department_by_smtp_with_working_links(
    processes, smtp_servers, trash, make_staff
):
    server = smtp_servers()
    processes.worker(server.port)
    case = report(trash, reporter_email="ann@example.org", reporter_name="Ann Example")

    wait_for("two emails at the SMTP server", lambda: len(server.handler.snapshot()) >= 2, processes)
    wait_for("the outbox rows marked sent", all_sent, processes)
    received = {r.to: r for r in assert_each_written_message_arrived_once(server)}
    assert set(received) == {"ann@example.org", trash.department.email}

    ack = received["ann@example.org"]
    assert case.reference in str(ack.message["Subject"])
    assert ack.message["Reply-To"] == case.city.email
    link = re.search(r"http://testserver(/track/\S+/)", ack.text())
    assert link, ack.text()
    page = Client().get(link.group(1))
    assert page.status_code == 200
    assert case.reference in page.content.decode()

    staff_mail = received[trash.department.email]
    console = re.search(r"http://testserver(/console/\S+/)", staff_mail.text())
    assert console, staff_mail.text()
    match = resolve(console.group(1))
    assert match.view_name == "console:case"
    assert match.kwargs == {"city": case.city.slug, "number": case.number}
    staff = make_staff(case.city, Role.WORKER, department=trash.department)
    browser = Client()
    browser.force_login(staff)
    staff_page = browser.get(console.group(1))
    assert staff_page.status_code == 200
    assert case.reference in staff_page.content.decode()


def test_mail_written_while_the_smtp_server_is_down_waits_and_arrives_exactly_once(processes, smtp_servers, trash):
    server = smtp_servers(start=False)
    processes.worker(server.port)

    # 1. The server has not started yet.
    first = report(trash, reporter_email="first@example.org")
    first_rows = OutboxMessage.objects.filter(case=first)
    assert first_rows.count() == 2
    # Retried through the real worker: failure, backoff, a new task queued to run later.
    wait_for(
        "two failed attempts of each message",
        lambda: all(m.attempts >= 2 for m in first_rows.all()),
        processes,
    )
    for message in first_rows.all():
        assert message.status in (OutboxStatus.PENDING, OutboxStatus.SENDING)
        assert "Connection refused" in message.last_error or "ConnectionRefusedError" in message.last_error
    assert DBTaskResult.objects.filter(run_after__isnull=False).exists()
    assert server.handler.snapshot() == []

    server.start()
    wait_for("every message sent once the server is up", all_sent, processes)
    assert_each_written_message_arrived_once(server)

    # 2. The server stops while more mail is written.
    server.stop()
    second = report(trash, reporter_email="second@example.org")
    second_rows = OutboxMessage.objects.filter(case=second)
    wait_for(
        "a failed attempt of each new message",
        lambda: all(m.attempts >= 1 and m.last_error for m in second_rows.all()),
        processes,
    )
    assert not second_rows.filter(status=OutboxStatus.SENT).exists()

    server.start()
    wait_for("every message sent once the server is back", all_sent, processes)
    received = assert_each_written_message_arrived_once(server)
    assert len(received) == 4
    assert sorted(r.to for r in received) == sorted(
        ["first@example.org", "second@example.org", trash.department.email, trash.department.email]
    )


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(processes, smtp_servers, trash):
    server = smtp_servers(hold_first=True)
    doomed = processes.worker(server.port)
    for n in range(3):
        report(trash, reporter_email=f"resident{n}@example.org")
    written = OutboxMessage.objects.count()
    assert written == 6

    # The worker is inside an SMTP transaction, waiting for the server to accept RCPT TO.
    wait_for("the worker to be mid-send", server.handler.held.is_set, processes)
    in_flight = OutboxMessage.objects.get(status=OutboxStatus.SENDING)
    assert f":{doomed.pid}:" in in_flight.claimed_by

    processes.kill(doomed)
    assert doomed.returncode == -signal.SIGKILL
    server.handler.release.set()
    # What the task queue alone would leave: the task RUNNING for ever, the row claimed.
    assert DBTaskResult.objects.running().count() == 1
    in_flight.refresh_from_db()
    assert in_flight.status == OutboxStatus.SENDING

    processes.worker(server.port)
    sweeper = processes.sweeper(server.port)
    wait_for("every message sent after the recovery", all_sent, processes)
    received = assert_each_written_message_arrived_once(server)
    assert len(received) == written
    in_flight.refresh_from_db()
    assert in_flight.attempts == 2  # the killed attempt counts
    assert in_flight.last_error == ""

    # The sweeper stops cleanly when asked to.
    sweeper.send_signal(signal.SIGTERM)
    assert sweeper.wait(timeout=WAIT_SECONDS) == 0


def test_one_sweep_requeues_what_a_dead_worker_left_for_a_fresh_worker(processes, smtp_servers, trash):
    server = smtp_servers(hold_first=True)
    doomed = processes.worker(server.port)
    report(trash)
    wait_for("the worker to be mid-send", server.handler.held.is_set, processes)
    processes.kill(doomed)
    server.handler.release.set()

    processes.worker(server.port)
    # The other message is delivered by its own task; the killed one waits for the sweeper.
    wait_for(
        "the untouched message to be sent",
        lambda: OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 1,
        processes,
    )
    stuck = OutboxMessage.objects.get(status=OutboxStatus.SENDING)

    def swept_once() -> bool:
        once = subprocess.run(
            [sys.executable, "manage.py", "outbox_sweeper", "--once"],
            cwd=REPO,
            env=processes.env(server.port),
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
            check=True,
        )
        return "released 1 abandoned claim(s)" in once.stdout

    # The claim is released only once it is older than the claim timeout.
    wait_for("a sweep to release the dead worker's claim", swept_once, processes)
    wait_for("the released message to be sent", all_sent, processes)
    assert len(assert_each_written_message_arrived_once(server)) == 2
    stuck.refresh_from_db()
    assert stuck.status == OutboxStatus.SENT
