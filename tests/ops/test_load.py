"""A bounded load test on loopback against the production shape (`make serve-prod`: several
gunicorn workers, the task worker, the sweeper): tens of clients at once post Open311
reports (some retried with the same Idempotency-Key) and view pages, a fixed count each.

The bar: no 5xx and no dropped connection; every POST the server accepted is exactly one
case, a retried key is told the same case; no case exists that no client was told about;
the outbox holds each case's two notifications once. On PostgreSQL with --postgres, else on
the SQLite file (ALLOW_SQLITE_IN_PRODUCTION=1: WAL, writers wait for each other up to the
busy timeout, every transaction takes the write lock at BEGIN; config/settings.py).

The server runs on the test's own database, so the cases are read back with the ORM.
Rate limits stay on (the production code path) with limits far above what the run sends.
"""

from __future__ import annotations

from collections import Counter
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.db import connection

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications.models import OutboxMessage
from civicdesk.open311.services import api_key_create
from civicdesk.tenants.models import City
from tests.conftest import INSIDE
from tests.loopback import http_server
from tests.ops.loadgen import (
    CONSOLE_KINDS,
    PAGE_KINDS,
    Plan,
    Target,
    marker_of,
    points_around,
    run_load,
    server_seconds,
)
from tests.ops.prod_server import HOST, ServeProd, database_url_of, prod_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# 20 clients × 9 requests, about a third of them POSTs: tens of clients at once, and the run
# stays within a few seconds of CI time on two busy cores.
PLAN = Plan(clients=20, requests_per_client=9)


def target_for(server: ServeProd, city: City, service_type: ServiceType, api_key: str) -> Target:
    return Target(
        port=server.port,
        host_header=HOST,
        jurisdiction_id=city.jurisdiction_id,
        api_key=api_key,
        service_code=service_type.code,
        city_slug=city.slug,
        points=points_around(*INSIDE[city.slug], count=25),
    )


def test_tens_of_clients_at_once_get_no_5xx_and_every_accepted_report_is_exactly_one_case(
    independence: City, trash: ServiceType, tmp_path: Path
) -> None:
    _key, raw_key = api_key_create(city=independence, name="Load test app")
    env = prod_env(tmp_path, database_url_of(connection.settings_dict), WEB_CONCURRENCY="4")
    with ServeProd(env) as server:
        run = run_load(target_for(server, independence, trash, raw_key), PLAN)
    assert server.returncode == 0, server.output()

    assert run.connection_errors() == [], run.connection_errors()[:3]
    assert run.server_errors() == [], (
        run.server_errors()[:3],
        server.logged_errors(),
    )
    assert len(run.outcomes) == PLAN.requests
    posts = run.of_kind("open311_post")
    retries = run.of_kind("open311_retry")
    assert len(posts) >= PLAN.requests // 5 and retries, Counter(o.kind for o in run.outcomes)
    assert {o.status for o in posts + retries} <= {200, 201}, Counter(o.status for o in posts + retries)
    pages = run.of_kind(*PAGE_KINDS)
    assert {o.status for o in pages} == {200}, [(o.path, o.status) for o in pages if o.status != 200][:5]
    # Each answer says the server's own time (Server-Timing), never more than the client waited.
    assert all(o.server_seconds is not None and 0 <= o.server_seconds <= o.seconds for o in run.outcomes)
    figures = run.summary()
    assert 0 < figures["server_p50_ms"] <= figures["p50_ms"]

    # Every accepted report is exactly one case, the one its client was told; a retry with the
    # same key was told the same case (accepted() raises otherwise).
    told = run.accepted()
    assert set(told) == run.markers_sent()
    cases = list(
        ServiceRequest.objects.filter(description__contains=PLAN.run_id).select_related("city").order_by("number")
    )
    by_marker = Counter(marker_of(c.description) for c in cases)
    assert [m for m, n in by_marker.items() if n != 1] == []
    assert {marker_of(c.description): c.reference for c in cases} == told
    assert ServiceRequest.objects.count() == len(told), "a case exists that no client was told about"

    # Each case: the acknowledgement to its reporter and the department's copy, once each.
    outbox = Counter(OutboxMessage.objects.values_list("case__description", "kind", "recipient"))
    department = trash.department
    assert department is not None and department.email
    expected: Counter[Any] = Counter()
    for case in cases:
        marker = marker_of(case.description)
        expected[(case.description, "case_created", f"{marker}@load.example.org")] += 1
        expected[(case.description, "case_assigned", department.email)] += 1
    assert outbox == expected


def test_the_server_time_is_read_from_the_server_timing_header() -> None:
    assert server_seconds("app;dur=12.5") == 0.0125
    assert server_seconds("db;dur=3, app;dur=40") == 0.04  # among other metrics, by its name
    assert server_seconds(None) is None and server_seconds("cache;desc=hit") is None


class _Recorder(BaseHTTPRequestHandler):
    """A loopback server that lets anyone sign in and records each request's Cookie header."""

    seen: ClassVar[list[tuple[str, str, str]]] = []  # (method, path, Cookie)

    def _answer(self, status: int, body: bytes = b"", cookie: str = "") -> None:
        self.send_response(status)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path, self.headers.get("Cookie", "")))
        if self.path == "/console/login/":
            self._answer(200, b'<input name="csrfmiddlewaretoken" value="t0ken">', "csrftoken=staffcsrf; Path=/")
        elif self.path == "/":
            self._answer(200, b"home", "csrftoken=visitorcsrf; Path=/")  # as a page with a form does
        else:
            self._answer(200, b"[]")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append(("POST", self.path, self.headers.get("Cookie", "")))
        if self.path == "/console/login/":
            self._answer(302, cookie="sessionid=staffsession; Path=/; HttpOnly")
        else:
            self._answer(302 if "/note/" in self.path else 201, b'[{"service_request_id": "IND-1"}]')

    def log_message(self, *args: Any) -> None:
        pass


def test_a_staffed_client_sends_residents_and_applications_requests_without_the_staff_session() -> None:
    """The busy morning's clients sign in as staff; the residents' page views and the
    applications' reports drawn into their sequences come from other people, whose browsers and
    apps hold no staff session. Only the console's requests carry it."""
    _Recorder.seen = []
    with http_server(_Recorder) as port:
        target = Target(
            port=port,
            host_header="localhost",
            jurisdiction_id="ind.example.org",
            api_key="k",
            service_code="POTHOLE",
            city_slug="independence",
            points=[(39.09, -94.41)],
            staff=[("worker", "pw")],
            case_numbers=[1, 2, 3],
        )
        mix = {kind: 1 for kind in (*PAGE_KINDS, "open311_post", *CONSOLE_KINDS)}
        report = run_load(target, Plan(clients=1, requests_per_client=60, mix=mix))
    kinds = Counter(o.kind for o in report.outcomes)
    assert set(CONSOLE_KINDS) <= set(kinds) and {"portal_home", "open311_post", "city_requests"} <= set(kinds)
    signed_in = [(m, p, c) for m, p, c in _Recorder.seen if p != "/console/login/"]
    staff = [c for _m, p, c in signed_in if p.startswith("/console/")]
    others = [c for _m, p, c in signed_in if not p.startswith("/console/")]
    assert len(staff) == sum(kinds[k] for k in CONSOLE_KINDS) and len(others) == len(signed_in) - len(staff)
    assert all("sessionid=staffsession" in c and "csrftoken=staffcsrf" in c for c in staff)
    assert others and not any("sessionid" in c or "staffcsrf" in c for c in others)
    # The visitor's own cookie (set by the first page with a form) goes back with its next requests.
    first_home = next(i for i, (_m, p, _c) in enumerate(signed_in) if p == "/")
    assert all(
        "csrftoken=visitorcsrf" in c for _m, p, c in signed_in[first_home + 1 :] if not p.startswith("/console/")
    )
