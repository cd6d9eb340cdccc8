"""Onboarding's memory benchmark: the peak RSS of ``manage.py import_cases`` and of
``manage.py rollups_rebuild`` on a new member's history of 50,000 and 200,000 rows.

A city joining brings its whole history at once (issue 17: 121,145 cases); the import and
the roll-up rebuild must hold a batch, never the file, so their peak memory is the same for
50,000 rows as for 200,000. Each command runs in a child process of its own, as an operator
runs it, on a fresh database of the kind asked for: SQLite (what a fresh install uses, with
its default ``DEBUG``) or PostgreSQL (the throwaway cluster). The figures go to
``bench/results.json`` under ``onboarding``.

    .venv/bin/python bench/run.py --only onboarding
    .venv/bin/python bench/onboarding.py --sizes 50000 200000 --database sqlite
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO
from bench.importer import _MEASURED

SIZES = (50_000, 200_000)
CITY = "independence"
# Points well inside Independence (tests/conftest.py's INSIDE), scattered ±1 km.
CENTRE = (39.0855, -94.3520)
CATALOGUE = """\
departments:
  - {code: public-works, name: Public Works}
  - {code: codes, name: Code Enforcement}
service_types:
  - {code: pothole, name: Pothole, department: public-works, target_days: 5}
  - {code: trash, name: Trash, department: codes, target_days: 7}
  - {code: tall-grass, name: Tall grass, department: codes, target_days: 10}
"""
MAPPING = """\
columns: {external_id: id, service_type: type, opened_at: opened, closed_at: closed, address: address,
          lat: lat, lng: lng, district: district, description: details}
date_formats: ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
match_types_by_name: true
placeholder_points: [{lat: 39.0915, lng: -94.4155, radius_m: 25}]
"""
SETUP = """
import django, os
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from civicdesk.demo.places import load_member_cities
load_member_cities()
"""
TYPES = ("Pothole", "Trash", "Tall grass")


def write_history(path: Path, rows: int, seed: int = 17) -> None:
    """``rows`` cases over three years: a tenth at the city's stand-in point, some closed."""
    rng = random.Random(seed)
    lat0, lng0 = CENTRE
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "type", "opened", "closed", "address", "lat", "lng", "district", "details"])
        for n in range(rows):
            day = f"{2019 + n % 3}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            at_city_hall = n % 10 == 0
            lat, lng = (
                (39.0915, -94.4155)
                if at_city_hall
                else (lat0 + rng.uniform(-0.01, 0.01), lng0 + rng.uniform(-0.01, 0.01))
            )
            out.writerow(
                [
                    f"H-{n}",
                    TYPES[n % 3],
                    f"{day} {n % 24:02d}:{n % 60:02d}:00",
                    day if n % 2 else "",
                    f"{n} Generated Street, an address long enough to weigh something",
                    round(lat, 6),
                    round(lng, 6),
                    f"{1 + n % 4}.0",
                    "What the resident wrote, about a line of text as most reports are.",
                ]
            )


def _run(args: list[str], env: dict[str, str], *, measured: bool = True) -> tuple[str, float, float]:
    """Run ``manage.py args`` in a child: (its output, peak RSS in MiB, wall seconds)."""
    command = [sys.executable, "-c", _MEASURED, str(REPO / "manage.py"), *args] if measured else args
    started = time.perf_counter()
    child = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed:\n{child.stdout[-2000:]}\n{child.stderr[-2000:]}")
    found = re.search(r"PEAK_RSS_KIB=(\d+)", child.stderr)
    return child.stdout, round(int(found.group(1)) / 1024, 1) if found else 0.0, round(wall, 1)


def _fresh_database(tmp: Path, database: str) -> tuple[dict[str, str], Any]:
    """Environment for the children, on an empty database; and the cluster to stop, if any."""
    cluster = None
    if database == "postgresql":
        from bench.common import start_cluster

        cluster = start_cluster()
        url = cluster.url
    else:
        url = f"sqlite:///{tmp / 'onboarding.sqlite3'}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DEBUG", None)  # a fresh install's default
    _run([sys.executable, "-c", SETUP], env, measured=False)
    catalogue = tmp / "catalogue.yaml"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    _run(["catalog_import", "--city", CITY, str(catalogue)], env)
    return env, cluster


def bench_onboarding(*, sizes: tuple[int, ...] = SIZES, database: str = "sqlite") -> dict[str, Any]:
    """Peak RSS (MiB) of the import and of the roll-up rebuild for each size, on a fresh
    database each time, and the ratio of the largest to the smallest."""
    figures: dict[str, Any] = {"database": database, "runs": []}
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            env, cluster = _fresh_database(tmp, database)
            try:
                data, mapping = tmp / "history.csv", tmp / "mapping.yaml"
                write_history(data, rows)
                mapping.write_text(MAPPING, encoding="utf-8")
                out, import_rss, import_wall = _run(
                    ["import_cases", "--format", "csv", "--city", CITY, "--mapping", str(mapping), str(data)], env
                )
                _out, rebuild_rss, rebuild_wall = _run(["rollups_rebuild", "--city", CITY], env)
            finally:
                if cluster is not None:
                    cluster.stop()
        figures["runs"].append(
            {
                "rows": rows,
                "import_peak_rss_mib": import_rss,
                "import_seconds": import_wall,
                "rollups_rebuild_peak_rss_mib": rebuild_rss,
                "rollups_rebuild_seconds": rebuild_wall,
                "import_summary": out.strip().splitlines()[0],
            }
        )
    first, last = figures["runs"][0], figures["runs"][-1]
    figures["import_rss_ratio_largest_to_smallest"] = round(
        last["import_peak_rss_mib"] / first["import_peak_rss_mib"], 2
    )
    figures["rollups_rss_ratio_largest_to_smallest"] = round(
        last["rollups_rebuild_peak_rss_mib"] / first["rollups_rebuild_peak_rss_mib"], 2
    )
    return figures


def record(path: Path, *, sizes: tuple[int, ...] = SIZES, database: str = "sqlite") -> dict[str, Any]:
    """Run the benchmark and keep its figures in ``path`` (results.json) under
    ``onboarding.<database>``, leaving every other key as it was."""
    figures = bench_onboarding(sizes=sizes, database=database)
    figures["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results = json.loads(path.read_text()) if path.exists() else {}
    results.setdefault("onboarding", {})[database] = figures
    path.write_text(json.dumps(results, indent=2) + "\n")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--results", help="Write the figures under onboarding.<database> in this results.json.")
    args = parser.parse_args()
    if args.results:
        figures = record(Path(args.results), sizes=tuple(args.sizes), database=args.database)
    else:
        figures = bench_onboarding(sizes=tuple(args.sizes), database=args.database)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
