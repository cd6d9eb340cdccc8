"""A bounded load generator: tens of clients at once, each a fixed count of requests, against a
running server (``make serve-prod``), recording every answer and its latency.

It is a client only (standard library: a thread and an ``http.client`` connection per client,
kept alive where the server allows; gunicorn's sync workers close it after each answer and the
client reconnects) and knows nothing of Django, so a test, the benchmark (``bench/run.py``) and a fault test
that kills a process mid-run all drive the server the same way and read the same figures.

    from tests.ops.loadgen import Plan, Target, run_load, run_trivial

    target = Target(port=8000, host_header="311.example.org", jurisdiction_id="independencemo.gov",
                    api_key=raw_key, service_code="trash", city_slug="independence",
                    points=[(39.0855, -94.352)])
    report = run_load(target, Plan(clients=24, requests_per_client=15))
    report.server_errors()      # answers with a 5xx status
    report.connection_errors()  # requests that got no HTTP answer at all
    report.accepted()           # {description marker: service_request_id} of every accepted POST
    report.summary()            # JSON-ready: rps, p50/p99 per kind and overall, status counts
    marker_of(case.description) # a case's marker, to match cases with what clients were told

``points_around(lat, lng)`` spreads a run's reports around a point; ``Plan(mix=INTAKE_ONLY)``
sends POSTs only; ``run_trivial`` asks only for the cheapest page (``Target.trivial_path``).
``run_load`` also takes several targets (one per city, say): client n uses target n modulo
their number, so a run's reports spread over the cities.

Staff: a target with ``staff`` (username, password) lets the console kinds run. A client whose
sequence holds one signs in first, through the console's login form, before the run's clock
starts (its session and CSRF cookies are kept, as a browser's), then opens queues with
filters (``Target.console_queries``), case pages of ``Target.case_numbers`` and adds
internal notes to them. ``Plan.pages`` adds named GETs of fixed paths, as that signed-in
staff member when the target has staff: one page kind at a time, one client (the benchmark's
"every page kind alone").

A client that signs in stands for a desk where a staff member works and residents' requests
arrive beside it: its console kinds (and ``Plan.pages``) carry the staff member's cookies, its
other kinds (page views, Open311) those of an anonymous visitor, kept in a jar of their own.
A resident's browser never holds a staff session, and an application's reports none either.

What a run sends (``Plan.mix`` weighs the kinds; ``KINDS`` lists them):

- ``open311_post``: a new report, with a description holding a marker unique to the run and
  the request (``Plan.run_id``-c<client>-<n>), an email address built from the same marker,
  and a fresh ``Idempotency-Key``;
- ``open311_retry``: one of this client's earlier POSTs sent again byte for byte, same key:
  the server must answer with the case the first attempt made;
- page views: the portal's home, a city's home (its map) and its list of requests, the case
  page of a report this client filed, and Open311 GETs of ``services`` and ``requests``;
- the console: ``console_queue`` (a queue with filters and a sort), ``console_case`` (a case
  page), ``console_note`` (an internal note posted to a case: its answer is the redirect).

With ``Plan.retry_failed`` a POST that got no answer or a 5xx is sent again with the same key
(what a well-behaved Open311 app does), so a fault test can check that every report a client
was finally told about is exactly one case.

Each client draws its sequence from ``random.Random(f"{plan.seed}:{client}")``: the same plan
sends the same requests in the same order per client, whatever the server does.
"""

from __future__ import annotations

import http.client
import http.cookies
import json
import random
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

OPEN311 = "/open311/v2"
POST_KINDS = ("open311_post", "open311_retry")
PAGE_KINDS = ("portal_home", "city_home", "city_requests", "case_page", "open311_services", "open311_requests")
CONSOLE_KINDS = ("console_queue", "console_case", "console_note")
KINDS = POST_KINDS + PAGE_KINDS + CONSOLE_KINDS
TRIVIAL_KIND = "trivial"

# Roughly what a city sees: most traffic reads, one request in three files a report, and
# some of the reports are retried by their app.
DEFAULT_MIX: Mapping[str, int] = {
    "open311_post": 28,
    "open311_retry": 6,
    "portal_home": 10,
    "city_home": 12,
    "city_requests": 12,
    "case_page": 12,
    "open311_services": 8,
    "open311_requests": 12,
}
INTAKE_ONLY: Mapping[str, int] = {"open311_post": 1}
# A busy morning: staff in the console (queues, cases, notes) beside residents' page views
# and the apps' reports.
BUSY_MORNING: Mapping[str, int] = {
    "open311_post": 16,
    "open311_retry": 2,
    "portal_home": 6,
    "city_home": 8,
    "city_requests": 8,
    "case_page": 8,
    "open311_services": 4,
    "open311_requests": 6,
    "console_queue": 20,
    "console_case": 16,
    "console_note": 6,
}
# Console queues with filters and sorts, as staff open them (query strings of /console/).
CONSOLE_QUERIES: Sequence[str] = (
    "queue=mine",
    "queue=department",
    "queue=department&status=new&sort=-opened",
    "queue=unassigned",
    "queue=overdue&sort=due",
    "queue=all",
    "queue=all&status=in_progress&sort=-opened",
    "queue=all&sort=due",
    "queue=all&q=pothole",
    "queue=all&channel=web&sort=number",
)

# Accepted answers to a POST: 201 for a new report; a retried key may also answer 200.
ACCEPTED = (200, 201)
# A POST's description: this, then its marker (``marker_of`` reads it back from a case).
DESCRIPTION = "Load test report "


def marker_of(description: str) -> str:
    """The marker a load-test case's description ends with."""
    return description.rsplit(" ", 1)[-1]


def points_around(lat: float, lng: float, count: int = 16, step: float = 0.0003) -> list[tuple[float, float]]:
    """``count`` points on a grid ``step`` degrees (some 30 m) apart, from a point well inside
    a city: the reports of a run are spread out a little and stay in that city."""
    side = max(1, round(count**0.5))
    return [(lat + step * (n % side), lng + step * (n // side)) for n in range(count)]


@dataclass(frozen=True)
class Target:
    """The server under load, and what an Open311 application needs to post to it.

    ``host_header`` must be one of the server's ALLOWED_HOSTS. ``points`` are (lat, long)
    inside the city the key belongs to; POSTs cycle through them. ``attributes`` are the
    answers to the service's required questions (``{"bags": "2"}`` is sent as
    ``attribute[bags]=2``).
    """

    port: int
    host_header: str
    jurisdiction_id: str
    api_key: str
    service_code: str
    city_slug: str
    points: Sequence[tuple[float, float]]
    attributes: Mapping[str, str] = field(default_factory=dict)
    address: str = "127.0.0.1"
    # More nodes serving the same site (docs/operations.md): a client sends each request to
    # the next node in turn, so a retried POST usually reaches another node than its first try.
    more_ports: Sequence[int] = ()
    # The cheapest page of the server: the whole middleware stack and a view, no database.
    trivial_path: str = "/manifest.webmanifest"
    # Staff of the city who may sign in (username, password); client n is staff[n % len].
    staff: Sequence[tuple[str, str]] = ()
    # Case numbers of the city that staff open and note (and residents view).
    case_numbers: Sequence[int] = ()
    console_queries: Sequence[str] = CONSOLE_QUERIES


@dataclass(frozen=True)
class Plan:
    """How many clients, how many requests each, and what they send.

    ``retry_failed``: how many times a POST that got no answer (or a 5xx) is sent again with
    the same key, ``retry_delay`` seconds apart (0: never; a failed POST is then just a
    failure). ``think_seconds``: a pause between two requests of a client, to stretch a run
    over time (a fault test kills something in the middle). ``timeout``: seconds a request
    may take before it counts as a connection error.
    """

    clients: int = 24
    requests_per_client: int = 15
    mix: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MIX))
    seed: int = 311
    run_id: str = field(default_factory=lambda: "load" + uuid.uuid4().hex[:8])
    timeout: float = 30.0
    retry_failed: int = 0
    retry_delay: float = 0.5
    think_seconds: float = 0.0
    pages: Mapping[str, str] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return self.clients * self.requests_per_client


@dataclass(frozen=True)
class Outcome:
    """One request and its answer. ``status`` is None when no HTTP answer came (refused,
    reset, timed out: ``error`` says which). ``started`` is seconds since the run began;
    ``server_seconds`` the application's own time, from the answer's ``Server-Timing``
    (None when it sent none)."""

    client: int
    kind: str
    method: str
    path: str
    status: int | None
    seconds: float
    started: float
    error: str = ""
    marker: str = ""
    idempotency_key: str = ""
    service_request_id: str = ""
    attempt: int = 1
    server_seconds: float | None = None
    # The start of a 5xx answer's body: whose page it was (Django's, gunicorn's) and what it said.
    answer: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 500


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _figures(outcomes: Sequence[Outcome], wall: float) -> dict[str, Any]:
    times = [o.seconds for o in outcomes]
    figures = {
        "requests": len(outcomes),
        "rps": round(len(outcomes) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(times, 50) * 1000, 1),
        "p99_ms": round(percentile(times, 99) * 1000, 1),
        "statuses": dict(sorted(Counter(str(o.status or "no answer") for o in outcomes).items())),
    }
    served = [o.server_seconds for o in outcomes if o.server_seconds is not None]
    if served:
        # The server's own time (Server-Timing): the client's time less the wire and the
        # client, which on a loaded machine waits for its own turn on the CPU.
        figures["server_p50_ms"] = round(percentile(served, 50) * 1000, 1)
        figures["server_p99_ms"] = round(percentile(served, 99) * 1000, 1)
    return figures


_SERVER_TIMING = re.compile(r"(?:^|,)\s*app\s*;\s*dur=([0-9.]+)")


def server_seconds(header: str | None) -> float | None:
    """The application's time in seconds from a ``Server-Timing`` header (``app;dur=12.3``)."""
    found = _SERVER_TIMING.search(header or "")
    return float(found.group(1)) / 1000 if found else None


@dataclass
class Report:
    """Everything a run sent and got back, with the figures and the checks a test needs."""

    plan: Plan
    outcomes: list[Outcome]
    wall_seconds: float

    def of_kind(self, *kinds: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind in kinds]

    def server_errors(self) -> list[Outcome]:
        """Answers with a 5xx status."""
        return [o for o in self.outcomes if o.status is not None and o.status >= 500]

    def connection_errors(self) -> list[Outcome]:
        """Requests that got no HTTP answer at all."""
        return [o for o in self.outcomes if o.status is None]

    def accepted(self) -> dict[str, str]:
        """{marker: service_request_id} of every report some answer accepted. A marker whose
        attempts were told two different ids raises: that is a duplicate case."""
        told: dict[str, str] = {}
        for o in self.of_kind(*POST_KINDS):
            if o.status in ACCEPTED and o.service_request_id:
                earlier = told.setdefault(o.marker, o.service_request_id)
                if earlier != o.service_request_id:
                    raise AssertionError(f"{o.marker} was told {earlier} and then {o.service_request_id}")
        return told

    def markers_sent(self) -> set[str]:
        """Every marker some POST carried, accepted or not."""
        return {o.marker for o in self.of_kind(*POST_KINDS)}

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures: overall and per kind (rps over the run's wall time, p50/p99
        latency in ms, counts by status), 5xx and connection error counts."""
        by_kind: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            by_kind[o.kind].append(o)
        return {
            "clients": self.plan.clients,
            "requests_per_client": self.plan.requests_per_client,
            "wall_seconds": round(self.wall_seconds, 2),
            **_figures(self.outcomes, self.wall_seconds),
            "server_errors": len(self.server_errors()),
            "connection_errors": len(self.connection_errors()),
            "kinds": {k: _figures(v, self.wall_seconds) for k, v in sorted(by_kind.items())},
        }


class _Client:
    """One simulated client: its own keep-alive connection and its own random sequence."""

    def __init__(self, number: int, target: Target, plan: Plan, began: float) -> None:
        self.number = number
        self.target = target
        self.plan = plan
        self.began = began
        self.rng = random.Random(f"{plan.seed}:{number}")
        self.conn: http.client.HTTPConnection | None = None
        self.outcomes: list[Outcome] = []
        self.posted: list[tuple[str, str, bytes]] = []  # (marker, key, body) of this client's POSTs
        self.cases: list[str] = []  # service_request_ids this client was told
        self.count = 0
        self.sends = 0
        self.cookies: dict[str, str] = {}  # a browser's jar, for a client signed in as staff
        self.visitor_cookies: dict[str, str] = {}  # an anonymous visitor's: residents' pages, Open311

    # --- the wire ---------------------------------------------------------------------

    def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str], *, as_staff: bool = True
    ) -> tuple[int, bytes, float | None]:
        """One request and its answer, with the staff member's cookies (``as_staff``) or an
        anonymous visitor's; the cookies the answer sets go back to the same jar."""
        cookies = self.cookies if as_staff else self.visitor_cookies
        ports = (self.target.port, *self.target.more_ports)
        port = ports[(self.number + self.sends) % len(ports)]
        self.sends += 1
        if self.conn is not None and self.conn.port != port:
            self.conn.close()
            self.conn = None
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.target.address, port, timeout=self.plan.timeout)
        all_headers = {"Host": self.target.host_header, "User-Agent": "civicdesk-loadgen", **headers}
        if cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
            jar.load(header)
            cookies.update({name: morsel.value for name, morsel in jar.items()})
        if response.will_close:
            self.conn.close()
            self.conn = None
        return response.status, data, server_seconds(response.headers.get("Server-Timing"))

    def request(self, kind: str, method: str, path: str, body: bytes | None = None, **extra: Any) -> Outcome:
        headers = {"Accept": "application/json" if path.startswith(OPEN311) else "text/html"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if extra.get("idempotency_key"):
            headers["Idempotency-Key"] = extra["idempotency_key"]
        as_staff = kind in (*CONSOLE_KINDS, *self.plan.pages)
        cookies = self.cookies if as_staff else self.visitor_cookies
        if method == "POST" and "csrftoken" in cookies:
            headers["X-CSRFToken"] = cookies["csrftoken"]
        started = time.perf_counter()
        status: int | None
        served: float | None = None
        try:
            status, data, served = self._send(method, path, body, headers, as_staff=as_staff)
            error = ""
        except (OSError, http.client.HTTPException) as problem:
            status, data, error = None, b"", f"{type(problem).__name__}: {problem}"
        seconds = time.perf_counter() - started
        if kind in POST_KINDS and status in ACCEPTED:
            extra["service_request_id"] = _service_request_id(data)
        outcome = Outcome(
            client=self.number,
            kind=kind,
            method=method,
            path=path,
            status=status,
            seconds=seconds,
            started=started - self.began,
            error=error,
            server_seconds=served,
            answer=data[:300].decode(errors="replace") if status is not None and status >= 500 else "",
            **extra,
        )
        self.outcomes.append(outcome)
        return outcome

    # --- what a client sends --------------------------------------------------------------

    def post(self, kind: str, marker: str, key: str, body: bytes) -> None:
        for attempt in range(1, self.plan.retry_failed + 2):
            outcome = self.request(
                kind if attempt == 1 else "open311_retry",
                "POST",
                f"{OPEN311}/requests.json",
                body,
                marker=marker,
                idempotency_key=key,
                attempt=attempt,
            )
            if outcome.ok:
                if outcome.service_request_id:
                    self.cases.append(outcome.service_request_id)
                return
            if attempt <= self.plan.retry_failed:
                time.sleep(self.plan.retry_delay)

    def new_report(self) -> None:
        t = self.target
        marker = f"{self.plan.run_id}-c{self.number:03d}-{self.count:04d}"
        lat, lng = t.points[(self.number * 7919 + self.count) % len(t.points)]
        form = {
            "jurisdiction_id": t.jurisdiction_id,
            "api_key": t.api_key,
            "service_code": t.service_code,
            "lat": f"{lat:.6f}",
            "long": f"{lng:.6f}",
            "description": f"{DESCRIPTION}{marker}",
            "email": f"{marker}@load.example.org",
            **{f"attribute[{code}]": value for code, value in t.attributes.items()},
        }
        key = f"{marker}-{uuid.uuid4().hex[:12]}"
        body = urlencode(form).encode()
        self.posted.append((marker, key, body))
        self.post("open311_post", marker, key, body)

    def sign_in(self, sessions: dict[str, dict[str, str]], lock: threading.Lock) -> None:
        """Sign in as the target's staff member through the login form, as a browser does;
        raise if the server does not let them in. One sign-in per staff member and run, one
        at a time (a password hash is slow on purpose): clients of the same member share its
        session, as the tabs of one browser do."""
        username, password = self.target.staff[self.number % len(self.target.staff)]
        with lock:
            for attempt in range(3):
                if username in sessions:
                    break
                try:
                    sessions[username] = self._sign_in(username, password)
                except (OSError, http.client.HTTPException):
                    # A kept-alive connection the server had closed: sign in again on a new one.
                    if attempt == 2:
                        raise
            self.cookies = dict(sessions[username])

    def _sign_in(self, username: str, password: str) -> dict[str, str]:
        status, page, _served = self._send("GET", "/console/login/", None, {"Accept": "text/html"})
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"the console's login page answered {status} without a form")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
        headers = {"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"}
        status, _page, _served = self._send("POST", "/console/login/", urlencode(form).encode(), headers)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not sign in to the console (answer {status})")
        return dict(self.cookies)

    def one(self, kind: str) -> None:
        t, j = self.target, urlencode({"jurisdiction_id": self.target.jurisdiction_id})
        if kind == "open311_retry" and not self.posted:
            kind = "open311_post"
        if kind == "case_page" and not self.cases and not t.case_numbers:
            kind = "city_requests"
        if kind == "open311_post":
            self.new_report()
        elif kind == "open311_retry":
            marker, key, body = self.rng.choice(self.posted)
            self.post("open311_retry", marker, key, body)
        elif kind == "portal_home":
            self.request(kind, "GET", "/")
        elif kind == "city_home":
            self.request(kind, "GET", f"/{t.city_slug}/")
        elif kind == "city_requests":
            self.request(kind, "GET", f"/{t.city_slug}/requests/")
        elif kind == "case_page":
            number = self.rng.choice(self.cases).rsplit("-", 1)[-1] if self.cases else self.rng.choice(t.case_numbers)
            self.request(kind, "GET", f"/{t.city_slug}/requests/{number}/")
        elif kind == "console_queue":
            self.request(kind, "GET", f"/console/?{self.rng.choice(t.console_queries)}")
        elif kind == "console_case":
            self.request(kind, "GET", f"/console/cases/{t.city_slug}/{self.rng.choice(t.case_numbers)}/")
        elif kind == "console_note":
            number = self.rng.choice(t.case_numbers)
            text = f"Load test note {self.plan.run_id}-c{self.number:03d}-{self.count:04d}"
            body = urlencode({"text": text, "visibility": "internal"}).encode()
            self.request(kind, "POST", f"/console/cases/{t.city_slug}/{number}/note/", body)
        elif kind in self.plan.pages:
            self.request(kind, "GET", self.plan.pages[kind])
        elif kind == "open311_services":
            self.request(kind, "GET", f"{OPEN311}/services.json?{j}")
        elif kind == "open311_requests":
            self.request(kind, "GET", f"{OPEN311}/requests.json?{j}&page_size=50")
        elif kind == TRIVIAL_KIND:
            self.request(kind, "GET", t.trivial_path)
        else:
            raise ValueError(f"Unknown kind of request {kind!r}; the kinds are {', '.join(KINDS)}")

    def run(self, start: threading.Barrier, sessions: dict[str, dict[str, str]], lock: threading.Lock) -> None:
        kinds = list(self.plan.mix)
        weights = [self.plan.mix[k] for k in kinds]
        sequence = self.rng.choices(kinds, weights, k=self.plan.requests_per_client)
        staff_kinds = (*CONSOLE_KINDS, *self.plan.pages)
        if self.target.staff and any(kind in staff_kinds for kind in sequence):
            try:
                self.sign_in(sessions, lock)  # before the clock starts: a morning's staff are signed in already
            except BaseException:
                start.abort()
                raise
        start.wait()
        try:
            for kind in sequence:
                self.one(kind)
                self.count += 1
                if self.plan.think_seconds:
                    time.sleep(self.plan.think_seconds)
        finally:
            if self.conn is not None:
                self.conn.close()


def _service_request_id(data: bytes) -> str:
    try:
        answer = json.loads(data)
        return str(answer[0]["service_request_id"])
    except (ValueError, LookupError, TypeError):
        return ""


def run_load(
    target: Target | Sequence[Target], plan: Plan, *, sessions: dict[str, dict[str, str]] | None = None
) -> Report:
    """Run ``plan`` against ``target`` (several: client n uses target n modulo their
    number): every client starts at once, sends its requests one after another, and the
    call returns when all are done. Never raises for what the server answers (or fails to);
    read the Report. Raises if a staff client cannot sign in (threading.BrokenBarrierError).
    ``sessions`` (username: cookies) keeps the staff's sessions from one run to the next:
    each member signs in once (the sign-in page has its own rate limit)."""
    targets = [target] if isinstance(target, Target) else list(target)
    began = time.perf_counter()
    clients = [_Client(n, targets[n % len(targets)], plan, began) for n in range(plan.clients)]
    start = threading.Barrier(plan.clients + 1)
    sessions = {} if sessions is None else sessions
    lock = threading.Lock()
    threads = [
        threading.Thread(target=c.run, args=(start, sessions, lock), name=f"load-client-{c.number}") for c in clients
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began_at = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began_at
    outcomes = sorted((o for c in clients for o in c.outcomes), key=lambda o: o.started)
    return Report(plan=plan, outcomes=outcomes, wall_seconds=wall)


def run_trivial(target: Target, *, clients: int = 24, requests_per_client: int = 15, timeout: float = 30.0) -> Report:
    """The same clients asking only for ``target.trivial_path``: the server's ceiling, the
    figure the other kinds' throughput is divided by."""
    plan = Plan(clients=clients, requests_per_client=requests_per_client, mix={TRIVIAL_KIND: 1}, timeout=timeout)
    return run_load(target, plan)
