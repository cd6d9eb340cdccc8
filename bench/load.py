"""The load test: ``make serve-prod`` on the benchmark's database, tens of clients at once on
loopback (tests/ops/loadgen.py).

The runs, one after the other: the trivial endpoint (the ceiling; run three times among the
others, the median kept, as every ratio divides by it); Open311 POSTs only into one
city (the burst: every report queues for that city's next number); the same POSTs from one
client; Open311 POSTs spread over the five cities (one key per city); the mix of POSTs and
page views (one city); a busy morning (staff of every city signed in, opening queues with
filters and case pages, adding notes, beside residents' page views, without a staff session,
and Open311 POSTs); and every page kind alone, one client, for its p50.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.cases import points_inside

# Pages timed alone: name -> (path, who is signed in: None, "worker", "supervisor" or "regional"
# (a regional administrator)). A
# path's {city} is the busiest city's slug, {number} one of its cases.
PAGES_ALONE: dict[str, tuple[str, str | None]] = {
    "portal_home": ("/", None),
    "city_home": ("/{city}/", None),
    "city_requests": ("/{city}/requests/", None),
    "case_page": ("/{city}/requests/{number}/", None),
    "open311_services": ("/open311/v2/services.json?jurisdiction_id={jurisdiction}", None),
    "open311_requests": ("/open311/v2/requests.json?jurisdiction_id={jurisdiction}&page_size=50", None),
    "dashboard": ("/{city}/performance/", None),
    "regional_comparison": ("/performance/compare/", None),
    "console_mine_worker": ("/console/?queue=mine", "worker"),
    "console_department_worker": ("/console/?queue=department&sort=-opened", "worker"),
    "console_department_supervisor": ("/console/?queue=department&status=new&sort=due", "supervisor"),
    "console_unassigned_supervisor": ("/console/?queue=unassigned", "supervisor"),
    "console_overdue_supervisor": ("/console/?queue=overdue&sort=due", "supervisor"),
    "console_all_city": ("/console/?queue=all", "supervisor"),
    "console_all_city_filtered": ("/console/?queue=all&status=in_progress&sort=-opened", "supervisor"),
    "console_all_city_search": ("/console/?queue=all&q=pothole", "supervisor"),
    "console_case": ("/console/cases/{city}/{number}/", "supervisor"),
    "console_region": ("/console/region/", "regional"),
}
ALONE_REQUESTS = 15
# The trivial endpoint answers a dozen times faster than the runs divided by it: at the same
# number of requests its run lasted half a second, and one busy half-second of a shared machine
# moved every ratio by a third (801 to 1,763 req/s in one session). Each trivial run makes this
# many times as many requests, so it lasts about as long as the others (5 to 10 s).
TRIVIAL_REQUESTS_TIMES = 10
# The busy morning's goal is on the p99 of every kind, and a p99 by nearest rank of fewer than
# 100 requests is the kind's slowest one: at 20 requests a client the rarest kinds had 13 to 41,
# so "p99" was one request's bad luck. The morning makes this many times as many requests, so
# each kind has about 100 or more (the rarest, a retried POST, is 2% of the mix).
MORNING_REQUESTS_TIMES = 8


# Each run starts once the task worker has sent the emails of the runs before it (at most this
# long): a burst of reports leaves a few thousand emails, which the worker sends at its lower
# priority, and no run should pay for another's. (The waits are a few seconds; they were not
# why the later trivial runs are slower than the first, see docs/performance.md.)
QUIET_TIMEOUT_S = 180.0


def wait_for_the_outbox(since: Any, timeout: float = QUIET_TIMEOUT_S) -> float:
    """Seconds waited until no email of the runs (written from ``since`` on) is being sent or
    due to be (``timeout`` at most); one waiting for a later attempt (after a failure) is not
    the worker's work now."""
    from django.db.models import Q

    from civicdesk.core import clock
    from civicdesk.notifications.models import OutboxMessage, OutboxStatus

    began = time.monotonic()
    while time.monotonic() - began < timeout:
        due = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=clock.now()) | Q(status=OutboxStatus.SENDING)
        if not OutboxMessage.objects.filter(due, created_at__gte=since).exists():
            break
        time.sleep(0.5)
    return round(time.monotonic() - began, 1)


def _server_hash(password: str) -> str:
    """The password as the server stores it: its hasher (production settings: PBKDF2), not this
    process's (the tests' settings hash with MD5, which the server does not read)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt())


def _staff_of(entry: dict[str, Any], password: str) -> dict[str, Any]:
    """A worker and a supervisor of the city's first type's department; a few hundred of the
    department's open cases assigned to the worker (their "mine" queue is not empty)."""
    from civicdesk.accounts.models import Role, User
    from civicdesk.cases.models import ServiceRequest, Status

    city = entry["city"]
    code, service_type = sorted(entry["types"].items())[0]
    department = service_type.department
    staff = {}
    for role in (Role.WORKER, Role.SUPERVISOR):
        username = f"bench-{role}-{city.slug}"
        User.objects.filter(username=username).delete()
        staff[str(role)] = User.objects.create_user(
            username=username, email=f"{username}@bench.example.org", city=city, role=role, department=department
        )
        User.objects.filter(pk=staff[str(role)].pk).update(password=_server_hash(password))
    open_ids = (
        ServiceRequest.objects.filter(city=city, department=department, status=Status.NEW)
        .order_by("-opened_at")
        .values_list("pk", flat=True)[:300]
    )
    ServiceRequest.objects.filter(pk__in=list(open_ids)).update(assignee=staff["worker"], status=Status.ASSIGNED)
    numbers = list(ServiceRequest.objects.filter(city=city).order_by("?").values_list("number", flat=True)[:300])
    return {"code": code, "service_type": service_type, "staff": staff, "numbers": numbers}


def _check_cases(run_ids: list[str]) -> dict[str, Any]:
    """What the runs made: one case per report, each with its CREATED event and at least its
    acknowledgement in the outbox; every city's numbers gapless."""
    from django.db.models import Count, Max, Min, Q

    from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest
    from civicdesk.notifications.models import OutboxMessage

    made = ServiceRequest.objects.none()
    for run_id in run_ids:
        made = made | ServiceRequest.objects.filter(description__contains=run_id)
    ids = list(made.values_list("pk", flat=True))
    with_event = CaseEvent.objects.filter(case_id__in=ids, kind=EventKind.CREATED).values("case_id").distinct().count()
    with_mail = OutboxMessage.objects.filter(case_id__in=ids).values("case_id").distinct().count()
    per_city = ServiceRequest.objects.values("city__slug").annotate(n=Count("pk"), lo=Min("number"), hi=Max("number"))
    gaps = {r["city__slug"]: r["hi"] - r["lo"] + 1 - r["n"] for r in per_city if r["hi"] - r["lo"] + 1 != r["n"]}
    notes = CaseEvent.objects.filter(Q(text__startswith="Load test note"), kind=EventKind.INTERNAL_NOTE).count()
    return {
        "cases_made": len(ids),
        "cases_with_created_event": with_event,
        "cases_with_outbox_rows": with_mail,
        "cities_with_gaps": gaps,
        "notes_added": notes,
    }


def postmaster_pid() -> int | None:
    """The main process of the PostgreSQL server Django's connection reaches, when it runs on
    this machine (its CPU and its backends' are counted per run); None for SQLite."""
    from django.db import connection

    from tests.ops.prod_server import parent_pid

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
        parent = parent_pid(backend)
        if parent is None:
            return None  # a server on another machine: no such process here
        try:
            names = (Path(f"/proc/{backend}/comm").read_text(), Path(f"/proc/{parent}/comm").read_text())
        except OSError:
            return None  # a server on another machine
    return parent if all(name.strip() == "postgres" for name in names) else None


def cpu_figures(before: dict[str, float], after: dict[str, float], *, requests: int, wall: float) -> dict[str, Any]:
    """Each role's CPU per request over a run, in ms, and how busy it kept the machine's cores
    (all roles' CPU seconds over the run's wall time times the cores: 1.0 is every core busy)."""
    spent = {role: max(0.0, after.get(role, 0.0) - before.get(role, 0.0)) for role in after}
    per_request = {role: round(seconds / max(requests, 1) * 1000, 2) for role, seconds in sorted(spent.items())}
    return {
        "cpu_ms_per_request": per_request,
        "cpu_ms_per_request_total": round(sum(spent.values()) / max(requests, 1) * 1000, 2),
        "cores_busy": round(sum(spent.values()) / (max(wall, 1e-9) * (os.cpu_count() or 1)), 2),
    }


def bench_load(
    catalogue: dict[str, Any],
    database_url: str,
    rng: Any,
    *,
    clients: int,
    requests: int,
    alone_requests: int = ALONE_REQUESTS,
) -> dict[str, Any]:
    """serve-prod on this database, then the runs of the module's docstring, ``clients``
    clients at once, ``requests`` each (tests/ops/loadgen.py); each page alone
    ``alone_requests`` times."""
    from civicdesk.cases.models import ServiceRequest
    from civicdesk.core import clock
    from civicdesk.open311.services import api_key_create
    from tests.ops.loadgen import (
        BUSY_MORNING,
        INTAKE_ONLY,
        Plan,
        Report,
        Target,
        run_load,
        run_trivial,
    )
    from tests.ops.prod_server import HOST, LOAD_RATE, ServeProd, prod_env, tree_cpu_seconds

    password = secrets.token_urlsafe(16)
    ordered = sorted(catalogue.values(), key=lambda e: -(e["city"].population or 0))
    per_city = []
    for entry in ordered:
        city = entry["city"]
        setup = _staff_of(entry, password)
        department = setup["service_type"].department
        if department and not department.email:
            # The department's shared address gets each new case, as in a city: the worker has mail to send.
            department.email = f"{department.code}@{city.slug}.bench.example.org"
            department.save(update_fields=["email"])
        _key, raw_key = api_key_create(city=city, name="bench load test")
        per_city.append((entry, setup, raw_key))
    from civicdesk.accounts.models import Role, User

    User.objects.filter(username="bench-regional").delete()
    regional = User.objects.create_user(
        username="bench-regional", email="regional@bench.example.org", role=Role.REGIONAL_ADMIN
    )
    User.objects.filter(pk=regional.pk).update(password=_server_hash(password))
    per_city[0][1]["staff"]["regional"] = regional
    cases_before = ServiceRequest.objects.count()
    postgres = postmaster_pid()
    from django.db import connections

    connections.close_all()
    with tempfile.TemporaryDirectory() as tmp:
        env = prod_env(Path(tmp), database_url, RATELIMIT_SIGN_IN=LOAD_RATE)
        sessions: dict[str, dict[str, str]] = {}  # each staff member signs in once
        with ServeProd(env) as server:
            server.sample_memory()
            cpu: dict[int, dict[str, Any]] = {}  # id(report): its cpu_figures

            def cpu_now() -> dict[str, float]:
                seconds = server.cpu_by_role()
                if postgres is not None:
                    seconds["PostgreSQL"] = tree_cpu_seconds(postgres)
                # This process: the clients (threads) and the memory sampler.
                seconds["load generator"] = time.process_time()
                return seconds

            def metered(run: Callable[[], Report]) -> Report:
                """``run()``, with the CPU each role spent on it."""
                before = cpu_now()
                report = run()
                summary = report.summary()
                cpu[id(report)] = cpu_figures(
                    before, cpu_now(), requests=summary["requests"], wall=summary["wall_seconds"]
                )
                return report

            def target_of(entry: dict[str, Any], setup: dict[str, Any], raw_key: str, *roles: str) -> Target:
                city = entry["city"]
                return Target(
                    port=server.port,
                    host_header=HOST,
                    jurisdiction_id=city.jurisdiction_id,
                    api_key=raw_key,
                    service_code=setup["code"],
                    city_slug=city.slug,
                    points=points_inside(city, 500, rng),
                    staff=[(setup["staff"][role].username, password) for role in roles],
                    case_numbers=setup["numbers"],
                )

            target = target_of(*per_city[0])  # the busiest city, residents only
            every_city = [target_of(*c) for c in per_city]
            staffed = [target_of(*c, "worker", "supervisor") for c in per_city]
            # Every worker warm (templates compiled, every city's geometry indexed), not measured.
            runs_began = clock.now()
            run_trivial(target, clients=clients, requests_per_client=2)
            run_load(target, Plan(clients=clients, requests_per_client=3))
            run_load(staffed, Plan(clients=clients, requests_per_client=3, mix=BUSY_MORNING), sessions=sessions)
            load_average = os.getloadavg()[0]
            # The trivial endpoint is every ratio's denominator: it is run three times, spread
            # among the others, each as long as they are (TRIVIAL_REQUESTS_TIMES), the median kept.
            trivial_requests = requests * TRIVIAL_REQUESTS_TIMES
            waited: list[float] = []

            def quiet() -> None:
                waited.append(wait_for_the_outbox(runs_began))

            def trivial_run() -> Report:
                return metered(lambda: run_trivial(target, clients=clients, requests_per_client=trivial_requests))

            quiet()
            trivials = [trivial_run()]
            quiet()
            intake = metered(
                lambda: run_load(target, Plan(clients=clients, requests_per_client=requests, mix=INTAKE_ONLY))
            )
            quiet()
            # The same POSTs from one client: what concurrency adds to intake into one city.
            intake_alone = metered(
                lambda: run_load(target, Plan(clients=1, requests_per_client=requests, mix=INTAKE_ONLY))
            )
            quiet()
            spread = metered(
                lambda: run_load(every_city, Plan(clients=clients, requests_per_client=requests, mix=INTAKE_ONLY))
            )
            quiet()
            trivials.append(trivial_run())
            quiet()
            mixed = metered(lambda: run_load(target, Plan(clients=clients, requests_per_client=requests)))
            quiet()
            morning = metered(
                lambda: run_load(
                    staffed,
                    Plan(clients=clients, requests_per_client=requests * MORNING_REQUESTS_TIMES, mix=BUSY_MORNING),
                    sessions=sessions,
                )
            )
            quiet()
            trivials.append(trivial_run())
            trivial = sorted(trivials, key=lambda run: run.summary()["rps"])[1]
            alone: dict[str, Report] = {}
            entry, setup, raw_key = per_city[0]
            for name, (path, role) in PAGES_ALONE.items():
                page = path.format(
                    city=entry["city"].slug, number=setup["numbers"][0], jurisdiction=entry["city"].jurisdiction_id
                )
                who = target_of(entry, setup, raw_key, *([role] if role else []))
                plan = Plan(clients=1, requests_per_client=alone_requests, mix={name: 1}, pages={name: page})
                warm = Plan(clients=1, requests_per_client=2, mix={name: 1}, pages={name: page})
                run_load(who, warm, sessions=sessions)
                alone[name] = run_load(who, plan, sessions=sessions)
            processes = server.processes()
            workers = sum(1 for p in processes if p.name == "gunicorn worker")
        if server.returncode != 0:
            raise RuntimeError(f"serve-prod did not stop cleanly:\n{server.output()}")
    post_runs: list[Report] = [intake, intake_alone, spread, mixed, morning]
    told = {marker: sid for run in post_runs for marker, sid in run.accepted().items()}
    checked = _check_cases([r.plan.run_id for r in post_runs])
    peaks: dict[str, float] = {}
    for p in processes:
        peaks[p.name] = max(peaks.get(p.name, 0.0), round(p.peak_rss_kib / 1024, 1))

    def figures(report: Report, *, kinds: bool = False) -> dict[str, Any]:
        summary = report.summary()
        return {**(summary if kinds else {k: v for k, v in summary.items() if k != "kinds"}), **cpu.get(id(report), {})}

    every_run = (*trivials, *post_runs, *alone.values())
    trivial_rps = trivial.summary()["rps"]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cases_in_database": cases_before,
        "web_workers": workers,
        "cores": os.cpu_count(),
        "clients": clients,
        "requests_per_client": requests,
        "trivial_path": target.trivial_path,
        "load_average_before": round(load_average, 2),
        "rate_limits": f"on, RATELIMIT_OPEN311_KEY, RATELIMIT_OPEN311_IP and RATELIMIT_SIGN_IN raised to {LOAD_RATE}",
        "trivial": figures(trivial),
        "trivial_runs_rps": [run.summary()["rps"] for run in trivials],
        "trivial_runs_cores_busy": [cpu[id(run)]["cores_busy"] for run in trivials],
        "waited_for_the_outbox_s": waited,
        "intake": figures(intake),
        "intake_one_client": figures(intake_alone),
        "intake_five_cities": figures(spread),
        "mixed": figures(mixed, kinds=True),
        "morning": figures(morning, kinds=True),
        "pages_alone": {name: figures(report) for name, report in alone.items()},
        "pages_alone_paths": {name: path for name, (path, _role) in PAGES_ALONE.items()},
        "ratio_intake_to_trivial": round(intake.summary()["rps"] / trivial_rps, 3),
        "ratio_intake_five_cities_to_trivial": round(spread.summary()["rps"] / trivial_rps, 3),
        "ratio_mixed_to_trivial": round(mixed.summary()["rps"] / trivial_rps, 3),
        "ratio_morning_to_trivial": round(morning.summary()["rps"] / trivial_rps, 3),
        "server_errors": sum(len(r.server_errors()) for r in every_run),
        "connection_errors": sum(len(r.connection_errors()) for r in every_run),
        "reports_accepted": len(told),
        **checked,
        "peak_rss_mib": peaks,
        "processes": [
            {"pid": p.pid, "process": p.name, "peak_rss_mib": round(p.peak_rss_kib / 1024, 1)} for p in processes
        ],
    }
