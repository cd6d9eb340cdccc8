"""Where the time of each page goes: every public page, the console's queues and case page, and
the Open311 GETs, rendered in-process (Django's test client) on a seeded PostgreSQL. For each
page: the number of queries, the median server time, the slowest query, and whether any query's
plan reads the cases table by a sequential scan.

    .venv/bin/python bench/pages.py --n 200000            # its own cluster, seeded, measured, deleted
    .venv/bin/python bench/pages.py --hold --n 200000     # seed a cluster and keep it (prints its URL)
    .venv/bin/python bench/pages.py --url postgres://...  # measure against a held cluster (migrates it)
    .venv/bin/python bench/pages.py --url ... --only near --near-index  # the near pages alone (with
                                                  # the rows of cases each read), and the index by band's
                                                  # size and its cost to each new case
                                                  # (--near-index cases_city_lat_band_opened: Open311's)
    .venv/bin/python bench/pages.py --url ... --only open311  # Open311's GETs, with its circles
                                                  # filtered by type, status and window beside
                                                  # the same circle unfiltered

docs/performance.md ("Pages") gives the figures of a run and what fixed the worst.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import setup_django, sql, start_cluster

SEQ_SCAN = re.compile(r"Seq Scan on (cases_servicerequest|cases_caseevent|reports_casetally)\b")


def seed(n: int, seed_value: int = 311) -> None:
    """The benchmark's catalogue and ``n`` cases drawn from the Kansas City mix; staff of each role
    with cases assigned; the roll-ups rebuilt; statistics gathered."""
    import numpy as np
    from django.utils import timezone

    from bench.cases import generate_and_copy, load_catalogue
    from bench.mix import kc_profile
    from civicdesk.reports import rollups

    rng = np.random.default_rng(seed_value)
    profile = kc_profile()
    catalogue = load_catalogue(profile)
    # Each case placed in its city, half of them round its centre (the near pages' dense part).
    generate_and_copy(n, profile, catalogue, timezone.now(), rng, placed=True)
    rollups.rebuild()
    _events()
    _staff()
    sql("VACUUM ANALYZE")


def _events() -> None:
    """Each case's audit log as the services write it: CREATED, and CLOSED for a closed case, so
    that the plans of the case pages see a table of events as large as history makes it."""
    sql(
        "INSERT INTO cases_caseevent (case_id, at, actor_label, kind, is_public, text, changes) "
        "SELECT id, opened_at, 'bench', 'created', true, '', '{}' FROM cases_servicerequest"
    )
    sql(
        "INSERT INTO cases_caseevent (case_id, at, actor_label, kind, is_public, text, changes) "
        "SELECT id, closed_at, 'bench', 'closed', true, 'Resolved.', '{}' FROM cases_servicerequest "
        "WHERE closed_at IS NOT NULL"
    )


def _staff() -> None:
    from civicdesk.accounts.models import Role, User
    from civicdesk.tenants.models import City

    city = City.objects.defer("boundary").order_by("-population").first()
    assert city is not None
    department = city.departments.order_by("pk").first()
    for role in (Role.WORKER, Role.SUPERVISOR, Role.CALL_TAKER):
        User.objects.create_user(
            username=f"bench-{role}", password="bench-password-long", city=city, role=role, department=department
        )
    worker = User.objects.get(username=f"bench-{Role.WORKER}")
    # The worker's own queue holds a few hundred open cases, as a busy worker's would.
    sql(
        "UPDATE cases_servicerequest SET assignee_id = %s, status = 'assigned' WHERE id IN ("
        "SELECT id FROM cases_servicerequest WHERE city_id = %s AND status = 'new' ORDER BY id LIMIT 300)",
        [worker.pk, city.pk],
    )


def _regional_admin() -> str:
    """A regional administrator (every city's console), made on a database seeded without one."""
    from civicdesk.accounts.models import Role, User

    username = "bench-regional"
    if not User.objects.filter(username=username).exists():
        User.objects.create_user(username=username, password="bench-password-long", role=Role.REGIONAL_ADMIN)
    return username


# The browse page's "Near" distances measured (metres): 500 ft, ¼ mile, 2 miles.
NEAR_RADII = (("500 ft", 152), ("¼ mile", 402), ("2 miles", 3219))


def near_pages(city: Any) -> list[tuple[str, str, str | None]]:
    """Reports near a place, in the dense part of ``city`` (its centre, where half its cases
    gather): the browse page's "Near" at each distance, with and without a problem chosen;
    Open311's lat/long/radius; and the report form's "Is this yours?" check of a pin there."""
    from django.db.models import Count

    from bench.cases import city_centre

    lat, lng = city_centre(city)
    # The problem most reported (the KC mix's largest): the filter that keeps the most.
    service_type = city.service_types.annotate(n=Count("cases")).order_by("-n", "code").only("pk", "code").first()
    assert service_type is not None
    s, juris, code = city.slug, city.jurisdiction_id, service_type.code
    found: list[tuple[str, str, str | None]] = []
    for words, metres in NEAR_RADII:
        found.append((f"near, {words}", f"/{s}/requests/?near={lat},{lng}&within={metres}", None))
        found.append((f"near, {words}, one type", f"/{s}/requests/?near={lat},{lng}&within={metres}&type={code}", None))
    for words, metres in NEAR_RADII:
        found.append(
            (
                f"open311 requests near, {words}",
                f"/open311/v2/requests.json?jurisdiction_id={juris}&lat={lat}&long={lng}&radius={metres}",
                None,
            )
        )
    found.append(
        ("report form nearby check", f"/report/nearby/?service_type={service_type.pk}&lat={lat}&lng={lng}", None)
    )
    # The browse page's "Near" deep into the dense circle: an old numbered address (?page=N,
    # read by its offset from the place), and the same page reached by "Farther" (a cursor
    # after the last report of the page before: cases.selectors.NearestFirst.page).
    for page in (40, 400):
        found.append((f"near, 2 miles, page {page}", f"/{s}/requests/?near={lat},{lng}&within=3219&page={page}", None))
    from civicdesk.cases.selectors import NearestFirst
    from civicdesk.portal.selectors import browse_cases

    if hasattr(NearestFirst, "cursor"):
        nearest = NearestFirst(browse_cases(city=city), lat=float(f"{lat}"), lng=float(f"{lng}"), radius_m=3219)
        for page in (2, 40, 400):
            last_before = nearest[(page - 1) * 25 - 1 : (page - 1) * 25][0]
            cursor = nearest.cursor(last_before, after=True)
            url = f"/{s}/requests/?near={lat},{lng}&within=3219&cursor={cursor}"
            found.append((f"near, 2 miles, page {page} by cursor", url, None))
            found.append((f"near, 2 miles, back from page {page + 1}", url.replace(cursor, _back(nearest, page)), None))
    return found + open311_filtered_near_pages(city, lat, lng)


def _back(nearest: Any, page: int) -> str:
    """The "Nearer" cursor of page ``page + 1`` (before its first report): page ``page`` read backwards."""
    first_after = nearest[page * 25 : page * 25 + 1][0]
    return str(nearest.cursor(first_after, after=False))


# Open311's filters measured near a point: a common problem (potholes, the "streets" type of the
# KC mix) and the city's rarest type that has cases, each open and closed.
COMMON_CODE = "streets"


def rare_code(city: Any) -> str:
    """The public type of ``city`` with the fewest cases, of those that have any."""
    from django.db.models import Count

    found = (
        city.service_types.filter(is_confidential=False)
        .annotate(n=Count("cases"))
        .filter(n__gt=0)
        .order_by("n", "code")
        .values_list("code", flat=True)
        .first()
    )
    assert found is not None
    return str(found)


def open311_filtered_near_pages(city: Any, lat: float, lng: float) -> list[tuple[str, str, str | None]]:
    """Open311's lat/long/radius with a ``service_code`` and/or ``status`` (and a
    ``start_date``/``end_date`` window) on the dense circles (¼ mile and 2 miles of the centre):
    a common type and a rare one, open and closed; the same circle without filters is the
    baseline ("open311 requests near, …")."""
    import datetime as dt

    juris, rare = city.jurisdiction_id, rare_code(city)
    # A window the spec allows (at most 90 days) that ends a month ago: the newest of each band
    # are not in it.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start, end = (now - dt.timedelta(days=d) for d in (75, 30))
    window = f"&start_date={start.isoformat().replace('+00:00', 'Z')}&end_date={end.isoformat().replace('+00:00', 'Z')}"
    found: list[tuple[str, str, str | None]] = []
    for words, metres in (("¼ mile", 402), ("2 miles", 3219)):
        base = f"/open311/v2/requests.json?jurisdiction_id={juris}&lat={lat}&long={lng}&radius={metres}"
        for status in ("open", "closed"):
            found.append((f"open311 filtered near, {words}, {status}", f"{base}&status={status}", None))
        for label, code in (("common type", COMMON_CODE), ("rare type", rare)):
            found.append((f"open311 filtered near, {words}, {label}", f"{base}&service_code={code}", None))
            for status in ("open", "closed"):
                found.append(
                    (
                        f"open311 filtered near, {words}, {label}, {status}",
                        f"{base}&service_code={code}&status={status}",
                        None,
                    )
                )
        found.append((f"open311 filtered near, {words}, window", f"{base}{window}", None))
        found.append(
            (
                f"open311 filtered near, {words}, common type, open, window",
                f"{base}&service_code={COMMON_CODE}&status=open{window}",
                None,
            )
        )
    return found


def pages() -> list[tuple[str, str, str | None]]:
    """(kind, URL, staff username or None) of every page measured."""
    from civicdesk.cases.models import ServiceRequest
    from civicdesk.tenants.models import City

    city = City.objects.defer("boundary").order_by("-population").first()
    assert city is not None
    case = ServiceRequest.objects.filter(city=city).order_by("-number").only("number", "tracking_token").first()
    assert case is not None
    code = city.service_types.order_by("code").values_list("code", flat=True).first()
    district = city.districts.order_by("number").values_list("pk", flat=True).first()
    juris = city.jurisdiction_id
    s = city.slug
    public = [
        ("regional home", "/", None),
        ("city home", f"/{s}/", None),
        ("browse", f"/{s}/requests/", None),
        ("browse, open, one type", f"/{s}/requests/?status=open&type={code}", None),
        ("browse, page 50", f"/{s}/requests/?page=50", None),
        ("case page", f"/{s}/requests/{case.number}/", None),
        ("tracking page", f"/track/{case.tracking_token}/", None),
        ("dashboard", f"/{s}/performance/", None),
        ("regional comparison", "/performance/compare/", None),
        ("open data", "/open-data/", None),
        ("city open data", f"/{s}/open-data/", None),
        ("open311 services", f"/open311/v2/services.json?jurisdiction_id={juris}", None),
        ("open311 service definition", f"/open311/v2/services/{code}.json?jurisdiction_id={juris}", None),
        ("open311 requests", f"/open311/v2/requests.json?jurisdiction_id={juris}", None),
        (
            "open311 requests, open, one type",
            f"/open311/v2/requests.json?jurisdiction_id={juris}&status=open&service_code={code}",
            None,
        ),
        ("open311 one request", f"/open311/v2/requests/{case.number}.json?jurisdiction_id={juris}", None),
        *near_pages(city),
    ]
    staff = []
    for role in ("worker", "supervisor"):
        user = f"bench-{role}"
        for queue in ("mine", "department", "unassigned", "overdue", "all"):
            staff.append((f"console {queue} ({role})", f"/console/?queue={queue}", user))
        staff.append((f"console all, sorted by type ({role})", "/console/?queue=all&sort=type", user))
        staff.append((f"console all, sorted by due ({role})", "/console/?queue=all&sort=-due", user))
        staff.append(
            (f"console all, open, district ({role})", f"/console/?queue=all&status=new&district={district}", user)
        )
        staff.append((f"console all, page 100 ({role})", "/console/?queue=all&page=100", user))
        staff.append((f"console search ({role})", "/console/?queue=all&q=Main", user))
    staff.append(("console overdue page (supervisor)", "/console/overdue/", "bench-supervisor"))
    staff.append(("console likely late (supervisor)", "/console/likely-late/", "bench-supervisor"))
    staff.append(("console not placed (supervisor)", "/console/not-placed/", "bench-supervisor"))
    staff.append(("console region (regional admin)", "/console/region/", _regional_admin()))
    staff.append(("console case page (supervisor)", f"/console/cases/{s}/{case.number}/", "bench-supervisor"))
    return public + staff


def rows_of_cases(text: str) -> int:
    """The rows of cases every plan node of ``text`` read (EXPLAIN ANALYZE: those it kept and
    those its filter removed, times its loops)."""
    raw = sql("EXPLAIN (ANALYZE, FORMAT JSON) " + text)[0][0]
    stack = [(json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]]
    read = 0
    while stack:
        node = stack.pop()
        stack.extend(node.get("Plans", []))
        if node.get("Relation Name") == "cases_servicerequest":
            read += (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * node.get("Actual Loops", 1)
    return int(read)


def near_index_cost(index_name: str = "cases_city_lat_band", rows: int = 3000, repeat: int = 5) -> dict[str, Any]:
    """An index of cases by band of latitude (``cases_city_lat_band``, or
    ``cases_city_lat_band_opened``, Open311's newest near a point): its size beside the
    table's and all its indexes', and its cost to each new case: the time of ``rows`` INSERTs,
    one case each (a copy of a case drawn at random, so each lands in a random band), with the
    index and with it dropped in the same transaction, rolled back; the median of ``repeat``."""
    from django.db import transaction

    from civicdesk.cases.models import ServiceRequest

    index, table, indexes = sql(
        "SELECT pg_relation_size(%s::regclass), pg_relation_size('cases_servicerequest'), "
        "pg_indexes_size('cases_servicerequest')",
        [index_name],
    )[0]
    columns = [str(f.column) for f in ServiceRequest._meta.concrete_fields if not f.primary_key]
    # Each copy a new case: its number and tracking token its own.
    special = {"number": "100000000 + %(n)s", "tracking_token": "tracking_token || '-' || %(n)s"}
    names = ", ".join(f'"{c}"' for c in columns)
    chosen = ", ".join(special.get(c, f'"{c}"') for c in columns)
    insert = f"INSERT INTO cases_servicerequest ({names}) SELECT {chosen} FROM cases_servicerequest WHERE id = %(id)s"  # noqa: S608
    ids = [r[0] for r in sql("SELECT id FROM cases_servicerequest ORDER BY random() LIMIT %s", [rows])]

    def run(drop: bool) -> float:
        with transaction.atomic():
            if drop:
                sql(f'DROP INDEX "{index_name}"')
            started = time.perf_counter()
            for n, case_id in enumerate(ids):
                sql(insert, {"n": n, "id": case_id})
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
        return seconds * 1000 / len(ids)

    with_index, without = [], []
    for _ in range(repeat):
        with_index.append(run(False))
        without.append(run(True))
    return {
        "index": index_name,
        "index_bytes": index,
        "table_bytes": table,
        "all_indexes_bytes": indexes,
        "inserts": len(ids),
        "ms_per_insert_with_index": round(statistics.median(with_index), 4),
        "ms_per_insert_without_index": round(statistics.median(without), 4),
    }


def measure(repeat: int = 3, explain: bool = True, only: str = "") -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from civicdesk.accounts.models import User

    clients: dict[str | None, Client] = {None: Client()}
    rows = []
    for kind, url, username in pages():
        if only and only not in kind:
            continue
        if username not in clients:
            client = Client()
            client.force_login(User.objects.get(username=username))
            clients[username] = client
        client = clients[username]
        client.get(url)  # warm: templates compiled, caches filled as a visitor would find them
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        queries = captured.captured_queries
        slowest = max(queries, key=lambda q: float(q["time"]), default=None)
        seq = []
        read = 0
        if explain:
            for q in queries:
                text = q["sql"]
                if not text.lstrip().lstrip("(").upper().startswith("SELECT") or (
                    "cases_" not in text and "reports_" not in text
                ):
                    continue
                plan = "\n".join(r[0] for r in sql("EXPLAIN " + text))
                if "cases_servicerequest" in text:
                    read += rows_of_cases(text)
                found = SEQ_SCAN.findall(plan)
                if found:
                    seq.append({"sql": text[:300], "tables": sorted(set(found))})
        returned = None
        if response.get("Content-Type", "").startswith("application/json"):
            answer = response.json()
            returned = len(answer) if isinstance(answer, list) else None
        rows.append(
            {
                "kind": kind,
                "url": url,
                "status": response.status_code,
                "returned": returned,
                "queries": len(queries),
                "ms": round(statistics.median(times), 1),
                "slowest_query_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0,
                "slowest_query": slowest["sql"][:400] if slowest else "",
                "seq_scans": seq,
                "rows_of_cases_read": read,
            }
        )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| page | queries | ms | slowest query (ms) | rows of cases read | returned | seq scan |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        scans = ", ".join(sorted({t for s in r["seq_scans"] for t in s["tables"]})) or ""
        returned = "" if r.get("returned") is None else f"{r['returned']:,}"
        lines.append(
            f"| {r['kind']} | {r['queries']} | {r['ms']} | {r['slowest_query_ms']} | {r['rows_of_cases_read']:,} | {returned} | {scans} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--url", help="a database already seeded by --hold")
    parser.add_argument("--hold", action="store_true", help="seed, print the URL, keep the cluster until stopped")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="write the rows here")
    parser.add_argument("--only", default="", help="measure only the pages whose kind holds these words")
    parser.add_argument(
        "--near-index",
        nargs="?",
        const="cases_city_lat_band",
        help="also a near index's size and its cost to each new case (cases_city_lat_band unless named)",
    )
    args = parser.parse_args()
    # The cost of rendering each page, not of reading a kept copy (civicdesk/core/pagecache.py).
    os.environ["PUBLIC_PAGE_CACHE_SECONDS"] = "0"
    cluster = None
    try:
        if args.url:
            setup_django(args.url)
        else:
            cluster = start_cluster()
            setup_django(cluster.url)
            started = time.perf_counter()
            seed(args.n)
            print(f"seeded {args.n:,} cases in {time.perf_counter() - started:.0f} s at {cluster.url}", flush=True)
            if args.hold:
                while True:
                    time.sleep(60)
        rows = measure(args.repeat, only=args.only)
        print(table(rows))
        if args.near_index:
            print(json.dumps(near_index_cost(args.near_index), indent=2))
        for r in rows:
            if r["status"] != 200:
                print(f"!! {r['kind']}: {r['status']}")
            for s in r["seq_scans"]:
                print(f"!! {r['kind']}: seq scan {s['tables']}: {s['sql']}")
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    finally:
        if cluster is not None:
            from django.db import connections

            connections.close_all()
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
