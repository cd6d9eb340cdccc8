"""A PostgreSQL streaming replica for reading (DATABASE_REPLICA_URL; civicdesk/core/replica.py).

The test builds what an operator would: a primary cluster, and a hot standby copied from it
with ``pg_basebackup`` and kept current by streaming replication on loopback
(tests/pg_cluster.py ``ReplicaCluster``). ``make serve-prod`` runs against both. Replay on the
standby is then paused, to show what people see while the replica is behind:

- the public pages, the reports, the dashboard and Open311's GETs answer from the replica
  (the ``X-Read-From`` header names the database that answered);
- the console, and every write, use the primary;
- a resident who has just reported reads the primary (a short-lived cookie), so the report's
  own pages show it at once; a neighbour's list of requests shows it once the replica caught up;
- a page that is not on the replica yet (a tracking link opened elsewhere) is answered from
  the primary, never a 404.

It starts its own clusters, so it runs in the PostgreSQL pass only.
"""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection

from tests.conftest import INSIDE
from tests.ops import fault_data
from tests.ops.prod_server import HOST, ServeProd, prod_env
from tests.pg_cluster import Cluster, ReplicaCluster, find_pg_bindir

pytestmark = pytest.mark.slow


@dataclass
class Answer:
    status: int
    read_from: str
    url: str
    body: str


class Browser:
    """One person's browser: keeps its cookies, like a resident's phone."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def ask(self, path: str, form: dict[str, str] | None = None) -> Answer:
        data = urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, headers={"Host": HOST})
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.headers["X-Read-From"], response.url, response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers["X-Read-From"], error.url, error.read().decode())


@pytest.fixture
def clusters() -> Iterator[tuple[Cluster, ReplicaCluster]]:
    if connection.vendor != "postgresql":
        pytest.skip("the read replica is tested in the PostgreSQL pass (pytest --postgres) only")
    primary = Cluster(find_pg_bindir())
    replica = ReplicaCluster(primary)
    try:
        primary.start()
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()


def wait_until(what: str, predicate: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {what}")
        time.sleep(0.2)


def test_public_pages_read_the_replica_and_a_resident_never_misses_their_own_report(
    clusters: tuple[Cluster, ReplicaCluster], tmp_path: Path
) -> None:
    primary, replica = clusters
    env = prod_env(tmp_path, primary.url, DATABASE_REPLICA_URL=replica.url, WEB_CONCURRENCY="2")
    with ServeProd(env) as server:
        seeded = fault_data.run(primary.url, "seed")
        wait_until("the replica to replay the seed", replica.caught_up)
        slug, jurisdiction = seeded["city_slug"], seeded["jurisdiction_id"]

        neighbour = Browser(server.port)
        for path in (
            "/",
            f"/{slug}/",
            f"/{slug}/requests/",
            "/reports/service-requests/",
            f"/open311/v2/services.json?jurisdiction_id={jurisdiction}",
            f"/open311/v2/requests.json?jurisdiction_id={jurisdiction}",
        ):
            answer = neighbour.ask(path)
            assert answer.status == 200, (path, answer.body[:300])
            assert answer.read_from == "replica", path
        assert neighbour.ask("/console/login/").read_from == "default"

        # The replica falls behind: replay paused, as under a long report or a busy disk.
        replica.pause_replay()
        resident = Browser(server.port)
        form_page = resident.ask(f"/{slug}/report/")
        assert form_page.read_from == "replica"  # the form itself may come from the replica
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.body)
        assert token is not None
        marker = f"Sofa on the curb {uuid.uuid4().hex[:8]}"
        lat, lng = INSIDE[slug]
        service_type = re.search(r'<option value="(\d+)"[^>]*>\s*Trash/Rubbish', form_page.body)
        assert service_type is not None, form_page.body[:2000]
        sent = resident.ask(
            f"/{slug}/report/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "service_type": service_type.group(1),
                "lat": str(lat),
                "lng": str(lng),
                "description": marker,
                "reporter_email": "rita@example.org",
                "channel": "web",
                "nearby_checked": "1",
                "client_token": str(uuid.uuid4()),
            },
        )
        # The report went to the primary; the page after it, read by the resident who just
        # wrote, comes from the primary too and names the case.
        assert sent.status == 200 and "/report/sent/" in sent.url, sent.body[:500]
        assert sent.read_from == "default"
        tracking = re.search(r'href="https?://[^/"]+(/track/[^"]+/)"', sent.body)
        assert tracking is not None, sent.body[:2000]
        own = resident.ask(tracking.group(1))
        assert own.status == 200 and own.read_from == "default" and marker in own.body

        number = replica.query(primary.url, "SELECT number FROM cases_servicerequest WHERE description = %s", (marker,))
        assert number is not None
        case_link = f"/{slug}/requests/{number}/"
        # A neighbour's list comes from the replica, which has not replayed the report yet.
        behind = neighbour.ask(f"/{slug}/requests/")
        assert behind.read_from == "replica" and case_link not in behind.body
        # The tracking link opened on another device: not on the replica yet, so the primary answers.
        elsewhere = Browser(server.port).ask(tracking.group(1))
        assert elsewhere.status == 200 and elsewhere.read_from == "default" and marker in elsewhere.body

        replica.resume_replay()
        wait_until("the replica to catch up", replica.caught_up)
        # Within the public page cache's few seconds (core/pagecache.py) the neighbour may
        # still get the copy kept while the replica was behind; then the replica's own list.
        wait_until(
            "the neighbour's list to show the report",
            lambda: case_link in neighbour.ask(f"/{slug}/requests/").body,
            timeout=30,
        )
        assert neighbour.ask(f"/{slug}/requests/").read_from == "replica"
