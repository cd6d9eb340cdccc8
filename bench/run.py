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
   then Open311 POSTs only into one city (the burst), then spread over the five cities, the mix
   of POSTs and page views, a busy morning (staff signed in to the console beside residents
   and apps), and every page kind alone, one client (bench/load.py); requests per second,
   p50/p99, throughput as a ratio of the trivial endpoint's, 5xx, peak RSS per process;
7. the open-data export (bench/open_data.py): the collaborative's CSV and GeoJSON of the N cases,
   against ``COPY … TO STDOUT`` of the same rows;
8. the regional comparison (bench/regional.py): every city's figures worked out from the cases,
   and the page once the task worker has kept them, against the same figures as plain SQL;
9. writes bench/results.json and docs/performance.md.

One module per step: bench/mix.py (1), bench/common.py (2: the cluster, Django, the timer),
bench/cases.py (the catalogue, and 4), bench/importer.py (3), bench/reports.py (5),
bench/load.py (6), bench/open_data.py (7), bench/regional.py (8), bench/summary.py (9:
docs/performance.md); this file runs them.

    .venv/bin/python bench/run.py            # N = 1,000,000
    .venv/bin/python bench/run.py --quick    # N = 100,000
    .venv/bin/python bench/run.py --only load  # the load test alone, on 100,000 cases
    .venv/bin/python bench/run.py --only open_data  # the open-data export alone (100,000; --n to change)
    .venv/bin/python bench/run.py --only regional  # the regional comparison alone (100,000; --n to change)
    .venv/bin/python bench/run.py --only nightly  # the nightly stored values of the log's measures (100,000)
    .venv/bin/python bench/run.py --only reports --reports-label reports_before  # the reports alone, 100,000
    .venv/bin/python bench/run.py --only onboarding  # peak memory of import and roll-up rebuild, 50k and 200k rows
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package bench.*, and civicdesk

from bench.cases import generate_and_copy, load_catalogue
from bench.common import CENTRAL, REPO, SPAN_DAYS, machine, setup_django, sql, start_cluster
from bench.importer import bench_import
from bench.load import bench_load
from bench.mix import kc_profile
from bench.nightly import bench_nightly
from bench.open_data import bench_open_data
from bench.regional import bench_regional
from bench.reports import bench_reports, bench_reports_against, relation_sizes
from bench.summary import write_markdown

# Keys of bench/results.json written by benchmarks that run on their own (and the load test and
# regional comparison of the code before a change, `--only load --load-label load_test_before`,
# `--only regional --regional-label regional_comparison_before`, and after it on as many cases,
# `regional_comparison_after`, for their ratios; the reports alone, `--only reports --reports-label
# reports_before` on the code before a change and `reports_after` on the code after it).
# Where `--only reports --reports-label` may write the reports' figures.
REPORTS_LABELS = (
    "reports_before",
    "reports_after",
    "reports_after_without_index",
    "reports_closings_whole_days",
    "reports_closings_before",
    "reports_closings_after",
)
# Where `--only reports --reports-against` may write them: the same run at 100,000 cases, and at
# 1,000,000 (`--n 1000000 --reports-label reports_same_run_1m`).
SAME_RUN_LABELS = ("reports_same_run", "reports_same_run_1m")
SEPARATE = (
    "geocoding",
    "nightly_values",
    "expected",
    "nodes",
    "onboarding",
    "load_test_before",
    "regional_comparison_before",
    "regional_comparison_after",
    *REPORTS_LABELS,
    *SAME_RUN_LABELS,
)


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
        choices=["import", "load", "nightly", "open_data", "onboarding", "regional", "reports"],
        help="run one step only; its figures replace that step's in --results (the others are kept)",
    )
    parser.add_argument("--load-clients", type=int, help="clients at once in the load test (30; --quick 20)")
    parser.add_argument("--load-requests", type=int, help="requests per client in each load run (20; --quick 10)")
    parser.add_argument(
        "--load-label",
        default="load_test",
        help="key of --results the load test's figures go to (e.g. load_test_before, to compare a change)",
    )
    parser.add_argument(
        "--regional-label",
        default="regional_comparison",
        help="key of --results the regional comparison's figures go to with --only regional"
        " (regional_comparison_before on the code before a change, regional_comparison_after on the code"
        " after it when the section's own figures are of another N)",
    )
    parser.add_argument(
        "--reports-label",
        choices=REPORTS_LABELS + SAME_RUN_LABELS,
        help="key of --results the reports' figures go to with --only reports (reports_before on the code"
        " before a change, reports_after on the code after it, reports_after_without_index on it without"
        " the index it adds; reports_closings_whole_days, _before and _after: the percentiles of whole days,"
        " exact from the two closings indexes, exact from the indexes per row; the full run's own figures"
        " are kept; with --reports-against reports_same_run (the default) or reports_same_run_1m)",
    )
    parser.add_argument(
        "--reports-against",
        help="with --only reports: time the operational report and its time-to-close tables by the code of this"
        " commit too, in turn with today's on the same cases (the same run, the same load), into reports_same_run",
    )
    parser.add_argument(
        "--reports-code",
        help="the commit measured by --only reports when the tree is no git checkout (an exported older commit)",
    )
    args = parser.parse_args()
    if args.markdown_only:
        write_markdown(Path(args.docs), json.loads(Path(args.results).read_text()))
        return 0
    if args.only == "onboarding":
        # Its own fresh databases, one per size and kind (bench/onboarding.py).
        from bench.onboarding import record

        for database in ("sqlite", "postgresql"):
            record(Path(args.results), database=database)
        print(f"--only onboarding: wrote the onboarding figures to {args.results}")
        return 0
    if args.reports_label and (args.reports_label in SAME_RUN_LABELS) != bool(args.reports_against):
        parser.error(
            f"--reports-label {' and '.join(SAME_RUN_LABELS)} go with --reports-against, the others without it"
        )
    n = args.n or (
        100_000 if args.quick or args.only in ("load", "nightly", "open_data", "regional", "reports") else 1_000_000
    )
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
        sql("ALTER SYSTEM SET work_mem = '32MB'")
        sql("SELECT pg_reload_conf()")
        say(f"PostgreSQL up and migrated ({cluster.url})")
        catalogue = load_catalogue(profile)

        def load_test() -> dict[str, Any]:
            say(f"load test: {args.load_clients} clients × {args.load_requests} requests per run (bench/load.py)")
            figures = bench_load(catalogue, cluster.url, rng, clients=args.load_clients, requests=args.load_requests)
            for run in ("trivial", "intake", "intake_one_client", "intake_five_cities", "mixed", "morning"):
                f = figures[run]
                say(f"  {run:<18} {f['requests']:>6} requests {f['rps']:>8.1f} req/s  p50 {f['p50_ms']:.1f} ms"
                    f"  p99 {f['p99_ms']:.1f} ms  5xx {f['server_errors']}")  # fmt: skip
            for page, f in figures["pages_alone"].items():
                say(f"  alone: {page:<32} p50 {f['p50_ms']:>7.1f} ms  p99 {f['p99_ms']:>7.1f} ms  {f['statuses']}")
            say(f"  intake / trivial = {figures['ratio_intake_to_trivial']}, five cities"
                f" {figures['ratio_intake_five_cities_to_trivial']}, morning {figures['ratio_morning_to_trivial']};"
                f" 5xx {figures['server_errors']}; cases made {figures['cases_made']} of"
                f" {figures['reports_accepted']} accepted, gaps {figures['cities_with_gaps']};"
                f" peak RSS {figures['peak_rss_mib']}")  # fmt: skip
            return figures

        if args.only == "load":
            from django.utils import timezone

            from civicdesk.reports import rollups

            copy_seconds = generate_and_copy(n, profile, catalogue, timezone.now(), rng)
            rollups.rebuild()
            sql("VACUUM ANALYZE")
            say(f"{n:,} cases copied in {copy_seconds:.1f} s, roll-ups rebuilt")
            path = Path(args.results)
            results = json.loads(path.read_text()) if path.exists() else {}
            results[args.load_label] = load_test()
            path.write_text(json.dumps(results, indent=2) + "\n")
            if "reports" in results:
                write_markdown(Path(args.docs), results)
            say(f"--only load: wrote the load test's figures to {args.results} and {args.docs}")
            return 0

        def open_data() -> dict[str, Any]:
            say("open data: the collaborative's CSV and GeoJSON against COPY of the same rows")
            figures = bench_open_data(catalogue, repeat=min(args.repeat, 3))
            figures["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            say(f"  COPY {figures['copy_seconds']} s, CSV {figures['csv_seconds']} s"
                f" (ratio {figures['ratio_csv_to_copy']}), GeoJSON {figures['geojson_seconds']} s"
                f" (ratio {figures['ratio_geojson_to_copy']})")  # fmt: skip
            return figures

        if args.only == "open_data":
            from django.utils import timezone

            copy_seconds = generate_and_copy(n, profile, catalogue, timezone.now(), rng)
            sql("VACUUM ANALYZE")
            say(f"{n:,} cases copied in {copy_seconds:.1f} s")
            path = Path(args.results)
            results = json.loads(path.read_text()) if path.exists() else {}
            results["open_data"] = open_data()
            path.write_text(json.dumps(results, indent=2) + "\n")
            if "reports" in results:
                write_markdown(Path(args.docs), results)
            say(f"--only open_data: wrote the open-data figures to {args.results} and {args.docs}")
            return 0

        def regional_comparison(now: dt.datetime) -> dict[str, Any]:
            say("regional comparison: figures worked out, and the page with them kept, against plain SQL")
            figures = bench_regional(catalogue, now, args.repeat)
            for row in figures["periods"]:
                say(f"  {row['period']:<36} plain SQL {row['plain_sql_ms']:>8.1f} ms  worked out"
                    f" {row['worked_out_ms']:>9.1f} ms ({row['ratio_worked_out']})  page, kept"
                    f" {row['page_kept_ms']:>7.1f} ms ({row['ratio_page_kept']})")  # fmt: skip
            rf = figures["refresh"]
            say(f"  refresh: every figure ({rf['figures']}) {rf['every_figure_ms']:.1f} ms, nothing changed"
                f" {rf['nothing_changed_ms']:.1f} ms ({rf['nothing_changed_worked_out']} worked out,"
                f" {rf['nothing_changed_to_every_figure']}), one city changed {rf['one_city_changed_ms']:.1f} ms"
                f" ({rf['one_city_changed_worked_out']} worked out, {rf['one_city_changed_to_every_figure']});"
                f" plain SQL {rf['plain_sql_ms']:.1f} ms")  # fmt: skip
            return figures

        if args.only == "reports":
            from django.utils import timezone

            from bench.regional import _commit, _load_average
            from civicdesk.reports import rollups

            now = timezone.now()
            copy_seconds = generate_and_copy(n, profile, catalogue, now, rng)
            rollups.rebuild()
            sql("VACUUM ANALYZE")
            say(f"{n:,} cases copied in {copy_seconds:.1f} s, roll-ups rebuilt")
            label = args.reports_label or ("reports_same_run" if args.reports_against else "reports_after")
            if args.reports_against:
                # The index the older code reads its times under a day from, as reports 0003 made it.
                sql(
                    "CREATE INDEX IF NOT EXISTS cases_quick_closings ON cases_servicerequest (city_id, closed_at)"
                    " INCLUDE (opened_at, service_type_id, department_id, district_id)"
                    " WHERE closed_at - opened_at < interval '2 days'"
                )
                sql("VACUUM ANALYZE cases_servicerequest")
            sizes = relation_sizes()
            say(
                f"{sizes['cases']:,} cases, {sizes['closed']:,} closed; "
                + ", ".join(f"{name} {size / 2**20:,.1f} MiB" for name, size in sizes["bytes"].items())
            )
            code, load_at_start = args.reports_code or _commit(), _load_average()
            if args.reports_against:
                rows = bench_reports_against(
                    catalogue, now.astimezone(CENTRAL).date(), args.repeat, args.reports_against
                )
                for row in rows:
                    say(f"{row['figure']:<55} {row['scope']:<14} {row['range']:<8} {row['then_ms']:>9.1f} ms"
                        f" then, {row['ms']:>9.1f} ms now")  # fmt: skip
            else:
                rows = bench_reports(catalogue, now.astimezone(CENTRAL).date(), args.repeat)
                for row in rows:
                    say(f"{row['figure']:<55} {row['scope']:<14} {row['range']:<8} {row['ms']:>9.1f} ms")
            load_at_end = _load_average()
            # The same indexes as a migration builds them on cases already there (and REINDEX does,
            # its pages packed); written case by case, as above, they grew by splitting pages.
            for name in sizes["bytes"]:
                if name != "cases_servicerequest":
                    sql(f"REINDEX INDEX {name}")
            rebuilt = relation_sizes()["bytes"]
            say("rebuilt: " + ", ".join(f"{name} {size / 2**20:,.1f} MiB" for name, size in rebuilt.items()))
            path = Path(args.results)
            results = json.loads(path.read_text()) if path.exists() else {}
            results[label] = {
                "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "n": n,
                "repeat": args.repeat,
                "code": code,
                **({"against": args.reports_against} if args.reports_against else {}),
                "load_average_at_start": load_at_start,
                "load_average_at_end": load_at_end,
                "sizes": {**sizes, "bytes_rebuilt": rebuilt},
                "reports": rows,
            }
            path.write_text(json.dumps(results, indent=2) + "\n")
            if "reports" in results:
                write_markdown(Path(args.docs), results)
            say(f"--only reports: wrote the reports' figures to {args.results} ({label}) and {args.docs}")
            return 0

        if args.only == "regional":
            from django.utils import timezone

            now = timezone.now()
            copy_seconds = generate_and_copy(n, profile, catalogue, now, rng)
            sql("VACUUM ANALYZE")
            say(f"{n:,} cases copied in {copy_seconds:.1f} s")
            path = Path(args.results)
            results = json.loads(path.read_text()) if path.exists() else {}
            results[args.regional_label] = {**regional_comparison(now), "n": n}
            path.write_text(json.dumps(results, indent=2) + "\n")
            if "reports" in results:
                write_markdown(Path(args.docs), results)
            say(f"--only regional: wrote the regional comparison's figures to {args.results} and {args.docs}")
            return 0
        if args.only == "nightly":
            from django.utils import timezone

            now = timezone.now()
            copy_seconds = generate_and_copy(n, profile, catalogue, now, rng)
            sql("VACUUM ANALYZE")
            say(f"{n:,} cases copied in {copy_seconds:.1f} s")
            say("nightly stored values: by the database, and from every case")
            figures = bench_nightly(catalogue, now, args.repeat)
            say(f"  {figures['values_stored']} values: by the database {figures['database_ms']:,.1f} ms, from every"
                f" case {figures['every_case_ms']:,.1f} ms ({figures['ratio']})")  # fmt: skip
            path = Path(args.results)
            results = json.loads(path.read_text()) if path.exists() else {}
            results["nightly_values"] = {**figures, "n": n}
            path.write_text(json.dumps(results, indent=2) + "\n")
            if "reports" in results:
                write_markdown(Path(args.docs), results)
            say(f"--only nightly: wrote the nightly stored values' figures to {args.results} and {args.docs}")
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
        sql("VACUUM ANALYZE cases_servicerequest")
        started = time.perf_counter()
        rollup_rows = rollups.rebuild()
        rebuild_seconds = time.perf_counter() - started
        sql("VACUUM ANALYZE reports_casetally")
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
            "open_data": open_data(),
            "regional_comparison": {**regional_comparison(now), "n": n},
        }
        # The figures of the benchmarks run on their own (bench/geocoding.py, bench/expected.py, bench/nodes.py;
        # `make bench` runs them after this) are kept.
        path = Path(args.results)
        previous = json.loads(path.read_text()) if path.exists() else {}
        results = {**{k: v for k, v in previous.items() if k in SEPARATE}, **results}
        path.write_text(json.dumps(results, indent=2) + "\n")
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
