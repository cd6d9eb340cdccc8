"""Two nodes: `make serve-prod` twice, on two ports, against one PostgreSQL and one object store.

Each node runs its own web workers, task worker and sweeper, as a second machine would. The
load generator sends each client's requests to the nodes in turn, and one node is killed
(SIGKILL to all its processes) in the middle of the load. Then:

- every report a client was told about is exactly one case with its number, the numbers of
  the city have no gap, and a POST retried on the other node with its Idempotency-Key is told
  the same case;
- every notification arrives, and exactly once, though both nodes ran workers and sweepers and
  one died with messages in hand; the one exception allowed is a message that node's worker
  held when it died, which the server may have accepted a moment before (a second copy with
  the same Message-ID: what SMTP cannot prevent, docs/notifications.md);
- a staff member signed in on one node is signed in on the other; failed sign-ins are counted
  across both (the lockout holds whichever node is asked);
- a photo sent to one node is served by the other (object storage, nothing on local disk).

PostgreSQL pass only: two machines share a database server, not a SQLite file.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
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
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Photo, ServiceRequest
from civicdesk.notifications.models import OutboxMessage, OutboxStatus
from civicdesk.tenants.models import City
from tests import outbox_harness, s3_server
from tests.cases.images import jpeg_with_gps
from tests.conftest import INSIDE
from tests.ops import fault_data
from tests.ops.loadgen import INTAKE_ONLY, Plan, Report, Target, marker_of, points_around, run_load
from tests.ops.prod_server import HOST, ServeProd, prod_env
from tests.outbox_harness import OUTBOX_SETTINGS, SmtpServer, all_sent, assert_each_written_message_arrived_once

pytestmark = pytest.mark.slow

PASSWORD = "a-long-test-password"


class Browser:
    """One browser with its cookie jar, asking whichever node it is told to (as behind a balancer)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def ask(self, port: int, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers={"Host": HOST})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, port: int, username: str, password: str) -> tuple[int, str]:
        _, page = self.ask(port, "/console/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None, page[:500]
        return self.ask(
            port,
            "/console/login/",
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        )


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def app(transactional_db: None) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("two nodes share a PostgreSQL server: tested in the PostgreSQL pass (pytest --postgres)")
    return fault_data.seed()


@pytest.fixture
def store() -> Iterator[tuple[s3_server.S3Server, str]]:
    for server in s3_server.running():
        yield server, server.new_bucket()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with outbox_harness.smtp_servers() as make:
        yield make()


def wait_until(what: str, predicate: Callable[[], Any], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {what}")
        time.sleep(0.3)


def test_two_nodes_share_everything_and_a_node_killed_under_load_loses_nothing_acknowledged(
    app: dict[str, Any],
    store: tuple[s3_server.S3Server, str],
    smtp: SmtpServer,
    make_staff: Callable[..., Any],
    tmp_path: Path,
) -> None:
    s3, bucket = store
    city = City.objects.get(slug=app["city_slug"])
    staff = make_staff(city, Role.SUPERVISOR, first_name="Nora", last_name="Node")
    # Hashed as production hashes it (the suite's settings use a fast hasher the servers do not know).
    staff.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    staff.save(update_fields=["password"])

    def node_env(name: str) -> dict[str, str]:
        return prod_env(
            tmp_path / name,
            outbox_harness.live_database_url(),
            WEB_CONCURRENCY="2",
            EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}?timeout=10",
            OBJECT_STORAGE_URL=s3.url(bucket),
            LOGIN_FAILURE_LIMIT="4",
            # A claim outlives the SMTP timeout, as docs/notifications.md asks: on a busy
            # machine a live node's slow send must not be taken for a dead node's.
            **{key: str(value) for key, value in {**OUTBOX_SETTINGS, "OUTBOX_CLAIM_TIMEOUT_SECONDS": 15}.items()},
        )

    with ServeProd(node_env("a")) as a, ServeProd(node_env("b")) as b:
        # --- signed in on one node, signed in on the other --------------------------------
        browser = Browser()
        status, page = browser.sign_in(a.port, staff.username, PASSWORD)
        assert status == 200 and "Nora" in page, (status, page[:3000])
        status, page = browser.ask(b.port, "/console/")
        assert status == 200 and "Nora" in page, (status, page[:3000])

        # --- failed sign-ins counted across both nodes -------------------------------------
        intruder = Browser()
        for port in (a.port, b.port, a.port, b.port):  # LOGIN_FAILURE_LIMIT=4, two on each node
            assert intruder.sign_in(port, staff.username, "wrong")[0] == 200  # the form again, with an error
        for port in (a.port, b.port):
            status, page = intruder.sign_in(port, staff.username, PASSWORD)  # even the right password now
            assert status == 429 and "Too many unsuccessful sign-in attempts" in page

        # --- a photo sent to node A is served by node B ------------------------------------
        lat, lng = INSIDE[city.slug]
        body, content_type = multipart(
            {
                "jurisdiction_id": app["jurisdiction_id"],
                "api_key": app["api_key"],
                "service_code": app["service_code"],
                "lat": str(lat),
                "long": str(lng),
                "email": "photo@example.org",
                "description": "Pothole with a photo",
            },
            {"media": ("hole.jpg", jpeg_with_gps(), "image/jpeg")},
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{a.port}/open311/v2/requests.json",
            data=body,
            headers={"Host": HOST, "Content-Type": content_type},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 201
        photo = Photo.objects.get(case__description="Pothole with a photo")
        served = urllib.request.Request(f"http://127.0.0.1:{b.port}{photo.image.url}", headers={"Host": HOST})
        with urllib.request.urlopen(served, timeout=60) as response:
            assert response.status == 200 and response.read() == s3.read(bucket, photo.image.name)
        assert not any(p.is_file() for p in (tmp_path).rglob("*.jpg"))  # neither node wrote to its disk

        # --- the load, spread over both; node B killed in the middle -----------------------
        target = Target(
            port=a.port,
            more_ports=(b.port,),
            host_header=HOST,
            jurisdiction_id=app["jurisdiction_id"],
            api_key=app["api_key"],
            service_code=app["service_code"],
            city_slug=city.slug,
            points=points_around(lat, lng, count=16),
        )
        plan = Plan(
            clients=12, requests_per_client=14, mix=INTAKE_ONLY, think_seconds=0.3, retry_failed=20, retry_delay=0.3
        )
        runs: list[Report] = []
        load = threading.Thread(target=lambda: runs.append(run_load(target, plan)), daemon=True)
        load.start()
        wait_until("reports to reach node B", lambda: ServiceRequest.objects.count() > 20, timeout=60)
        # The machine is gone: its supervisor, web workers, task worker and sweeper at once
        # (honcho starts each in a session of its own, so every process is named).
        doomed = b.processes()
        assert {"gunicorn worker", "task worker", "sweeper"} <= {p.name for p in doomed}
        for process in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
        # What node B's task worker held when it died (claims name the process). If the mail
        # server had already accepted one, it is sent again: the one window SMTP cannot close
        # (docs/notifications.md). Every other message must arrive exactly once.
        in_hand = frozenset(
            message_id
            for message_id, claimed_by in OutboxMessage.objects.filter(status=OutboxStatus.SENDING).values_list(
                "message_id", "claimed_by"
            )
            if any(f":{process.pid}:" in claimed_by for process in doomed)
        )
        load.join(timeout=240)
        assert not load.is_alive(), "the load did not finish"
        wait_until("every email to be sent by the node left", all_sent)
        assert a.proc is not None and a.proc.poll() is None, a.output()
    [run] = runs
    print(json.dumps(run.summary()))

    # Requests to the dead node got no answer and went to the other one; none got a 5xx.
    assert run.connection_errors(), "node B was killed while no request was in flight to it"
    assert run.server_errors() == [], [error for node in (a, b) for error in node.logged_errors()]
    accepted = run.accepted()  # a retry told another case than its first attempt would raise
    assert set(accepted) == run.markers_sent(), "a report no client was finally told about"
    cases = ServiceRequest.objects.filter(description__contains=plan.run_id).select_related("city")
    assert sorted((marker_of(c.description), c.reference) for c in cases) == sorted(accepted.items())
    numbers = sorted(ServiceRequest.objects.filter(city=city).values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), "a gap or a repeated number"

    received = assert_each_written_message_arrived_once(smtp, may_repeat=in_hand)
    assert len(received) == OutboxMessage.objects.count() == 2 * ServiceRequest.objects.count()
