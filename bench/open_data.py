#!/usr/bin/env python
"""The open-data export on N synthetic cases in PostgreSQL, against ``COPY … TO STDOUT``.

``bench_open_data(catalogue)`` is the step ``make bench`` runs (bench/run.py seeds the
cases first, with ``generate_and_copy``; ``bench/run.py --only open_data`` runs it alone and
keeps the other figures of bench/results.json); run alone, this file seeds them itself:

    .venv/bin/python bench/open_data.py --n 100000 [--results bench/results.json]

What is timed, each the median of ``repeat`` runs after a warm-up:

- **ours**: ``open_data_export(city=None, fmt="csv")``, the collaborative's CSV: on
  PostgreSQL one ``COPY`` per city writes the rows, a second thread gzip-compresses and
  hashes them, then the file is saved through the storage and switched to (what the
  nightly task does, per file);
- **COPY**: ``COPY (SELECT the same columns, same joins, same order) TO STDOUT (FORMAT csv)``,
  read to the end by psycopg and thrown away: what PostgreSQL itself needs to hand over
  the same rows, uncompressed.

The figure is the ratio of their rates, COPY's seconds / ours (1 would be as fast as
COPY; the issue's target is 0.5). The GeoJSON is timed too, and the peak memory of
``manage.py export_open_data`` in a child process for the collaborative (N cases) and for
one city: memory that does not grow with the number of cases is what "a stream" means.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _copy_sql() -> str:
    """The open-data columns of the public cases, joined and ordered as the export reads them."""
    from django.conf import settings

    from civicdesk.cases.models import Photo, ServiceRequest
    from civicdesk.catalog.models import ServiceType
    from civicdesk.tenants.models import City, Department, District

    case, city, stype = ServiceRequest._meta.db_table, City._meta.db_table, ServiceType._meta.db_table
    dept, district, photo = Department._meta.db_table, District._meta.db_table, Photo._meta.db_table
    site = settings.SITE_URL.replace("'", "''")
    return f"""
        COPY (
            SELECT ci.case_prefix || '-' || c.number, ci.name, t.code, t.name, d.name, di.number, di.name,
                   c.status, c.resolution, c.priority, c.channel, c.opened_at, c.due_at, c.closed_at,
                   c.updated_at, c.address, c.lat, c.lng, c.description, c.closing_note,
                   (SELECT string_agg('{site}/media/' || p.image, ' ' ORDER BY p.id) FROM {photo} p
                     WHERE p.case_id = c.id AND p.is_public),
                   '{site}/' || ci.slug || '/requests/' || c.number || '/'
            FROM {case} c
            JOIN {city} ci ON ci.id = c.city_id
            JOIN {stype} t ON t.id = c.service_type_id
            LEFT JOIN {dept} d ON d.id = c.department_id
            LEFT JOIN {district} di ON di.id = c.district_id
            WHERE NOT t.is_confidential
            ORDER BY c.city_id, c.number
        ) TO STDOUT (FORMAT csv, HEADER)
    """  # noqa: S608 - table names from the models, no input


def _copy_seconds() -> tuple[float, int]:
    from django.db import connection

    connection.ensure_connection()
    started = time.perf_counter()
    size = 0
    with connection.connection.cursor() as cur, cur.copy(_copy_sql()) as copy:
        for block in copy:
            size += len(block)
    return time.perf_counter() - started, size


def _median(fn: Any, repeat: int) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


# Runs manage.py in a child and prints its own peak RSS when it exits (as bench/run.py does).
_MEASURED = """
import atexit, resource, runpy, sys
atexit.register(lambda: sys.stderr.write(f"PEAK_RSS_KIB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n"))
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _peak_rss_mib(*args: str) -> float | None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(REPO / "manage.py"), "export_open_data", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    found = re.search(r"PEAK_RSS_KIB=(\d+)", child.stderr)
    if child.returncode != 0 or not found:
        print(child.stderr[-2000:], file=sys.stderr)
        return None
    return round(int(found.group(1)) / 1024, 1)


def bench_open_data(catalogue: dict[str, Any], repeat: int = 3) -> dict[str, Any]:
    """Time the collaborative's export against COPY of the same rows; ``catalogue`` is
    bench/run.py's (its cities; the cases are already in the database)."""
    from django.db import transaction

    from civicdesk.cases.models import ServiceRequest
    from civicdesk.opendata.models import Format
    from civicdesk.opendata.services import open_data_export

    rows = ServiceRequest.objects.filter(service_type__is_confidential=False).count()
    copy_s = _median(lambda: _copy_seconds(), repeat)
    _seconds, copy_bytes = _copy_seconds()

    def export(fmt: str) -> Any:
        with transaction.atomic():  # as the task runs it: one transaction, a consistent snapshot
            return open_data_export(city=None, fmt=fmt)

    csv_s = _median(lambda: export(Format.CSV), repeat)
    csv_file = export(Format.CSV)
    geojson_s = _median(lambda: export(Format.GEOJSON), max(1, repeat // 2))
    geojson_file = export(Format.GEOJSON)
    one_city = next(iter(sorted(catalogue)))
    return {
        "rows": rows,
        "copy_seconds": round(copy_s, 2),
        "copy_bytes": copy_bytes,
        "csv_seconds": round(csv_s, 2),
        "csv_gz_bytes": csv_file.size,
        "geojson_seconds": round(geojson_s, 2),
        "geojson_gz_bytes": geojson_file.size,
        "csv_rows_per_second": round(rows / csv_s) if csv_s else None,
        "ratio_csv_to_copy": round(copy_s / csv_s, 3) if csv_s else None,
        "ratio_geojson_to_copy": round(copy_s / geojson_s, 3) if geojson_s else None,
        # Every file of every city and the collaborative's (N cases), against one city's files.
        "peak_rss_mib_all_files": _peak_rss_mib(),
        "peak_rss_mib_one_city": _peak_rss_mib("--city", one_city),
        "one_city": one_city,
        "repeat": repeat,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="synthetic cases (default 100,000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument("--results", help="also store the figures under open_data in this JSON file")
    args = parser.parse_args()

    import numpy as np

    from bench.cases import generate_and_copy, load_catalogue
    from bench.common import setup_django, start_cluster
    from bench.mix import kc_profile

    began = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)

    profile = kc_profile()
    cluster = start_cluster()
    try:
        setup_django(cluster.url)
        os.environ["DATABASE_URL"] = cluster.url  # for the child processes
        from django.db import connection
        from django.utils import timezone

        catalogue = load_catalogue(profile)
        copy_in = generate_and_copy(args.n, profile, catalogue, timezone.now(), np.random.default_rng(args.seed))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        say(f"{args.n:,} cases copied in {copy_in:.1f} s")
        figures = bench_open_data(catalogue, repeat=args.repeat)
        figures["date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        figures["n"] = args.n
        say(json.dumps(figures, indent=2))
        if args.results:
            path = Path(args.results)
            results = json.loads(path.read_text()) if path.exists() else {}
            results["open_data"] = figures
            path.write_text(json.dumps(results, indent=2) + "\n")
            say(f"wrote open_data into {path}")
    finally:
        from django.db import connections

        connections.close_all()
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
