"""Email delivery end to end: a real task worker process (``manage.py db_worker``), the real
sweeper command, and a real SMTP server on loopback (aiosmtpd).

The worker shares the live test database with this process (the SQLite test file, or the
throwaway PostgreSQL cluster of ``--postgres``): it is given the database's real name, which
pytest-django chose, through DATABASE_URL. Everything it sends is read back from the SMTP
server, and every row of the outbox is checked: nothing lost, nothing sent twice.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve
from django_tasks_db.models import DBTaskResult

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.notifications.models import OutboxMessage, OutboxStatus
from tests import outbox_harness
from tests.conftest import INSIDE, REPO
from tests.outbox_harness import (
    WAIT_SECONDS,
    Processes,
    SmtpServer,
    all_sent,
    assert_each_written_message_arrived_once,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp_servers() -> Iterator[Callable[..., SmtpServer]]:
    with outbox_harness.smtp_servers() as make:
        yield make


@pytest.fixture
def processes(transactional_db: None, tmp_path: Path, settings: Any) -> Iterator[Processes]:
    with outbox_harness.worker_processes(tmp_path, settings) as running:
        yield running


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


def test_a_message_is_recorded_sent_before_goodbye_so_a_worker_killed_then_sends_nothing_twice(
    processes, smtp_servers, trash
):
    server = smtp_servers(hold_quit=True)
    doomed = processes.worker(server.port)
    report(trash)

    # The server has accepted the report's two messages (one task, one connection) and the
    # worker is saying goodbye (QUIT): "sent" is already recorded for both, so nothing is
    # left for the sweeper to send again.
    wait_for("the worker to be saying goodbye", server.handler.held.is_set, processes)
    accepted = server.handler.snapshot()
    assert len(accepted) == 2
    held = OutboxMessage.objects.filter(message_id__in=[a.message_id for a in accepted])
    assert [(m.status, m.attempts) for m in held] == [(OutboxStatus.SENT, 1)] * 2

    processes.kill(doomed)
    server.handler.release.set()
    processes.worker(server.port)
    processes.sweeper(server.port)
    wait_for("every message sent after the recovery", all_sent, processes)
    assert len(assert_each_written_message_arrived_once(server)) == 2
    assert [m.attempts for m in held.all()] == [1, 1]


def test_one_sweep_requeues_what_a_dead_worker_left_for_a_fresh_worker(processes, smtp_servers, trash):
    server = smtp_servers(hold_first=True)
    doomed = processes.worker(server.port)
    report(trash)
    wait_for("the worker to be mid-send", server.handler.held.is_set, processes)
    processes.kill(doomed)
    server.handler.release.set()

    processes.worker(server.port)
    # The report's two messages were one task, which died with the worker: the one it was
    # sending is claimed, the other still waits, marked as queued. Both wait for the sweeper.
    stuck = OutboxMessage.objects.get(status=OutboxStatus.SENDING)
    waiting = OutboxMessage.objects.get(status=OutboxStatus.PENDING)
    assert waiting.enqueued_at is not None and waiting.attempts == 0

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

    # The claim is released only once it is older than the claim timeout (the same sweep
    # queues the other again: its task was queued longer ago than that and never ran).
    wait_for("a sweep to release the dead worker's claim", swept_once, processes)
    wait_for("the released message to be sent", all_sent, processes)
    assert len(assert_each_written_message_arrived_once(server)) == 2
    stuck.refresh_from_db()
    assert stuck.status == OutboxStatus.SENT
    waiting.refresh_from_db()
    assert waiting.status == OutboxStatus.SENT and waiting.attempts == 1
