#!/usr/bin/env python
"""The operational report on SQLite, the embedded database ``make run`` uses: N synthetic cases
(the Kansas City mix of bench/mix.py, as ``make bench`` draws them, written with ``INSERT``
instead of PostgreSQL's ``COPY``) in a SQLite file, the roll-ups rebuilt, then the operational
report and its time-to-close tables by today's code and by the code of an older commit, in turn
on the same cases (bench/reports.py's ``bench_reports_against``): the same load for both.

The figures go to bench/results.json under ``reports_sqlite_same_run`` and to
docs/performance.md ("Operational report on SQLite, the same run").

    .venv/bin/python bench/reports_sqlite.py --against 02db9df            # 100,000 cases
    .venv/bin/python bench/reports_sqlite.py --against 02db9df --keep /tmp/bench.sqlite3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CENTRAL, REPO, setup_django, sql

KEY = "reports_sqlite_same_run"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", required=True, help="the older commit whose operational report is timed too")
    parser.add_argument("--n", type=int, default=100_000, help="number of synthetic cases (default 100,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each code per figure (median kept)")
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument("--keep", help="the SQLite file to write (kept afterwards); default a temporary one")
    parser.add_argument("--results", default=str(REPO / "bench" / "results.json"))
    parser.add_argument("--docs", default=str(REPO / "docs" / "performance.md"))
    args = parser.parse_args()

    began = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)

    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-sqlite-") as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.sqlite3"
        if path.exists():
            parser.error(f"{path} exists: the cases are drawn into a new file")
        setup_django(f"sqlite:///{path}")

        import numpy as np
        from django.utils import timezone

        from bench.cases import generate_and_copy, load_catalogue
        from bench.mix import kc_profile
        from bench.regional import _commit, _load_average
        from bench.reports import bench_reports_against
        from bench.summary import write_markdown
        from civicdesk.reports import rollups

        rng = np.random.default_rng(args.seed)
        profile = kc_profile()
        catalogue = load_catalogue(profile)
        now = timezone.now()
        seconds = generate_and_copy(args.n, profile, catalogue, now, rng)
        rollups.rebuild()
        sql("ANALYZE")
        (cases, closed), *_ = sql("SELECT count(*), count(closed_at) FROM cases_servicerequest")
        say(f"{cases:,} cases ({closed:,} closed) written in {seconds:.1f} s, roll-ups rebuilt ({path})")
        code, load_at_start = _commit(), _load_average()
        rows = bench_reports_against(catalogue, now.astimezone(CENTRAL).date(), args.repeat, args.against)
        for row in rows:
            say(f"{row['figure']:<60} {row['scope']:<14} {row['range']:<8} {row['then_ms']:>9.1f} ms then,"
                f" {row['ms']:>9.1f} ms now")  # fmt: skip
        results_path = Path(args.results)
        results = json.loads(results_path.read_text()) if results_path.exists() else {}
        results[KEY] = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "n": args.n,
            "closed": closed,
            "repeat": args.repeat,
            "code": code,
            "against": args.against,
            "sqlite": sql("SELECT sqlite_version()")[0][0],
            "database_bytes": os.path.getsize(path),
            "load_average_at_start": load_at_start,
            "load_average_at_end": _load_average(),
            "reports": rows,
        }
        results_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
        write_markdown(Path(args.docs), results)
        say(f"wrote {KEY} to {results_path} and {args.docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
