#!/usr/bin/env python
"""``make bench``: the reports and the history import on N synthetic cases in PostgreSQL.

What it does, in order:

1. reads the Kansas City 311 export in ../shared/data/311/kcmo once and computes the mix:
   categories (mapped to service codes by the import's own ``kcmo.yaml``), their departments,
   channels, council districts, hour of day, month of year, days to close per category and
   the share still open;
2. starts a throwaway PostgreSQL cluster (``tests/pg_cluster.py``), migrates, loads the five
   member cities and a catalogue (one service type per code, with KC's department and a
   target drawn from KC's "exceeded estimated time frame" flag);
3. the import: a KC-format CSV of ``--import-rows`` real KC rows (resampled, fresh case ids,
   points inside the city) through ``manage.py import_cases`` in a child process (its rate
   and peak RSS), against ``COPY`` of the very rows it wrote;
4. generates N cases over two years ending today, drawn from that mix, loads them with
   ``COPY`` and rebuilds the roll-ups;
5. times the Service Request Report and each operational figure, for 3 weeks and for a year,
   for the collaborative and for one city, against the same aggregate written as plain SQL
   on the cases (the ratio: ours / plain SQL; below 1 means faster);
6. the load test on loopback: ``make serve-prod`` (gunicorn workers, task worker, sweeper) on the
   same database, tens of clients at once (tests/ops/loadgen.py): first the trivial endpoint,
   then Open311 POSTs only, then the mix of POSTs and page views; requests per second, p50/p99,
   intake throughput as a ratio of the trivial endpoint's, 5xx, peak RSS per process;
7. writes bench/results.json and docs/performance.md.

    .venv/bin/python bench/run.py            # N = 1,000,000
    .venv/bin/python bench/run.py --quick    # N = 100,000
    .venv/bin/python bench/run.py --only load  # the load test alone, on 100,000 cases
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import datetime as dt
import io
import json
import logging
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
KC_DIR = REPO.parent / "shared" / "data" / "311" / "kcmo"
DATA_DIR = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
SPAN_DAYS = 730  # two years of history: a one-year report covers half the cases
CHANNELS = {"PHONE": "phone", "VOICE": "phone", "WEB": "web", "EMAIL": "email", "TWIR": "mobile", "BOT": "mobile"}
OTHER_CHANNEL = "walk_in"  # SYS, INSPE (inspectors) and the rest: entered by staff


# --- 1. the Kansas City mix -----------------------------------------------------------------


def _kc_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(KC_DIR.glob("*_neighborhood.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def _code_of_category() -> tuple[dict[str, str], str]:
    import yaml

    mapping = yaml.safe_load((REPO / "civicdesk/history/mappings/kcmo.yaml").read_text())
    codes = mapping["service_types"]["codes"]
    table = {category: code for code, categories in codes.items() for category in categories}
    return table, mapping["service_types"].get("otherwise", "other")


def kc_profile() -> dict[str, Any]:
    """The distributions the synthetic cases are drawn from."""
    rows = _kc_rows()
    table, otherwise = _code_of_category()
    per_code: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for row in rows:
        per_code[table.get(row["CATEGORY"], otherwise)].append(row)
    codes = {}
    for code, members in per_code.items():
        days = sorted(float(r["DAYS TO CLOSE"]) for r in members if r["DAYS TO CLOSE"] and r["STATUS"] != "OPEN")
        exceeded = sum(1 for r in members if r["EXCEEDED EST TIMEFRAME"] == "Y") / len(members)
        # The target a city would set so that the share KC saw exceeded is exceeded here too.
        target = days[min(len(days) - 1, int(len(days) * (1 - exceeded)))] if days else 10
        codes[code] = {
            "count": len(members),
            "department": collections.Counter(r["DEPARTMENT"] or "Unassigned" for r in members).most_common(1)[0][0],
            "days": days or [1.0],
            "open_share": sum(1 for r in members if r["STATUS"] in ("OPEN", "ASSIG")) / len(members),
            "target_days": max(1, min(365, round(target))),
        }
    channels = collections.Counter(CHANNELS.get(r["SOURCE"], OTHER_CHANNEL) for r in rows)
    districts = collections.Counter(r["COUNCIL DISTRICT"] for r in rows)
    hours = collections.Counter()
    for r in rows:
        m = re.match(r"(\d\d):\d\d ([AP]M)", r["CREATION TIME"])
        if m:
            hours[int(m.group(1)) % 12 + (12 if m.group(2) == "PM" else 0)] += 1
    months = collections.Counter(int(r["CREATION MONTH"]) for r in rows if r["CREATION MONTH"])
    return {
        "rows": len(rows),
        "codes": codes,
        "channels": dict(channels),
        # By rank: the most reported district of KC maps to a city's first district, and so on.
        "district_ranks": [n for d, n in districts.most_common() if d],
        "no_district": districts.get("", 0),
        "hours": [hours.get(h, 0) for h in range(24)],
        "months": [months.get(m, 0) for m in range(1, 13)],
    }


# --- 2. the database ------------------------------------------------------------------------


def start_cluster() -> Any:
    from tests.pg_cluster import Cluster, find_pg_bindir

    cluster = Cluster(find_pg_bindir())
    cluster.start()
    return cluster


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"  # no query log kept in memory
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Pages are rendered without collectstatic having run: plain static URLs, no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    logging.getLogger("civicdesk.request").setLevel(logging.WARNING)  # one line per page timed is noise


def load_catalogue(profile: dict[str, Any]) -> dict[str, Any]:
    from civicdesk.catalog.models import ServiceType
    from civicdesk.demo.places import load_member_cities
    from civicdesk.tenants.models import Department

    cities = load_member_cities(data_dir=DATA_DIR)
    catalogue = {}
    for city in cities:
        departments: dict[str, Department] = {}
        types = {}
        for code, spec in sorted(profile["codes"].items()):
            name = spec["department"]
            if name not in departments:
                departments[name] = Department.objects.create(city=city, name=name, code=f"d{len(departments)}")
            types[code] = ServiceType.objects.create(
                city=city,
                code=code,
                name=code.replace("-", " ").title(),
                department=departments[name],
                target_days=spec["target_days"],
            )
        districts = list(city.districts.filter(number__isnull=False).order_by("number").values_list("pk", flat=True))
        catalogue[city.slug] = {"city": city, "types": types, "districts": districts}
    return catalogue


def _sql(query: str, params: Any = None) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def _raw_cursor() -> Any:
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.cursor()


# --- 3. the import ----------------------------------------------------------------------------


def points_inside(city: Any, count: int, rng: Any) -> list[tuple[float, float]]:
    import numpy as np
    import shapely

    from civicdesk.tenants import geo

    shape = geo.shape_from_geojson(city.boundary)
    minx, miny, maxx, maxy = shape.bounds
    shapely.prepare(shape)
    found: list[tuple[float, float]] = []
    while len(found) < count:
        xs = rng.uniform(minx, maxx, count * 2)
        ys = rng.uniform(miny, maxy, count * 2)
        keep = shapely.contains_xy(shape, xs, ys)
        found.extend(zip(np.round(ys[keep], 6).tolist(), np.round(xs[keep], 6).tolist(), strict=True))
    return found[:count]


def write_kc_csv(path: Path, rows: int, city: Any, rng: Any) -> None:
    """``rows`` real KC rows, resampled, with fresh case ids and points inside ``city``."""
    source = _kc_rows()
    fields = list(source[0].keys())
    picks = rng.integers(0, len(source), rows)
    points = points_inside(city, rows, rng)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for n, (i, (lat, lng)) in enumerate(zip(picks.tolist(), points, strict=True)):
            row = dict(source[i])
            row["CASE ID"] = str(9_000_000_000 + n)
            row["LATITUDE"], row["LONGITUDE"] = str(lat), str(lng)
            row["ADDRESS WITH GEOCODE"] = f"{row['STREET ADDRESS']}\n({lat}, {lng})"
            w.writerow(row)


# Runs manage.py in the child and prints the child's own peak RSS when it exits.
_MEASURED = """
import atexit, resource, runpy, sys
atexit.register(lambda: sys.stderr.write(f"PEAK_RSS_KIB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n"))
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def bench_import(catalogue: dict[str, Any], rows: int, rng: Any) -> dict[str, Any]:
    """Import rate and peak memory of ``import_cases`` against COPY of the rows it wrote."""
    try:
        from civicdesk.history import pipeline  # noqa: F401 - only asks whether it exists
    except ImportError:
        return {"placeholder": "civicdesk.history.pipeline.cases_import does not exist yet: not measured"}
    from django.db import connection

    city = catalogue["independence"]["city"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kcmo.csv"
        write_kc_csv(path, rows, city, rng)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        started = time.perf_counter()
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                _MEASURED,
                str(REPO / "manage.py"),
                "import_cases",
                str(path),
                "--format",
                "kcmo",
                "--city",
                city.slug,
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            check=False,
        )
        wall = time.perf_counter() - started
    found = re.search(r"PEAK_RSS_KIB=(\d+)", child.stderr)
    peak_kib = int(found.group(1)) if found else 0
    if child.returncode != 0:
        return {"error": f"import_cases failed: {child.stderr[-2000:]}"}
    m = re.search(r"([\d.]+) s, ([\d,]+) rows/s", child.stdout)
    imported = int(_sql("SELECT count(*) FROM cases_servicerequest")[0][0])
    events = int(_sql("SELECT count(*) FROM cases_caseevent")[0][0])
    import_seconds = float(m.group(1)) if m else wall

    # COPY of the same rows: what the import wrote (its cases, their audit events and the
    # roll-ups of its days), each table out and back in. The cases alone were the baseline
    # before; both are kept (docs/performance.md says which is which).
    tables = ("cases_servicerequest", "cases_caseevent", "reports_casetally")
    dumps = {}
    for table in tables:
        buffer = io.BytesIO()
        with _raw_cursor() as cur, cur.copy(f"COPY {table} TO STDOUT") as copy:
            for block in copy:
                buffer.write(block)
        dumps[table] = buffer.getvalue()
    tally_rows = int(_sql("SELECT count(*) FROM reports_casetally")[0][0])
    _sql("TRUNCATE reports_casetally, cases_caseevent, cases_servicerequest CASCADE")
    seconds = {}
    for table in tables:  # in this order: an event names its case
        started = time.perf_counter()
        with connection.cursor() as outer, outer.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            copy.write(dumps[table])
        seconds[table] = time.perf_counter() - started
    copy_seconds = seconds["cases_servicerequest"]
    copy_all_seconds = sum(seconds.values())
    _sql("TRUNCATE reports_casetally, cases_caseevent, cases_servicerequest CASCADE")
    _sql("UPDATE tenants_city SET next_case_number = 1001")
    import_rate = imported / import_seconds if import_seconds else 0.0
    copy_rate = imported / copy_seconds if copy_seconds else 0.0
    copy_all_rate = imported / copy_all_seconds if copy_all_seconds else 0.0
    return {
        "rows_in_file": rows,
        "imported": imported,
        "events_written": events,
        "rollup_rows_written": tally_rows,
        "import_seconds": round(import_seconds, 2),
        "import_wall_seconds_with_startup": round(wall, 2),
        "import_rows_per_second": round(import_rate),
        "copy_baseline": "COPY of the case rows the import wrote (cases_servicerequest only)",
        "copy_seconds": round(copy_seconds, 2),
        "copy_rows_per_second": round(copy_rate),
        "ratio_import_to_copy": round(import_rate / copy_rate, 3) if copy_rate else None,
        "copy_all_baseline": "COPY of every row the import wrote: its cases, their audit events, the roll-ups",
        "copy_all_seconds": round(copy_all_seconds, 2),
        "copy_events_seconds": round(seconds["cases_caseevent"], 2),
        "copy_rollups_seconds": round(seconds["reports_casetally"], 2),
        "ratio_import_to_copy_all": round(import_rate / copy_all_rate, 3) if copy_all_rate else None,
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "output": child.stdout.strip().splitlines()[:8],
    }


# --- 4. the synthetic cases -----------------------------------------------------------------


def _weights(values: list[float]) -> Any:
    import numpy as np

    array = np.asarray(values, dtype=float)
    return array / array.sum()


def generate_and_copy(n: int, profile: dict[str, Any], catalogue: dict[str, Any], end: dt.datetime, rng: Any) -> float:
    """Draw ``n`` cases from the KC mix, COPY them in; returns the seconds COPY took."""
    import numpy as np
    from django.db import connection

    from civicdesk.cases.models import ServiceRequest

    slugs = sorted(catalogue)
    populations = [catalogue[s]["city"].population or 1 for s in slugs]
    city_of = rng.choice(len(slugs), n, p=_weights(populations))
    codes = sorted(profile["codes"])
    code_of = rng.choice(len(codes), n, p=_weights([profile["codes"][c]["count"] for c in codes]))
    channels = sorted(profile["channels"])
    channel_of = rng.choice(len(channels), n, p=_weights([profile["channels"][c] for c in channels]))
    ranks = profile["district_ranks"]
    rank_of = rng.choice(len(ranks) + 1, n, p=_weights([*ranks, profile["no_district"] or 0.001 * sum(ranks)]))
    # Days in the span, weighted by KC's month of year; hours by KC's hour of day.
    month_w = np.asarray(profile["months"], dtype=float)
    start_day = (end - dt.timedelta(days=SPAN_DAYS)).date()
    day_months = np.array([(start_day + dt.timedelta(days=d)).month for d in range(SPAN_DAYS)])
    day_of = rng.choice(SPAN_DAYS, n, p=_weights(month_w[day_months - 1].tolist()))
    hour_of = rng.choice(24, n, p=_weights(profile["hours"]))
    seconds_of = rng.integers(0, 3600, n)
    pick = rng.random(n)
    fraction = rng.random(n)
    still_open = rng.random(n)

    fields = [f for f in ServiceRequest._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {}
    for f in fields:
        value = f.get_default()
        if value is None:
            defaults[f.column] = r"\N"
        elif isinstance(value, bool):
            defaults[f.column] = "t" if value else "f"
        elif isinstance(value, dict | list):
            defaults[f.column] = json.dumps(value)
        else:
            defaults[f.column] = str(value)
    numbers = {s: 1001 for s in slugs}
    day0 = dt.datetime.combine(start_day, dt.time(0), tzinfo=CENTRAL)
    days_tables = {c: np.asarray(profile["codes"][c]["days"]) for c in codes}

    def lines(lo: int, hi: int) -> str:
        out = []
        for i in range(lo, hi):
            slug = slugs[city_of[i]]
            entry = catalogue[slug]
            code = codes[code_of[i]]
            spec = profile["codes"][code]
            service_type = entry["types"][code]
            districts = entry["districts"]
            rank = rank_of[i]
            district = str(districts[rank % len(districts)]) if rank < len(ranks) and districts else r"\N"
            opened = day0 + dt.timedelta(days=int(day_of[i]), hours=int(hour_of[i]), seconds=int(seconds_of[i]))
            table = days_tables[code]
            duration = dt.timedelta(days=float(table[int(pick[i] * len(table))]) + float(fraction[i]))
            closed: dt.datetime | None = opened + duration
            if still_open[i] < spec["open_share"] or closed > end:  # type: ignore[operator]
                closed = None
            due = opened + dt.timedelta(days=spec["target_days"])
            number = numbers[slug]
            numbers[slug] += 1
            row = dict(defaults)
            row.update(
                city_id=str(entry["city"].pk),
                number=str(number),
                district_id=district,
                service_type_id=str(service_type.pk),
                department_id=str(service_type.department_id) if service_type.department_id else r"\N",
                status="closed" if closed else "new",
                resolution="resolved" if closed else "",
                description=service_type.name,
                address=f"{100 + i % 9000} Main St",
                channel=channels[channel_of[i]],
                opened_at=opened.isoformat(),
                due_at=due.isoformat(),
                closed_at=closed.isoformat() if closed else r"\N",
                updated_at=(closed or opened).isoformat(),
                tracking_token=f"bench{i:09d}",
                external_id="",
            )
            out.append("\t".join(row[c] for c in columns))
        return "\n".join(out) + "\n"

    quoted = ", ".join(f'"{c}"' for c in columns)
    chunk = 50_000
    copy_seconds = 0.0
    with connection.cursor() as outer:
        for lo in range(0, n, chunk):
            text = lines(lo, min(n, lo + chunk))
            started = time.perf_counter()
            with outer.cursor.copy(f"COPY cases_servicerequest ({quoted}) FROM STDIN") as copy:
                copy.write(text)
            copy_seconds += time.perf_counter() - started
    for slug in slugs:
        _sql("UPDATE tenants_city SET next_case_number = %s WHERE id = %s", [numbers[slug], catalogue[slug]["city"].pk])
    return copy_seconds


# --- 5. timing the reports ----------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time in milliseconds of ``repeat`` runs after one warm-up run."""
    fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(runs), 1)


def _bounds(city_ids: list[int], date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    start = dt.datetime.combine(date_from, dt.time(0), tzinfo=CENTRAL)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=CENTRAL)
    return {"cities": city_ids, "start": start, "end": end}


PLAIN_SQL = {
    # The Service Request Report's three aggregates, straight on the cases.
    "service_request_report": [
        "SELECT department_id, count(*) FROM cases_servicerequest WHERE city_id = ANY(%(cities)s)"
        " AND opened_at >= %(start)s AND opened_at < %(end)s GROUP BY 1",
        "SELECT t.name, count(*) FROM cases_servicerequest c JOIN catalog_servicetype t ON t.id = c.service_type_id"
        " WHERE c.city_id = ANY(%(cities)s) AND c.opened_at >= %(start)s AND c.opened_at < %(end)s GROUP BY 1",
        "SELECT district_id, service_type_id, count(*) FROM cases_servicerequest WHERE city_id = ANY(%(cities)s)"
        " AND opened_at >= %(start)s AND opened_at < %(end)s GROUP BY 1, 2",
    ],
    "time_to_close_by_type": [
        "SELECT service_type_id, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY d),"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY d), count(*) FILTER (WHERE closed_at <= due_at)"
        " FROM (SELECT service_type_id, closed_at, due_at,"
        " floor(extract(epoch FROM closed_at - opened_at) / 86400) AS d FROM cases_servicerequest"
        " WHERE city_id = ANY(%(cities)s) AND closed_at >= %(start)s AND closed_at < %(end)s) s GROUP BY 1",
    ],
    "time_to_close_by_department": [
        "SELECT department_id, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY d),"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY d), count(*) FILTER (WHERE closed_at <= due_at)"
        " FROM (SELECT department_id, closed_at, due_at,"
        " floor(extract(epoch FROM closed_at - opened_at) / 86400) AS d FROM cases_servicerequest"
        " WHERE city_id = ANY(%(cities)s) AND closed_at >= %(start)s AND closed_at < %(end)s) s GROUP BY 1",
    ],
    "time_to_close_by_district": [
        "SELECT district_id, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY d),"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY d), count(*) FILTER (WHERE closed_at <= due_at)"
        " FROM (SELECT district_id, closed_at, due_at,"
        " floor(extract(epoch FROM closed_at - opened_at) / 86400) AS d FROM cases_servicerequest"
        " WHERE city_id = ANY(%(cities)s) AND closed_at >= %(start)s AND closed_at < %(end)s) s GROUP BY 1",
    ],
    "intake_by_channel": [
        "SELECT channel, count(*) FROM cases_servicerequest WHERE city_id = ANY(%(cities)s)"
        " AND opened_at >= %(start)s AND opened_at < %(end)s GROUP BY 1",
    ],
    "trends_by_week_and_month": [
        "SELECT (opened_at AT TIME ZONE 'America/Chicago')::date, count(*) FROM cases_servicerequest"
        " WHERE city_id = ANY(%(cities)s) AND opened_at >= %(start)s AND opened_at < %(end)s GROUP BY 1",
        "SELECT (closed_at AT TIME ZONE 'America/Chicago')::date, count(*) FROM cases_servicerequest"
        " WHERE city_id = ANY(%(cities)s) AND closed_at >= %(start)s AND closed_at < %(end)s GROUP BY 1",
    ],
    "backlog": [
        "SELECT count(*) FILTER (WHERE opened_at >= %(end)s - interval '8 days'),"
        " count(*) FILTER (WHERE opened_at < %(end)s - interval '8 days' AND opened_at >= %(end)s - interval '31 days'),"
        " count(*) FILTER (WHERE opened_at < %(end)s - interval '31 days' AND opened_at >= %(end)s - interval '91 days'),"
        " count(*) FILTER (WHERE opened_at < %(end)s - interval '91 days')"
        " FROM cases_servicerequest WHERE city_id = ANY(%(cities)s) AND status IN ('new', 'assigned', 'in_progress')",
    ],
}


def bench_reports(catalogue: dict[str, Any], today: dt.date, repeat: int) -> list[dict[str, Any]]:
    """Every figure, for the collaborative and the biggest city, over 3 weeks and a year."""
    everyone = [e["city"] for e in catalogue.values()]
    biggest = max(everyone, key=lambda c: c.population or 0)
    ranges = {
        "3 weeks": (today - dt.timedelta(days=20), today),
        "1 year": (today - dt.timedelta(days=364), today),
    }
    results: list[dict[str, Any]] = []
    for scope_name, city, cities in (("all cities", None, everyone), (biggest.name, biggest, [biggest])):
        for range_name, (date_from, date_to) in ranges.items():
            results += _bench_one(scope_name, city, cities, range_name, date_from, date_to, repeat)
    return results


def _bench_one(
    scope_name: str, city: Any, cities: list[Any], range_name: str, date_from: dt.date, date_to: dt.date, repeat: int
) -> list[dict[str, Any]]:
    from django.test import Client

    from civicdesk.reports import operational as op
    from civicdesk.reports.service_request_report import service_request_report

    params = _bounds([c.pk for c in cities], date_from, date_to)

    def plain(name: str) -> Callable[[], None]:
        return lambda: [_sql(q, params) for q in PLAIN_SQL[name]]  # type: ignore[func-returns-value]

    ours: dict[str, Callable[[], Any]] = {
        "service_request_report": lambda: service_request_report(city=city, date_from=date_from, date_to=date_to),
        "time_to_close_by_type": lambda: op._by_type(cities, date_from, date_to),
        "time_to_close_by_department": lambda: op._by_place(
            cities, "department", op.Department, "none", date_from=date_from, date_to=date_to
        ),
        "time_to_close_by_district": lambda: op._by_place(
            cities, "district", op.District, "none", date_from=date_from, date_to=date_to
        ),
        "intake_by_channel": lambda: op._channels(cities, date_from, date_to),
        "trends_by_week_and_month": lambda: op._trends(cities, date_from, date_to),
        "backlog": lambda: op.backlog(cities=cities),
    }
    results = []
    for name, fn in ours.items():
        value = timed(fn, repeat)
        baseline = timed(plain(name), repeat)
        ratio = round(value / baseline, 3) if baseline else None
        results.append(
            {"figure": name, "scope": scope_name, "range": range_name, "ms": value, "plain_sql_ms": baseline,
             "ratio": ratio}
        )  # fmt: skip
    whole = timed(lambda: op.operational_report(city=city, date_from=date_from, date_to=date_to), repeat)
    results.append(
        {"figure": "operational_report (every figure, and the previous period)", "scope": scope_name,
         "range": range_name, "ms": whole, "plain_sql_ms": None, "ratio": None}
    )  # fmt: skip
    # The web pages as a visitor gets them: figures, charts (SVG written directly) and template.
    client = Client()
    query = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    prefix = f"/{city.slug}" if city else ""
    for page in ("service-requests", "operations"):
        url = f"{prefix}/reports/{page}/"

        def get(url: str = url) -> None:
            response = client.get(url, query)
            assert response.status_code == 200, (url, response.status_code)

        results.append(
            {"figure": f"page {url} (figures, charts and template)", "scope": scope_name, "range": range_name,
             "ms": timed(get, repeat), "plain_sql_ms": None, "ratio": None}
        )  # fmt: skip
    return results


# --- 6. the load test -------------------------------------------------------------------------


def bench_load(
    catalogue: dict[str, Any], database_url: str, rng: Any, *, clients: int, requests: int
) -> dict[str, Any]:
    """serve-prod on this database, then three runs of ``clients`` clients at once, ``requests``
    each: the trivial endpoint, Open311 POSTs only, and the mix (tests/ops/loadgen.py)."""
    from civicdesk.cases.models import ServiceRequest
    from civicdesk.open311.services import api_key_create
    from tests.ops.loadgen import INTAKE_ONLY, Plan, Report, Target, run_load, run_trivial
    from tests.ops.prod_server import HOST, LOAD_RATE, ServeProd, prod_env

    entry = max(catalogue.values(), key=lambda e: e["city"].population or 0)
    city = entry["city"]
    code, service_type = sorted(entry["types"].items())[0]
    if service_type.department and not service_type.department.email:
        # The department's shared address gets each new case, as in a city: the worker has mail to send.
        service_type.department.email = f"{service_type.department.code}@{city.slug}.bench.example.org"
        service_type.department.save(update_fields=["email"])
    _key, raw_key = api_key_create(city=city, name="bench load test")
    cases_before = ServiceRequest.objects.count()
    from django.db import connections

    connections.close_all()
    with tempfile.TemporaryDirectory() as tmp:
        env = prod_env(Path(tmp), database_url)
        with ServeProd(env) as server:
            server.sample_memory()
            target = Target(
                port=server.port,
                host_header=HOST,
                jurisdiction_id=city.jurisdiction_id,
                api_key=raw_key,
                service_code=code,
                city_slug=city.slug,
                points=points_inside(city, 500, rng),
            )
            # Every worker warm (templates compiled, the cities' geometry indexed), not measured.
            run_trivial(target, clients=clients, requests_per_client=2)
            run_load(target, Plan(clients=clients, requests_per_client=3))
            load_average = os.getloadavg()[0]
            trivial = run_trivial(target, clients=clients, requests_per_client=requests)
            intake = run_load(target, Plan(clients=clients, requests_per_client=requests, mix=INTAKE_ONLY))
            # The same POSTs from one client: what concurrency adds to intake into one city.
            intake_alone = run_load(target, Plan(clients=1, requests_per_client=requests, mix=INTAKE_ONLY))
            mixed = run_load(target, Plan(clients=clients, requests_per_client=requests))
            processes = server.processes()
            workers = sum(1 for p in processes if p.name == "gunicorn worker")
        if server.returncode != 0:
            raise RuntimeError(f"serve-prod did not stop cleanly:\n{server.output()}")
    runs: list[Report] = [intake, intake_alone, mixed]
    told = {marker: sid for run in runs for marker, sid in run.accepted().items()}
    made = sum(ServiceRequest.objects.filter(description__contains=r.plan.run_id).count() for r in runs)
    peaks: dict[str, float] = {}
    for p in processes:
        peaks[p.name] = max(peaks.get(p.name, 0.0), round(p.peak_rss_kib / 1024, 1))

    def figures(report: Report, *, kinds: bool = False) -> dict[str, Any]:
        summary = report.summary()
        return summary if kinds else {k: v for k, v in summary.items() if k != "kinds"}

    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cases_in_database": cases_before,
        "web_workers": workers,
        "clients": clients,
        "requests_per_client": requests,
        "trivial_path": target.trivial_path,
        "load_average_before": round(load_average, 2),
        "rate_limits": f"on, RATELIMIT_OPEN311_KEY and RATELIMIT_OPEN311_IP raised to {LOAD_RATE}",
        "trivial": figures(trivial),
        "intake": figures(intake),
        "intake_one_client": figures(intake_alone),
        "mixed": figures(mixed, kinds=True),
        "ratio_intake_to_trivial": round(intake.summary()["rps"] / trivial.summary()["rps"], 3),
        "ratio_mixed_to_trivial": round(mixed.summary()["rps"] / trivial.summary()["rps"], 3),
        "server_errors": sum(len(r.server_errors()) for r in (trivial, *runs)),
        "connection_errors": sum(len(r.connection_errors()) for r in (trivial, *runs)),
        "reports_accepted": len(told),
        "cases_made": made,
        "peak_rss_mib": peaks,
        "processes": [
            {"pid": p.pid, "process": p.name, "peak_rss_mib": round(p.peak_rss_kib / 1024, 1)} for p in processes
        ],
    }


# --- 7. the results ---------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def first(path: str, prefix: str) -> str:
        with contextlib.suppress(OSError, StopIteration), open(path) as fh:
            return next(line for line in fh if line.startswith(prefix)).split(":")[1].strip()
        return ""

    mem, cpu = first("/proc/meminfo", "MemTotal"), first("/proc/cpuinfo", "model name")
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": _sql("SHOW server_version")[0][0],
    }


def load_markdown(lt: dict[str, Any]) -> list[str]:
    """The load test's section of docs/performance.md."""

    def row(name: str, f: dict[str, Any]) -> str:
        return f"| {name} | {f['requests']:,} | {f['rps']:,.1f} | {f['p50_ms']:,.1f} | {f['p99_ms']:,.1f} |"

    lines = [
        "",
        "## Load on loopback (`make serve-prod`)",
        "",
        f"{lt['clients']} clients at once, {lt['requests_per_client']} requests each, keep-alive connections on"
        f" loopback (tests/ops/loadgen.py), against `make serve-prod` ({lt['web_workers']} gunicorn workers, the"
        f" task worker and the outbox sweeper) on the same PostgreSQL, holding {lt['cases_in_database']:,} cases."
        f" Three runs, one after the other: the trivial endpoint (`{lt['trivial_path']}`: every middleware and a"
        " view, no database query), Open311 POSTs only (intake: each a new report with its Idempotency-Key), then"
        " the mix (a third POSTs, some retried with the same key; the portal's home, a city's map and list of"
        " requests, case pages, Open311 GETs). Rate limits "
        f"{lt['rate_limits'].removeprefix('on, ')}. Each run's figures are over its whole wall time, so a"
        " kind's req/s inside the mix is its share of the mix. The clients share the server's cores, and so did"
        f" whatever else the machine ran (load average {lt.get('load_average_before', '?')} when the runs began):"
        f" these are floors. Measured {lt['date']}.",
        "",
        "| run / kind | requests | req/s | p50 (ms) | p99 (ms) |",
        "| --- | ---: | ---: | ---: | ---: |",
        row("trivial endpoint", lt["trivial"]),
        row("intake (Open311 POSTs only)", lt["intake"]),
        *([row("intake, one client alone", lt["intake_one_client"])] if "intake_one_client" in lt else []),
        row("mix, all kinds", lt["mixed"]),
    ]
    lines += [row(f"mix: {kind}", f) for kind, f in lt["mixed"]["kinds"].items()]
    lines += [
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| intake throughput / trivial endpoint | {lt['ratio_intake_to_trivial']:.3f} |",
        f"| mix throughput / trivial endpoint | {lt['ratio_mixed_to_trivial']:.3f} |",
        f"| answers with a 5xx status | {lt['server_errors']} |",
        f"| requests without an answer | {lt['connection_errors']} |",
        f"| reports accepted / cases made | {lt['reports_accepted']:,} / {lt['cases_made']:,} |",
        "",
        "Every report is numbered under its city's row lock (gapless case numbers,"
        " `cases.services.case_create`), with the city's tallies updated in the same transaction, so the"
        " reports of one city commit one at a time. The clients of these runs all post to one city: the row"
        " 'intake, one client alone' shows how little their concurrency can add. The lock is held from the"
        " number to the commit; a case's tallies are one statement (reports/rollups.py), and the gunicorn"
        " workers are threaded (GUNICORN_THREADS), so a POST waiting for the lock does not hold up a page"
        " view — what the pages of the mix wait for is the two cores, which the clients share. Gapless"
        " numbers are a choice: a city's reports of a busy hour are hundreds, this is thousands a minute.",
        "",
        "Peak memory (VmHWM) per process, the highest of its kind:",
        "",
        "| process | peak RSS (MiB) |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {mib:,.1f} |" for name, mib in sorted(lt["peak_rss_mib"].items())]
    return lines


def write_markdown(path: Path, results: dict[str, Any]) -> None:
    r = results
    lines = [
        "# Performance",
        "",
        "Generated by `make bench` (`bench/run.py`); do not edit by hand. Raw figures: `bench/results.json`.",
        "",
        f"- date: {r['date']}; N = {r['n']:,} synthetic cases over {SPAN_DAYS} days"
        f" (so a one-year range holds about half of them), mix drawn from {r['kc_rows']:,} Kansas City 311 cases",
        f"- machine: {r['machine']['cpus']} CPUs ({r['machine']['cpu']}), {r['machine']['memory']},"
        f" PostgreSQL {r['machine']['postgresql']} (throwaway cluster, default settings, fsync off)",
        f"- load: COPY of the N cases {r['load']['copy_seconds']} s ({r['load']['copy_rows_per_second']:,} rows/s);"
        f" roll-up rebuild {r['load']['rollup_rebuild_seconds']} s ({r['load']['rollup_rows']:,} tally rows)",
        f"- each time is the median of {r['repeat']} runs after a warm-up, in milliseconds",
        "",
        "## Reports",
        "",
        "Ours reads the roll-ups (`reports_casetally`); the baseline is the same aggregate written as plain SQL"
        " on the cases (with the indexes the cases have). Ratio = ours / plain SQL: below 1 is faster.",
        "",
        "| figure | scope | range | ours (ms) | plain SQL (ms) | ratio |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for row in r["reports"]:
        base = "" if row["plain_sql_ms"] is None else f"{row['plain_sql_ms']:,.1f}"
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.3f}"
        lines.append(f"| {row['figure']} | {row['scope']} | {row['range']} | {row['ms']:,.1f} | {base} | {ratio} |")
    lines += ["", "## Import of history", ""]
    imp = r["import"]
    if "placeholder" in imp or "error" in imp:
        lines.append(f"**Not measured**: {imp.get('placeholder') or imp.get('error')}")
    else:
        lines += [
            "`manage.py import_cases --format kcmo` on a Kansas City export of real rows (resampled, fresh case"
            " ids, points inside the city), in a child process, against `COPY` of the rows it wrote (two baselines, below).",
            "",
            "| figure | value |",
            "| --- | ---: |",
            f"| rows in the file | {imp['rows_in_file']:,} |",
            f"| cases imported | {imp['imported']:,} (and {imp['events_written']:,} audit events) |",
            f"| import | {imp['import_seconds']} s, {imp['import_rows_per_second']:,} rows/s |",
            f"| COPY of the same case rows | {imp['copy_seconds']} s, {imp['copy_rows_per_second']:,} rows/s |",
            f"| ratio import / COPY of the case rows | {imp['ratio_import_to_copy']} (the goal: at least 0.5) |",
        ]
        if "copy_all_seconds" in imp:
            lines += [
                f"| COPY of every row it wrote (cases, {imp['events_written']:,} events,"
                f" {imp['rollup_rows_written']:,} roll-up rows) | {imp['copy_all_seconds']} s |",
                f"| ratio import / COPY of every row it wrote | {imp['ratio_import_to_copy_all']} |",
            ]
        lines += [
            f"| peak memory (RSS) of the import process | {imp['peak_rss_mib']} MiB |",
            "",
            "Two baselines. The first (the goal's) is `COPY` of the case rows alone; but an imported case is"
            " more than its row: the import also writes its audit events (CREATED, and CLOSED when closed) and"
            " the report roll-ups of its days (about four rows per case: a closing is counted by its day and"
            " its days to close). PostgreSQL takes about as long over the roll-ups as over the cases, and half"
            " as long over the events (indexes, foreign keys checked at commit). The second baseline is `COPY`"
            " of every row the import wrote, table by table: the least any loader of the same data could take."
            " docs/import.md says how the import gets near it. The peak memory is the process's own (Django,"
            " shapely, the cities' boundaries): an import of 2,000 rows peaks at about 320 MiB too.",
        ]
    if "load_test" in r:
        lines += load_markdown(r["load_test"])
    lines += [
        "",
        "## Why it is fast",
        "",
        "The reports never scan the cases of the range: they sum `reports_casetally`, tallies per city, local"
        " day and local month (docs/reports.md), kept current by the case services in the same transaction."
        " A year is read as its whole months plus the edge days, each piece one index-only scan. Time to close"
        " comes from histograms of whole days, so percentiles are exact. The backlog reads a partial index of"
        " the open cases. Charts are SVG written directly (civicdesk/core/svgchart.py), well under a millisecond"
        " each, so a page costs its figures and its template.",
        "",
        "## How to read and reproduce",
        "",
        "`make bench` (N = 1,000,000) or `.venv/bin/python bench/run.py --quick` (N = 100,000);"
        " `--n`, `--import-rows`, `--repeat` change the sizes. The script starts and deletes its own"
        " PostgreSQL cluster. docs/reports.md explains the roll-ups the reports read. `--only load` runs the"
        " load test alone (on 100,000 cases; `--load-clients`, `--load-requests` change its size);"
        " docs/operations.md says what it proves.",
        "",
    ]
    path.write_text("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N = 100,000 and 20,000 import rows")
    parser.add_argument("--n", type=int, help="number of synthetic cases (default 1,000,000)")
    parser.add_argument("--import-rows", type=int, help="rows in the import file (default 100,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure (median kept)")
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument("--keep-running", action="store_true", help="keep the database up afterwards (to explore)")
    parser.add_argument("--results", default=str(REPO / "bench" / "results.json"))
    parser.add_argument("--docs", default=str(REPO / "docs" / "performance.md"))
    parser.add_argument("--markdown-only", action="store_true", help="rewrite --docs from --results; run nothing")
    parser.add_argument(
        "--only",
        choices=["import", "load"],
        help="run one step only; its figures replace that step's in --results (the others are kept)",
    )
    parser.add_argument("--load-clients", type=int, help="clients at once in the load test (30; --quick 20)")
    parser.add_argument("--load-requests", type=int, help="requests per client in each load run (20; --quick 10)")
    args = parser.parse_args()
    if args.markdown_only:
        write_markdown(Path(args.docs), json.loads(Path(args.results).read_text()))
        return 0
    n = args.n or (100_000 if args.quick or args.only == "load" else 1_000_000)
    args.load_clients = args.load_clients or (20 if args.quick else 30)
    args.load_requests = args.load_requests or (10 if args.quick else 20)
    import_rows = args.import_rows or (20_000 if args.quick else 100_000)

    import numpy as np

    rng = np.random.default_rng(args.seed)
    began = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)

    profile = kc_profile()
    say(f"Kansas City mix: {profile['rows']:,} cases, {len(profile['codes'])} service codes")
    cluster = start_cluster()
    try:
        setup_django(cluster.url)
        _sql("ALTER SYSTEM SET work_mem = '32MB'")
        _sql("SELECT pg_reload_conf()")
        say(f"PostgreSQL up and migrated ({cluster.url})")
        catalogue = load_catalogue(profile)

        def load_test() -> dict[str, Any]:
            say(f"load test: {args.load_clients} clients × {args.load_requests} requests, three runs")
            figures = bench_load(catalogue, cluster.url, rng, clients=args.load_clients, requests=args.load_requests)
            for run in ("trivial", "intake", "intake_one_client", "mixed"):
                f = figures[run]
                say(f"  {run:<8} {f['requests']:>6} requests {f['rps']:>8.1f} req/s  p50 {f['p50_ms']:.1f} ms"
                    f"  p99 {f['p99_ms']:.1f} ms  5xx {f['server_errors']}")  # fmt: skip
            say(f"  intake / trivial = {figures['ratio_intake_to_trivial']}; peak RSS {figures['peak_rss_mib']}")
            return figures

        if args.only == "load":
            from django.utils import timezone

            from civicdesk.reports import rollups

            copy_seconds = generate_and_copy(n, profile, catalogue, timezone.now(), rng)
            rollups.rebuild()
            _sql("VACUUM ANALYZE")
            say(f"{n:,} cases copied in {copy_seconds:.1f} s, roll-ups rebuilt")
            path = Path(args.results)
            results = json.loads(path.read_text()) if path.exists() else {}
            results["load_test"] = load_test()
            path.write_text(json.dumps(results, indent=2) + "\n")
            if "reports" in results:
                write_markdown(Path(args.docs), results)
            say(f"--only load: wrote the load test's figures to {args.results} and {args.docs}")
            return 0
        imported = bench_import(catalogue, import_rows, rng)
        say(f"import: {imported}")
        if args.only == "import":
            results = json.loads(Path(args.results).read_text())
            results["import"] = {**imported, "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            Path(args.results).write_text(json.dumps(results, indent=2) + "\n")
            write_markdown(Path(args.docs), results)
            say(f"--only import: wrote the import figures to {args.results} and {args.docs}")
            return 0

        from django.utils import timezone

        from civicdesk.reports import rollups

        now = timezone.now()
        copy_seconds = generate_and_copy(n, profile, catalogue, now, rng)
        say(f"{n:,} cases copied in {copy_seconds:.1f} s")
        _sql("VACUUM ANALYZE cases_servicerequest")
        started = time.perf_counter()
        rollup_rows = rollups.rebuild()
        rebuild_seconds = time.perf_counter() - started
        _sql("VACUUM ANALYZE reports_casetally")
        say(f"roll-ups rebuilt: {rollup_rows:,} rows in {rebuild_seconds:.1f} s")
        if n <= 200_000:
            started = time.perf_counter()
            differences = len(rollups.verify())
            say(
                f"roll-ups verified against the cases in {time.perf_counter() - started:.1f} s: {differences} differences"
            )
        today = now.astimezone(CENTRAL).date()
        reports = bench_reports(catalogue, today, args.repeat)
        for row in reports:
            say(f"{row['figure']:<55} {row['scope']:<14} {row['range']:<8} {row['ms']:>9.1f} ms"
                f"  plain SQL {row['plain_sql_ms'] or 0:>9.1f} ms")  # fmt: skip
        results = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "n": n,
            "span_days": SPAN_DAYS,
            "kc_rows": profile["rows"],
            "repeat": args.repeat,
            "machine": machine(),
            "load": {
                "copy_seconds": round(copy_seconds, 1),
                "copy_rows_per_second": round(n / copy_seconds) if copy_seconds else None,
                "rollup_rebuild_seconds": round(rebuild_seconds, 1),
                "rollup_rows": rollup_rows,
            },
            "import": imported,
            "reports": reports,
            "load_test": load_test(),
        }
        Path(args.results).write_text(json.dumps(results, indent=2) + "\n")
        write_markdown(Path(args.docs), results)
        say(f"wrote {args.results} and {args.docs}")
        if args.keep_running:
            say(f"--keep-running: the cluster stays up at {cluster.url} until this process is stopped")
            while True:
                time.sleep(60)
    finally:
        from django.db import connections

        connections.close_all()
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
