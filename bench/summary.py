"""docs/performance.md, written from bench/results.json: the summary of every benchmark."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import SPAN_DAYS


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


def open_data_markdown(od: dict[str, Any]) -> list[str]:
    """The open-data export's section of docs/performance.md."""
    runs = "one run" if od["repeat"] == 1 else f"median of {od['repeat']} runs"
    return [
        "",
        "## Open-data export",
        "",
        f"The collaborative's files of {od['rows']:,} public cases (`open_data_export`, as the nightly task"
        " writes them: gzip, SHA-256, saved through the storage) against PostgreSQL's `COPY (SELECT the same"
        " columns, same joins, same order) TO STDOUT` of the same rows, read and thrown away. Ratio = COPY's"
        f" seconds / ours: the share of COPY's rate reached (the goal: at least 0.5). Measured {od['date']},"
        f" {runs}"
        " (bench/open_data.py; docs/open-data.md says how).",
        "",
        "| figure | seconds | ratio to COPY |",
        "| --- | ---: | ---: |",
        f"| COPY of the same rows, {od['copy_bytes']:,} bytes of CSV | {od['copy_seconds']} | 1 |",
        f"| CSV export, {od['csv_gz_bytes']:,} bytes gzip | {od['csv_seconds']} | **{od['ratio_csv_to_copy']}** |",
        f"| GeoJSON export, {od['geojson_gz_bytes']:,} bytes gzip | {od['geojson_seconds']}"
        f" | {od['ratio_geojson_to_copy']} |",
        "",
        f"Peak memory of `manage.py export_open_data`: {od['peak_rss_mib_all_files']} MiB for every file,"
        f" {od['peak_rss_mib_one_city']} MiB for one city's: it does not grow with the number of cases.",
    ]


PAGES = Path(__file__).resolve().parent / "pages.json"


def pages_markdown(pages: dict[str, Any]) -> list[str]:
    """Each page's queries and server time before and after, from bench/pages.json (bench/pages.py)."""
    before = {r["kind"]: r for r in pages["before"]}
    lines = [
        "",
        "## Pages",
        "",
        f"Every public page, the console's queues and case page, and the Open311 GETs, rendered in-process"
        f" (Django's test client, one at a time, no page kept by civicdesk/core/pagecache.py) on"
        f" {pages['n']:,} synthetic cases in PostgreSQL, the median of {pages['repeat']} runs (bench/pages.py;"
        f" measured {pages['date']}, before and after one after the other on the same database;"
        f" {pages['conditions']}). 'Seq scan' names a table some query of the page read from end to end.",
        "",
        "| page | queries before | after | ms before | after | slowest query before (ms) | after | seq scan before | after |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]

    def scans(row: dict[str, Any] | None) -> str:
        if row is None:
            return ""
        return ", ".join(sorted({t for s in row["seq_scans"] for t in s["tables"]}))

    for row in pages["after"]:
        old = before.get(row["kind"])
        lines.append(
            f"| {row['kind']} | {old['queries'] if old else ''} | {row['queries']} | {old['ms'] if old else ''}"
            f" | {row['ms']} | {old['slowest_query_ms'] if old else ''} | {row['slowest_query_ms']}"
            f" | {scans(old)} | {scans(row)} |"
        )
    lines += ["", *pages["findings"]]
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
    if "open_data" in r:
        lines += open_data_markdown(r["open_data"])
    if PAGES.exists():
        lines += pages_markdown(json.loads(PAGES.read_text()))
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
        " docs/operations.md says what it proves. `--only open_data` times the open-data export alone"
        " (on 100,000 cases unless `--n`). `.venv/bin/python bench/pages.py` measures every page's queries,"
        " time and plans on its own seeded cluster (200,000 cases unless `--n`; see its docstring).",
        "",
    ]
    path.write_text("\n".join(lines))
