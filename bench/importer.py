"""The history import benchmark: ``manage.py import_cases`` on a Kansas City export of real rows,
in a child process (rate, peak RSS), against COPY of the very rows it wrote."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.cases import points_inside
from bench.common import REPO, raw_cursor, sql
from bench.mix import kc_rows


def write_kc_csv(path: Path, rows: int, city: Any, rng: Any) -> None:
    """``rows`` real KC rows, resampled, with fresh case ids and points inside ``city``."""
    source = kc_rows()
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
    imported = int(sql("SELECT count(*) FROM cases_servicerequest")[0][0])
    events = int(sql("SELECT count(*) FROM cases_caseevent")[0][0])
    import_seconds = float(m.group(1)) if m else wall

    # COPY of the same rows: what the import wrote (its cases, their audit events and the
    # roll-ups of its days), each table out and back in. The cases alone were the baseline
    # before; both are kept (docs/performance.md says which is which).
    tables = ("cases_servicerequest", "cases_caseevent", "reports_casetally")
    dumps = {}
    for table in tables:
        buffer = io.BytesIO()
        with raw_cursor() as cur, cur.copy(f"COPY {table} TO STDOUT") as copy:
            for block in copy:
                buffer.write(block)
        dumps[table] = buffer.getvalue()
    tally_rows = int(sql("SELECT count(*) FROM reports_casetally")[0][0])
    sql("TRUNCATE reports_casetally, cases_caseevent, cases_servicerequest CASCADE")
    seconds = {}
    for table in tables:  # in this order: an event names its case
        started = time.perf_counter()
        with connection.cursor() as outer, outer.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            copy.write(dumps[table])
        seconds[table] = time.perf_counter() - started
    copy_seconds = seconds["cases_servicerequest"]
    copy_all_seconds = sum(seconds.values())
    sql("TRUNCATE reports_casetally, cases_caseevent, cases_servicerequest CASCADE")
    sql("UPDATE tenants_city SET next_case_number = 1001")
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
