"""Faults under load, against the production shape (`make serve-prod`).

- PostgreSQL restarted while tens of clients post reports and read pages: while it is down
  every answer is a 503 with Retry-After in the caller's terms (Open311's error document,
  a page for people), never a 500; afterwards the service recovers by itself, and nothing
  is half-written: every report a client was told about is exactly one case with its
  CREATED event and its two emails, and a report that was refused left no case.
- The SMTP server down during the load, then back: every notification arrives exactly once.
- A task worker killed with SIGKILL in the middle of sending, under load: the sweeper
  recovers its message, and every notification arrives exactly once.

The PostgreSQL test starts and restarts a throwaway cluster of its own (never the suite's,
which every test of the run shares); it runs in the PostgreSQL pass only.
"""

from __future__ import annotations

import json
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection

from civicdesk.cases.models import ServiceRequest
from civicdesk.notifications.models import OutboxMessage, OutboxStatus
from tests import outbox_harness
from tests.conftest import INSIDE
from tests.ops import fault_data
from tests.ops.loadgen import INTAKE_ONLY, Plan, Report, Target, run_load
from tests.ops.prod_server import HOST, ServeProd, prod_env
from tests.outbox_harness import (
    OUTBOX_SETTINGS,
    Processes,
    SmtpServer,
    all_sent,
    assert_each_written_message_arrived_once,
    live_database_url,
)
from tests.pg_cluster import Cluster, find_pg_bindir

pytestmark = pytest.mark.slow

BRIEFLY_UNAVAILABLE = "our database cannot be reached right now"


def ask(
    port: int, method: str, path: str, form: dict[str, str] | None = None, **headers: str
) -> tuple[int, dict[str, str], str]:
    """One request to the server; (status, headers, body) whatever the status."""
    body = urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, method=method, headers={"Host": HOST, **headers}
    )
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def fault_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """serve-prod as the load test runs it, with three web workers and the outbox's timings
    in seconds."""
    outbox = {name: str(value) for name, value in OUTBOX_SETTINGS.items()}
    return prod_env(tmp_path, database_url, **{"WEB_CONCURRENCY": "3", **outbox, **extra})


def wait_until(what: str, predicate: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {what}")
        time.sleep(0.3)


def target_for(server: ServeProd, *, city_slug: str, jurisdiction_id: str, service_code: str, api_key: str) -> Target:
    """What the load generator needs to post to ``server``: points a few metres apart in the city."""
    lat, lng = INSIDE[city_slug]
    return Target(
        port=server.port,
        host_header=HOST,
        jurisdiction_id=jurisdiction_id,
        api_key=api_key,
        service_code=service_code,
        city_slug=city_slug,
        points=[(lat + 0.0003 * (n % 4), lng + 0.0003 * (n // 4)) for n in range(16)],
    )


def in_background(target: Target, plan: Plan) -> tuple[threading.Thread, list[Report]]:
    done: list[Report] = []
    thread = threading.Thread(target=lambda: done.append(run_load(target, plan)), daemon=True)
    thread.start()
    return thread, done


def marker_of(description: str) -> str:
    return description.rsplit(" ", 1)[-1]


# --- PostgreSQL restarted during the load ------------------------------------------------------


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster for this test alone, so it can be stopped and started again."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL restart is tested in the PostgreSQL pass (pytest --postgres) only")
    cluster = Cluster(find_pg_bindir())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def test_a_postgresql_restart_during_the_load_is_a_clear_503_then_recovers_with_nothing_half_written(
    own_cluster: Cluster, tmp_path: Path
) -> None:
    # Persistent connections: each must notice the restart and open a new one.
    env = fault_env(tmp_path, own_cluster.url, DB_CONN_MAX_AGE="60")
    with ServeProd(env) as server:
        seeded = fault_data.run(own_cluster.url, "seed")
        target = target_for(server, **seeded)
        lat, lng = target.points[0]
        # Stretched over ~15 s; a POST refused while the database is down is sent again with
        # its Idempotency-Key, every second, as a well-behaved application does.
        plan = Plan(clients=12, requests_per_client=20, think_seconds=0.4, retry_failed=30, retry_delay=1.0)
        load, reports = in_background(target, plan)
        time.sleep(4)

        own_cluster.stop_server("fast")
        down_at = time.monotonic()
        form = {
            "jurisdiction_id": target.jurisdiction_id,
            "api_key": target.api_key,
            "service_code": target.service_code,
            "lat": str(lat),
            "long": str(lng),
            "email": "probe@example.org",
        }
        juris = urlencode({"jurisdiction_id": target.jurisdiction_id})

        status, headers, body = ask(server.port, "GET", "/healthz")
        assert status == 503 and json.loads(body)["database"] == "unreachable"

        # A person reading a page: a page that says what is wrong, in their words.
        # (A query string of its own: a copy of the city's home kept by the few-second public
        # page cache, core/pagecache.py, would still be served while the database is down.)
        status, headers, body = ask(server.port, "GET", f"/{target.city_slug}/?during=outage", Accept="text/html")
        assert status == 503, body[:500]
        assert headers["Content-Type"].startswith("text/html")
        assert BRIEFLY_UNAVAILABLE in body
        assert "Traceback" not in body and "OperationalError" not in body
        assert int(headers["Retry-After"]) > 0

        # An Open311 application: the GeoReport error document, in the suffix's format.
        status, headers, body = ask(server.port, "GET", f"/open311/v2/services.json?{juris}")
        assert status == 503 and int(headers["Retry-After"]) > 0
        [error] = json.loads(body)
        assert error["code"] == 503 and BRIEFLY_UNAVAILABLE in error["description"]
        status, headers, body = ask(
            server.port, "POST", "/open311/v2/requests.xml", {**form, "description": "Probe xml " + uuid.uuid4().hex}
        )
        assert status == 503 and headers["Content-Type"].startswith("text/xml")
        assert "<code>503</code>" in body and BRIEFLY_UNAVAILABLE in body

        # Two reports refused while it is down: one the application sends again later with
        # the same key, one it gives up on.
        retried = {**form, "description": "Probe retried " + uuid.uuid4().hex}
        retried_key = uuid.uuid4().hex
        given_up = {**form, "description": "Probe abandoned " + uuid.uuid4().hex}
        assert (
            ask(server.port, "POST", "/open311/v2/requests.json", retried, **{"Idempotency-Key": retried_key})[0] == 503
        )
        assert (
            ask(server.port, "POST", "/open311/v2/requests.json", given_up, **{"Idempotency-Key": uuid.uuid4().hex})[0]
            == 503
        )

        time.sleep(max(0.0, 6 - (time.monotonic() - down_at)))
        own_cluster.start_server()
        wait_until("the service to be ready again", lambda: ask(server.port, "GET", "/readyz")[0] == 200)
        status, _, body = ask(
            server.port, "POST", "/open311/v2/requests.json", retried, **{"Idempotency-Key": retried_key}
        )
        assert status == 201, body
        retried_reference = json.loads(body)[0]["service_request_id"]

        load.join(timeout=180)
        assert not load.is_alive(), "the load did not finish"
        [run] = reports

        # The worker and the sweeper lived through it: every email goes out.
        wait_until(
            "every email of the run to be sent",
            lambda: set(fault_data.run(own_cluster.url, "inspect")["outbox_statuses"]) == {"sent"},
            timeout=90,
        )
        assert server.proc is not None and server.proc.poll() is None, server.output()
    # The task worker met the outage, said so, and carried on (db_worker would have exited,
    # and serve-prod with it).
    assert any("task worker: the database cannot be reached" in line for line in server.lines), server.output(80)
    assert server.returncode == 0, server.output()

    print(json.dumps(run.summary()))  # shown with -s, or when the test fails
    # While it was down the clients were told 503, never 500, and no connection was dropped.
    statuses = {o.status for o in run.outcomes}
    assert 503 in statuses, "the restart happened while no request was made"
    assert {o.status for o in run.server_errors()} == {503}, (
        [o for o in run.server_errors() if o.status != 503],
        "\n".join(server.logged_errors()),
    )
    assert run.connection_errors() == []

    found = fault_data.run(own_cluster.url, "inspect")
    cases = found["cases"]
    # Nothing half-written: each case has its CREATED event (first) and its two emails.
    for case in cases:
        assert case["created_events"] == 1 and case["events"][0] == "created", case
        assert case["outbox"] == 2, case
    by_marker: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        by_marker.setdefault(marker_of(case["description"]), []).append(case)
    # Every report a client was told about is exactly that one case.
    accepted = run.accepted()
    assert accepted, "no report was accepted"
    for marker, reference in accepted.items():
        assert [c["reference"] for c in by_marker.get(marker, [])] == [reference], marker
    # A report refused and never accepted left no case; the probe retried with its key is one.
    never_told = run.markers_sent() - set(accepted)
    assert not never_told & set(by_marker), sorted(never_told & set(by_marker))
    assert [c["reference"] for c in by_marker[marker_of(retried["description"])]] == [retried_reference]
    assert marker_of(given_up["description"]) not in by_marker
    assert len(cases) == len(accepted) + 1


# --- the SMTP server and a task worker fail during the load ------------------------------------


@pytest.fixture
def app(transactional_db: None) -> dict[str, Any]:
    """An Open311 application on the suite's own database, for serve-prod to serve."""
    return fault_data.seed()


@pytest.fixture
def smtp_servers() -> Iterator[Callable[..., SmtpServer]]:
    with outbox_harness.smtp_servers() as make:
        yield make


@pytest.fixture
def processes(transactional_db: None, tmp_path: Path, settings: Any) -> Iterator[Processes]:
    with outbox_harness.worker_processes(tmp_path / "workers", settings) as running:
        yield running


# Only new reports (each writes two emails), spread over about ten seconds.
MAIL_PLAN = Plan(clients=8, requests_per_client=12, mix=INTAKE_ONLY, think_seconds=0.5)


def assert_every_accepted_report_mailed_exactly_once(run: Report, smtp: SmtpServer) -> None:
    accepted = run.accepted()
    assert accepted and run.server_errors() == [] and run.connection_errors() == []
    assert ServiceRequest.objects.count() == len(accepted)
    received = assert_each_written_message_arrived_once(smtp)
    # The acknowledgement to the resident and the department's copy, for every report.
    assert len(received) == OutboxMessage.objects.count() == 2 * len(accepted)
    assert sorted(r.to for r in received if r.to.endswith("@load.example.org")) == sorted(
        f"{marker}@load.example.org" for marker in accepted
    )


def test_the_smtp_server_down_during_the_load_then_back_delivers_every_notification_exactly_once(
    app: dict[str, str], smtp_servers: Callable[..., SmtpServer], tmp_path: Path
) -> None:
    smtp = smtp_servers()
    env = fault_env(tmp_path, live_database_url(), EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}?timeout=10")
    with ServeProd(env) as server:
        load, reports = in_background(target_for(server, **app), MAIL_PLAN)
        wait_until("the first emails to arrive", lambda: len(smtp.handler.snapshot()) >= 2)

        smtp.stop()
        before = ServiceRequest.objects.count()
        # Reports keep coming in; their emails fail, wait and are tried again.
        wait_until(
            "deliveries to fail while the SMTP server is down",
            lambda: OutboxMessage.objects.filter(status=OutboxStatus.PENDING, attempts__gte=2).count() >= 2,
        )
        wait_until("reports to be accepted meanwhile", lambda: ServiceRequest.objects.count() > before)
        smtp.start()

        load.join(timeout=180)
        assert not load.is_alive(), "the load did not finish"
        wait_until("every email to be sent", all_sent, timeout=90)
    assert server.returncode == 0, server.output()
    assert_every_accepted_report_mailed_exactly_once(reports[0], smtp)


def test_a_task_worker_killed_mid_send_under_load_is_recovered_by_the_sweeper_and_mails_each_once(
    app: dict[str, str], smtp_servers: Callable[..., SmtpServer], processes: Processes, tmp_path: Path
) -> None:
    # The first delivery is held at RCPT TO: its worker is provably in the middle of sending.
    smtp = smtp_servers(hold_first=True)
    # serve-prod's web and sweeper; the task workers run beside it, as their own services
    # would (its supervisor stops everything when one of its children dies).
    env = fault_env(
        tmp_path, live_database_url(), EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}?timeout=10", TASK_WORKERS="0"
    )
    with ServeProd(env) as server:
        load, reports = in_background(target_for(server, **app), MAIL_PLAN)
        doomed = processes.worker(smtp.port)
        wait_until("a worker to be mid-send", smtp.handler.held.is_set)
        in_flight = OutboxMessage.objects.get(status=OutboxStatus.SENDING)
        assert f":{doomed.pid}:" in in_flight.claimed_by

        processes.kill(doomed)
        assert doomed.returncode == -signal.SIGKILL
        smtp.handler.release.set()
        processes.worker(smtp.port)

        load.join(timeout=180)
        assert not load.is_alive(), "the load did not finish"
        wait_until("every email to be sent, the killed one too", all_sent, timeout=90)
        processes.check_alive()
    assert server.returncode == 0, server.output()
    assert_every_accepted_report_mailed_exactly_once(reports[0], smtp)
    in_flight.refresh_from_db()
    assert in_flight.status == OutboxStatus.SENT and in_flight.attempts == 2  # the killed attempt counts
