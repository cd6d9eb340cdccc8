"""docs/performance.md, written from bench/results.json: the summary of every benchmark."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import SPAN_DAYS


def _row(name: str, f: dict[str, Any]) -> str:
    errors = f.get("server_errors", sum(n for status, n in f.get("statuses", {}).items() if status.startswith("5")))
    return f"| {name} | {f['requests']:,} | {f['rps']:,.1f} | {f['p50_ms']:,.1f} | {f['p99_ms']:,.1f} | {errors} |"


RUNS = (
    ("trivial", "trivial endpoint"),
    ("intake", "intake: Open311 POSTs only, one city (the burst)"),
    ("intake_one_client", "intake, one client alone"),
    ("intake_five_cities", "intake: Open311 POSTs spread over the five cities"),
    ("mixed", "mix, all kinds"),
    ("morning", "busy morning (console, residents, Open311), all kinds"),
)


def load_markdown(lt: dict[str, Any], before: dict[str, Any] | None = None) -> list[str]:
    """The load test's section of docs/performance.md (and, with ``before``, the same runs on
    the code before a change, for their ratios)."""
    lines = [
        "",
        "## Load on loopback (`make serve-prod`)",
        "",
        f"{lt['clients']} clients at once, {lt['requests_per_client']} requests each, each client its own connection on"
        " loopback, kept open when the server keeps it (tests/ops/loadgen.py; sync workers close it after each"
        " answer, as nginx's connections to gunicorn are), against `make serve-prod`"
        f" ({lt['web_workers']} gunicorn workers, the"
        f" task worker and the outbox sweeper) on the same PostgreSQL, holding {lt['cases_in_database']:,} cases."
        f" The runs, one after the other (bench/load.py): the trivial endpoint (`{lt['trivial_path']}`: every"
        " middleware and a view, no database query; "
        + (
            f"run three times among the others, {lt['trivial']['requests']:,} requests a run (about as long as"
            f" the runs it divides), {', '.join(f'{r:,.0f}' for r in lt['trivial_runs_rps'])} req/s, the median"
            " kept as every ratio's denominator"
            if "trivial_runs_rps" in lt
            else "one run"
        )
        + "); Open311 POSTs only into one city (each a new report with"
        " its Idempotency-Key: the burst, every report queues for that city's next number); the same from one"
        " client; Open311 POSTs spread over the five cities (one key each); the mix (a third POSTs, some"
        " retried with the same key; the portal's home, a city's map and list of requests, case pages, Open311"
        " GETs); a busy morning (a worker and a supervisor of each city signed in through the login form,"
        " opening queues with filters and sorts, case pages, adding internal notes, beside residents' pages (as"
        " anonymous visitors: a resident's browser holds no staff session) and Open311 POSTs into all five"
        " cities; "
        + (
            f"{lt['morning']['requests']:,} requests, so that even its rarest kinds have about a hundred and a"
            " kind's p99 is not just its slowest request"
            if lt.get("morning", {}).get("requests", 0) > lt.get("intake", {}).get("requests", 0)
            else "as many requests as the others"
        )
        + "); and every page kind alone, one client. "
        + (
            "Each run began once the task worker had sent the emails of the runs before it (waits of"
            f" {', '.join(f'{w:g}' for w in lt['waited_for_the_outbox_s'])} s), so that no run pays for the"
            " emails of another. "
            if "waited_for_the_outbox_s" in lt
            else ""
        )
        + "Rate limits "
        f"{lt['rate_limits'].removeprefix('on, ')}. Each run's figures are over its whole wall time, so a"
        " kind's req/s inside the mix is its share of the mix. The clients share the server's cores, and so did"
        f" whatever else the machine ran (load average {lt.get('load_average_before', '?')} when the runs began):"
        f" these are floors. Measured {lt['date']}.",
        "",
        "| run / kind | requests | req/s | p50 (ms) | p99 (ms) | 5xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, name in RUNS:
        if key in lt:
            lines.append(_row(name, lt[key]))
    for key, label in (("mixed", "mix"), ("morning", "morning")):
        if key in lt:
            lines += [_row(f"{label}: {kind}", f) for kind, f in lt[key]["kinds"].items()]
    lines += cpu_markdown(lt)
    if "pages_alone" in lt:
        paths = lt.get("pages_alone_paths", {})
        lines += [
            "",
            "Every page kind alone: one client, one request at a time (a console page as a signed-in worker or"
            " supervisor of the busiest city; `{city}` is its slug, `{number}` one of its cases). The p50 is"
            " the client's, from sending the request to reading the last byte; the server's p50 is the"
            " application's own time, from each answer's `Server-Timing` header (what the goal's \"server"
            " time\" means; the difference is gunicorn, the wire and the client's own turn on the CPU).",
            "",
            "| page | path | requests | p50 (ms) | server p50 (ms) | p99 (ms) | statuses |",
            "| --- | --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for name, f in lt["pages_alone"].items():
            statuses = ", ".join(f"{status}: {n}" for status, n in f["statuses"].items())
            served = f"{f['server_p50_ms']:,.1f}" if "server_p50_ms" in f else "–"
            lines.append(
                f"| {name} | `{paths.get(name, '')}` | {f['requests']} | {f['p50_ms']:,.1f} | {served}"
                f" | {f['p99_ms']:,.1f} | {statuses} |"
            )
    lines += [
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| intake (one city) throughput / trivial endpoint | {lt['ratio_intake_to_trivial']:.3f} |",
    ]
    if "ratio_intake_five_cities_to_trivial" in lt:
        lines.append(
            f"| intake (five cities) throughput / trivial endpoint | {lt['ratio_intake_five_cities_to_trivial']:.3f} |"
        )
    lines.append(f"| mix throughput / trivial endpoint | {lt['ratio_mixed_to_trivial']:.3f} |")
    if "ratio_morning_to_trivial" in lt:
        lines.append(f"| busy morning throughput / trivial endpoint | {lt['ratio_morning_to_trivial']:.3f} |")
    lines += [
        f"| answers with a 5xx status | {lt['server_errors']} |",
        f"| requests without an answer | {lt['connection_errors']} |",
        f"| reports accepted / cases made | {lt['reports_accepted']:,} / {lt['cases_made']:,} |",
    ]
    if "cases_with_created_event" in lt:
        gaps = ", ".join(f"{city}: {n}" for city, n in lt["cities_with_gaps"].items()) or "none"
        lines += [
            f"| cases made with their *Reported* event / with outbox rows | {lt['cases_with_created_event']:,}"
            f" / {lt['cases_with_outbox_rows']:,} |",
            f"| missing case numbers, per city (after every run) | {gaps} |",
            f"| staff notes added in the morning run | {lt['notes_added']:,} |",
        ]
    if before is not None:
        lines += before_after_markdown(before, lt)
    lines += [
        "",
        "### Intake under a burst",
        "",
        "A city's case numbers are gapless: `cases.invariants.case_numbers_take` takes the next one with one"
        " statement (`UPDATE tenants_city SET next_case_number = next_case_number + 1 … RETURNING`), and the"
        " row lock that statement takes is held until the report's transaction ends. That much is needed:"
        " a number is gapless only if the next report cannot take the following number before this one has"
        " committed (its number is used) or rolled back (the counter goes back with it, and the waiter takes"
        " the same number: tests/cases/test_case_numbers_under_load.py). A counter moved in its own short"
        " transaction, or a sequence, would leave a gap for every report that rolls back afterwards (a bad"
        " photo, a lost connection, a duplicate key). So the lock is taken as late as the transaction allows"
        " and little is done after it: everything that needs no number — checks, routing (the point in the"
        " city limits, the district, the agreements of the day), the due date, the answers to the type's"
        " questions, and now the photos (decoded, stripped and re-encoded before, by the portal and Open311)"
        " — comes first; after it only the rows of the case: the case, its tallies, its *Reported* event,"
        " its emails in the outbox, the Open311 submission and key, then the commit. The emails quote the"
        " number, yet they are rendered before it: the case is built unsaved with a stand-in number (18"
        " random digits), its emails are rendered from it (`signals.case_numbering`), and the stand-in's"
        " digits are replaced by the number once it is taken"
        " (tests/notifications/test_rendered_before_the_number.py). Rendered under the lock, the"
        " acknowledgment and the department's email made every other report of the city wait for them too."
        " The lock is the counter row's alone: on PostgreSQL an `UPDATE` of a column that is no key takes"
        " FOR NO KEY UPDATE, so rows that only refer to the city (a case, a tally) are written meanwhile by"
        " others, and a case's own lock (`case_lock`, every staff action) locks the case's row only, not its"
        " city's as it did (a note on any case of a city waited for the city's intake before). Reports to"
        " different cities lock different rows and never wait on each other. On SQLite there is one writer"
        " at a time (every transaction takes the write lock at BEGIN, `transaction_mode = IMMEDIATE`): every"
        " write waits for the one in progress whatever its city, and numbers are gapless for that reason;"
        " production runs on PostgreSQL.",
        "",
        "What is left under the lock: the counter's `UPDATE`, the case's `INSERT`, its tallies, its *Reported*"
        " event, one `INSERT` of all its emails (the acknowledgment, the department's, any area alerts: their"
        " subscribers found and their emails rendered before the number was taken), the Open311 submission and"
        " key (no savepoint: a key already held fails the whole filing), the commit. Nine statements where"
        " there were thirteen, and none of them reads (tests/notifications/test_rendered_before_the_number.py).",
        "",
        "### The slowest requests: one queue, not five",
        "",
        "Until 2026-12-05 the workers were gthread workers at one thread each. A gthread worker accepts"
        " connections while its thread is busy and queues them itself, so a request waited behind whichever"
        " worker had taken it while another stood idle. With the busy morning made long enough for a real p99"
        " (4,800 requests), that showed: every kind's p99 was 1.1 to 1.3 s, from bursts of a few seconds in"
        " which some requests waited a second while the others were served (the server's own time stayed under"
        " 0.15 s). gunicorn's sync worker takes a connection only when it is free: the requests wait in the"
        " kernel's one queue, first come first served, and every kind's p99 fell to 0.34 to 0.50 s at the same"
        " throughput (three runs; docs/operations.md has the table). The p50 rose (about 0.2 to 0.3 s): with"
        " 30 clients and about 100 answers a second each request waits about 0.3 s on average either way, and"
        " one queue shares the waiting out evenly.",
        "",
        "A sync worker closes the connection after each answer, as nginx's connections to gunicorn are in"
        " production. The trivial endpoint, every ratio's denominator, pays most for that: a new connection"
        " per request is a larger part of its 1 ms than of a page's 20.",
        "",
        "**The denominator was low, and the ratios flattered, until 2026-12-05.** The bench's first trivial run"
        " made about 1,350 requests a second and the later two 730 to 940, and the median kept was one of the"
        " later ones. The CPU table above found why: the web workers spent 1.6 ms of CPU per trivial request in"
        " such a run, against 1.0 ms in one where no worker was replaced. Each worker is replaced every 2,000 requests or so"
        " (`max_requests`), and each replacement cost about 1.1 s of CPU (the new worker imported the whole"
        " application): 0.6 ms more on every request, a sixth of the trivial endpoint's cost, little of a"
        " report's. By the later trivial runs the workers were being replaced; in the first they were not yet."
        " With `--max-requests 20000` (no replacement during the bench) the later runs made 1,339 and 1,392"
        " requests a second, and the ratios of that run fell to 0.061 (five cities) and 0.077 (morning) from"
        " the 0.091 and 0.105 committed before. The master now loads the application once and forks each"
        " worker from it, its objects frozen (`config/gunicorn_conf.py`, docs/operations.md): a replacement"
        " costs about 0.4 s, and the three trivial runs above made "
        + (", ".join(f"{r:,.0f}" for r in lt["trivial_runs_rps"]) if "trivial_runs_rps" in lt else "–")
        + " requests a second. The reports and pages answered per second did not change with either; the"
        " ratios are lower because their denominator is now what the trivial endpoint really costs.",
        "",
        "### Where an Open311 report's CPU goes",
        "",
        "The machine's CPU is the limit of intake into several cities: each process's CPU seconds over a run"
        " (read from `/proc`), divided by the reports it accepted, at 1,000,000 cases, 30 clients spread over"
        " the five cities (`make serve-prod` shape; the runs on this shared machine vary by about a fifth):",
        "",
        "| per accepted report | before (35fe7e3) | after (two runs) |",
        "| --- | ---: | ---: |",
        "| web workers (gunicorn) | 16.7 ms | 14.2 ms |",
        "| task worker (the emails) | 8.0 ms | 2.3 ms during the run (the rest after it) |",
        "| PostgreSQL | 7.8 ms | 5.2 ms |",
        "| honcho relaying the logs | 1.4 ms | 0.6 ms |",
        "| reports accepted per second | 55 | 83 |",
        "",
        "- **The task worker's lower priority did nothing.** It runs at nice 10 so that the web answers first;"
        " but with autogroup scheduling (on by default on Debian) the CPU is shared between *sessions* first,"
        " and honcho starts every Procfile line in a session of its own (systemd, every unit in a cgroup of its"
        " own), so nice only weighed inside the worker's own session. The worker and the sweeper now give their"
        " session their nice value (`civicdesk/core/priority.py`, tested on a real process); systemd units set"
        " `CPUWeight=20` (docs/operations.md). Under a burst the emails wait for the gaps, seconds later, as"
        " intended: every one is a row until sent.",
        "- **One task and one mail session per change**: a new case's emails were two tasks, two task rows"
        " and two SMTP sessions; now one (`delivery.deliver_all`).",
        "- **Fewer statements per report**: the API key and its city are one query, the city the report was"
        " sent to is not read again when the point is in it, a district's row comes with the index of the"
        " districts' shapes, all the emails are one `INSERT`, the submission key has no savepoint; and five"
        " unneeded indexes of the cases are no longer written (below). In-process, one report's web CPU went"
        " from 15.0 ms to 11.7 ms.",
        "- **The questions every report asks, without building a query for each** (the web workers' CPU"
        " sampled with py-spy under this load showed Django building and compiling queries for a third of"
        " it): whether anyone's area alert covers the point, whether an agreement names the type, whether"
        " the Idempotency-Key was seen, are plain SQL (`core/sql.py`; 0.3–0.9 ms each became about 0.1); the"
        " application's key and its city are kept per process and checked in one plain statement on each"
        " report (still active, not renamed, the city's version unchanged: 0.7 → 0.12 ms); both rate-limit"
        " rules are counted by one statement; neither `case_create` nor the expected date opens a savepoint"
        " when there is nothing to undo (the date comes from the model and backlog the process keeps); a"
        " case's choice labels come from a table made once (Django's `get_FOO_display` translated every"
        " label of the field on each call); the city's district index no longer builds an unused queryset on"
        " each look-up; the task queue's two INFO lines per task are no longer logged at the default level. 20 statements per"
        " report became 15. The web workers' CPU per report into the five cities was 12.0 ms in the run"
        " committed before these changes (the table above has this run's).",
        "",
        "The web workers' CPU per report is now spread thinly: the case's, its event's, its emails' and the"
        " submission's INSERTs built by the ORM, the emails' four templates (about 0.8 ms in-process), DRF's"
        " parsing and answer, psycopg's 0.1 ms per statement. Every run of the bench measures the split (the"
        " CPU table above). ",
    ]
    five, morning = lt.get("intake_five_cities", {}), lt.get("morning", {})
    if "cpu_ms_per_request_total" in five and "trivial" in lt:
        lines[-1] += (
            f"In this run a report into the five cities took {_cpu_against(lt, five, 0.1)} ({0.1 * lt['trivial']['rps']:.0f}"
            f" reports a second on {lt.get('cores') or 2} cores): {five['rps']:.1f} were accepted a second, "
            + ("0.1 of the trivial endpoint or more." if five["rps"] >= 0.1 * lt["trivial"]["rps"] else "short of 0.1.")
        )
    if "cpu_ms_per_request_total" in morning and "trivial" in lt:
        met = morning["rps"] >= 0.15 * lt["trivial"]["rps"]
        lines[-1] += (
            f" The busy morning's request took {_cpu_against(lt, morning, 0.15)}:"
            f" {morning['rps']:.1f} requests a second, "
            + ("0.15 of the trivial endpoint or more." if met else "short of 0.15.")
            + " What took it there is in \"The console's pages\": the load generator's residents no longer"
            " carrying a staff session, the session and the signed-in user read by plain statements, the queue"
            " counts compiled once and a long list's count kept for half a minute, the public pages shared"
            " between the web workers, the markup every page repeats kept per language. What is left of a staff page's CPU is spread thin: the template"
            " engine (about a third of a page), Django building and compiling the page's own queries and"
            " making its objects, the middleware; an Open311 report's four emails are rendered in the request"
            " (before the city's number lock)."
        )
    lines += [
        "",
        "Peak memory (VmHWM) per process, the highest of its kind:",
        "",
        "| process | peak RSS (MiB) |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {mib:,.1f} |" for name, mib in sorted(lt["peak_rss_mib"].items())]
    return lines


def _cpu_against(lt: dict[str, Any], run: dict[str, Any], share: float) -> str:
    """A run's CPU per request in all, and what ``share`` of the trivial endpoint's throughput
    allows: the machine's cores, kept busy, divided by that many requests a second."""
    needed = (lt.get("cores") or 2) * 1000 / (share * lt["trivial"]["rps"])
    return (
        f"{run['cpu_ms_per_request_total']:.1f} ms of CPU in all ({run['cpu_ms_per_request']['web']:.1f} of it the"
        f" web workers'); {share:g} of the trivial endpoint needs {needed:.1f} ms in all"
    )


CPU_COLUMNS = ("web", "PostgreSQL", "task worker", "sweeper", "honcho (logs)", "load generator")


def cpu_markdown(lt: dict[str, Any]) -> list[str]:
    """Where each run's CPU went, per request and per process role (bench/load.py ``metered``)."""
    runs = [(name, lt[key]) for key, name in RUNS if "cpu_ms_per_request" in lt.get(key, {})]
    if not runs:
        return []
    roles = [r for r in CPU_COLUMNS if any(r in f["cpu_ms_per_request"] for _n, f in runs)]
    roles += sorted({r for _n, f in runs for r in f["cpu_ms_per_request"]} - set(roles))
    lines = [
        "",
        "Where each request's CPU went: every process's CPU seconds over the run (user and system, from"
        " `/proc`, with those of the children it reaped: recycled web workers, closed PostgreSQL backends),"
        " divided by the run's requests, in ms. *cores busy* is the sum over the run's wall time and the"
        f" machine's {lt.get('cores', 'two')} cores: 1.0 is no core idle, less is time the processes"
        " measured here did not use (waiting on each other, or on whatever else the machine ran). The load"
        " generator is the bench's own process: the clients, on the same cores.",
        "",
        "| run | " + " | ".join(roles) + " | total | cores busy |",
        "| --- | " + " | ".join("---:" for _r in roles) + " | ---: | ---: |",
    ]
    for name, f in runs:
        cells = [f"{f['cpu_ms_per_request'][r]:,.2f}" if r in f["cpu_ms_per_request"] else "–" for r in roles]
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {f['cpu_ms_per_request_total']:,.2f} | {f['cores_busy']:.2f} |"
        )
    if "trivial_runs_cores_busy" in lt:
        lines += [
            "",
            "The three trivial runs kept "
            + ", ".join(f"{b:.2f}" for b in lt["trivial_runs_cores_busy"])
            + " of the cores busy (at "
            + ", ".join(f"{r:,.0f}" for r in lt["trivial_runs_rps"])
            + " req/s).",
        ]
    return lines


def before_after_markdown(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The same runs before and after a change (``--load-label load_test_before``): ratios."""
    lines = [
        "",
        f"Before and after: the same runs on {before.get('code', 'the code before the change')} (measured"
        f" {before['date']}, {before['cases_in_database']:,} cases, load average {before.get('load_average_before')})"
        f" and {after.get('code', 'after it')} (above, load average {after.get('load_average_before')})."
        " Ratio = after / before: above 1"
        " is more requests per second, below 1 a shorter time. The trivial endpoint's row is the machine's own"
        " change between the two measurements (nothing in it changed): on a shared machine, a ratio means"
        " something only where it is well beyond that one; what waits for what is shown by the tests"
        " (tests/cases/test_case_numbers_under_load.py), not by these runs.",
        "",
        "| run | req/s before | req/s after | ratio | p99 before (ms) | p99 after (ms) | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, name in RUNS:
        if key in before and key in after:
            b, a = before[key], after[key]
            lines.append(
                f"| {name} | {b['rps']:,.1f} | {a['rps']:,.1f} | {a['rps'] / b['rps']:.2f} | {b['p99_ms']:,.1f}"
                f" | {a['p99_ms']:,.1f} | {a['p99_ms'] / b['p99_ms']:.2f} |"
            )
    for kind in ("console_note", "console_case", "console_queue", "open311_post"):
        b, a = before.get("morning", {}).get("kinds", {}).get(kind), after.get("morning", {}).get("kinds", {}).get(kind)
        if b and a:
            lines.append(
                f"| morning: {kind} | {b['rps']:,.1f} | {a['rps']:,.1f} | {a['rps'] / b['rps']:.2f} |"
                f" {b['p99_ms']:,.1f} | {a['p99_ms']:,.1f} | {a['p99_ms'] / b['p99_ms']:.2f} |"
            )
    alone_before, alone_after = before.get("pages_alone", {}), after.get("pages_alone", {})
    if alone_before and alone_after:
        lines += [
            "",
            "Each page kind alone, one client, before and after (p50, ms; a public page is mostly served"
            " from the copy kept for a few seconds, core/pagecache.py, in both):",
            "",
            "| page | p50 before | p50 after | ratio | server p50 after |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name, a in alone_after.items():
            b = alone_before.get(name)
            if b:
                served = f"{a['server_p50_ms']:,.1f}" if "server_p50_ms" in a else "–"
                lines.append(
                    f"| {name} | {b['p50_ms']:,.1f} | {a['p50_ms']:,.1f} | {a['p50_ms'] / b['p50_ms']:.2f} | {served} |"
                )
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


def _regional_conditions(rc: dict[str, Any]) -> str:
    """The code measured and the machine's load average (1, 5, 15 minutes) at the step's start
    and end, as bench/regional.py keeps them (older runs kept neither)."""
    parts = []
    if rc.get("code"):
        parts.append(f"code {rc['code']}")
    if rc.get("load_average_at_start"):
        start, end = rc["load_average_at_start"], rc.get("load_average_at_end") or []
        parts.append(
            "load average "
            + " / ".join(f"{x:g}" for x in start)
            + " (1 / 5 / 15 min) when it began"
            + (", " + " / ".join(f"{x:g}" for x in end) + " when it ended" if end else "")
        )
    return "; ".join(parts)


def _regional_measures(before: dict[str, Any], after: dict[str, Any]) -> str:
    """The common measures both runs had and the log their cases were given, when they kept them
    (bench/regional.py; older runs kept neither: three measures, no log)."""
    if not before.get("measures") or before.get("measures") != after.get("measures"):
        return ""
    log = after.get("case_log") or {}
    events = f" on cases with a log of {log['events']:,} events" if log.get("events") else ""
    return f" Both with {len(after['measures'])} common measures ({', '.join(after['measures'])}){events}."


def regional_before_after(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The same regional step on the code before a change (``--only regional --regional-label
    regional_comparison_before``) and after it: ratio = after / before."""
    lines = [
        "",
        f"Before and after: the same step on {before['n']:,} cases, the code before the change"
        f" ({_regional_conditions(before) or 'no load average kept'}; measured {before['date']}) and after it"
        f" ({_regional_conditions(after) or 'no load average kept'}; measured {after['date']})."
        " Ratio = after / before: below 1 is faster. Each is its own cluster and its own synthetic cases"
        " (the same seed, so the same mix; the dates follow the day it ran)." + _regional_measures(before, after),
        "",
        "| figure | before (ms) | after (ms) | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]

    def row(name: str, b: float | None, a: float | None) -> None:
        if b is not None and a is not None:
            ratio = f"{a / b:.3f}" if b else ""
            lines.append(f"| {name} | {b:,.1f} | {a:,.1f} | **{ratio}** |")

    for b, a in zip(before.get("periods", []), after.get("periods", []), strict=False):
        name = a["period"].split(" (")[0]
        row(f"worked out, {name}", b["worked_out_ms"], a["worked_out_ms"])
        row(f"page, kept, {name}", b["page_kept_ms"], a["page_kept_ms"])
    rb, ra = before.get("refresh") or {}, after.get("refresh") or {}
    for key, name in (
        ("every_figure_ms", "refresh, every figure"),
        ("nothing_changed_ms", "refresh, nothing changed"),
        ("one_city_changed_ms", "refresh, one city changed"),
        ("plain_sql_ms", "plain SQL, four periods (nothing of ours in it)"),
    ):
        row(name, rb.get(key), ra.get(key))
    return lines


def regional_markdown(
    rc: dict[str, Any], before: dict[str, Any] | None = None, after: dict[str, Any] | None = None
) -> list[str]:
    """The regional comparison's section of docs/performance.md (bench/regional.py), with the
    same step on the code before a change when it was kept, beside the run after it on as many
    cases (``after``: one kept under its own label, ``regional_comparison_after``, when the
    section's own run is of another size)."""
    conditions = _regional_conditions(rc)
    after = after or rc
    lines = [
        "",
        "## Regional comparison",
        "",
        f"`/performance/compare/` on {rc['n']:,} cases: three common measures (requests per 1,000 residents,"
        " median days to close, % closed within target) over the five cities, every type mapped. *Worked"
        " out*: every city's figures from its cases (`regional.regional_comparison`; by the database where a"
        " definition has a `figure`, docs/performance-dashboard.md), what the first visitor"
        " waited for before the figures were kept (the task worker's refresh, below, now works out only what"
        " changed); *page,"
        " kept*: the whole page once the worker has kept them (page cache off). The baseline is the same"
        " figures as plain SQL on the cases. Ratio = ours / plain SQL: below 1 is faster."
        f" Measured {rc['date']}, median of {rc['repeat']} runs{f' ({conditions})' if conditions else ''}."
        f"{(' ' + rc['note']) if rc.get('note') else ''}",
        "",
        "| period | cases opened in it | plain SQL (ms) | worked out (ms) | ratio | page, kept (ms) | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rc["periods"]:
        lines.append(
            f"| {row['period']} | {row['cases']:,} | {row['plain_sql_ms']:,.1f} | {row['worked_out_ms']:,.1f}"
            f" | {row['ratio_worked_out']} | {row['page_kept_ms']:,.1f} | **{row['ratio_page_kept']}** |"
        )
    rf = rc.get("refresh")
    if rf:
        lines += [
            "",
            f"The task worker's refresh (every few minutes): {rf['figures']} figures, every city's three measures"
            f" for {', '.join(rf['periods'])}. *Every figure*: all worked out from the cases, as every refresh did"
            " before it skipped what did not change; *nothing changed*: the next refresh five minutes later (a"
            " figure whose open case fell due meanwhile is worked out again); *one city changed*: a case of one"
            " city closed, then the refresh. Baseline: the plain SQL of the four periods. Median of"
            f" {rc['repeat']} rounds.",
            "",
            "| refresh | figures worked out | ms | ratio to plain SQL | ratio to every figure |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| plain SQL, four periods | | {rf['plain_sql_ms']:,.1f} | 1 | |",
            f"| every figure | {rf['figures']} | {rf['every_figure_ms']:,.1f} | {rf['ratio_every_figure']} | 1 |",
            f"| nothing changed | {rf['nothing_changed_worked_out']} | {rf['nothing_changed_ms']:,.1f}"
            f" | {rf['ratio_nothing_changed']} | **{rf['nothing_changed_to_every_figure']}** |",
            f"| one city changed | {rf['one_city_changed_worked_out']} | {rf['one_city_changed_ms']:,.1f}"
            f" | {rf['ratio_one_city_changed']} | **{rf['one_city_changed_to_every_figure']}** |",
        ]
    if before and after and before.get("n") == after.get("n"):
        lines += regional_before_after(before, after)
    return lines


NIGHTLY_MEASURES = {
    "code_enforcement_inspected": "% inspected within 5 days",
    "animal_calls_held_over": "% of calls held over",
    "potholes_median_days_to_close": "median days to close (each case marked against its type's target)",
}


def nightly_markdown(nv: dict[str, Any]) -> list[str]:
    """The nightly stored values (bench/nightly.py): by the database against from every case,
    and against the median by ``compute`` when the run timed it, in the same run on the same
    cases."""
    conditions = _regional_conditions(nv)
    log = nv.get("case_log") or {}
    keys = list(dict.fromkeys(name.split(" (")[0] for name in nv.get("measures", [])))
    named = [NIGHTLY_MEASURES.get(key, key) for key in keys] or list(NIGHTLY_MEASURES.values())[:2]
    median = nv.get("median_by_compute_ms")
    lines = [
        "",
        "## Nightly stored values",
        "",
        f"`manage.py performance_compute` (the nightly, `services.performance_compute`) on {nv['n']:,} cases"
        f" with a log of {log.get('events', 0):,} events: each of the {nv['cities']} cities with"
        f" {', '.join(named[:-1])} and {named[-1]}, each quarterly and monthly, over every type;"
        " every period from the start of each city's previous fiscal year to today (the nightly's default;"
        f" {nv['since']} for the first city, and {nv['cases_since']:,} cases of every city opened since that day),"
        f" {nv['values_stored']} values stored. *By the database*:"
        " each value's figure and count of cases from the definition's `figure` (the median's `stored_figure`:"
        " the cases at its ranks and a count of the cases its rule decides), no case read into Python"
        " (`services.measure_stored_figure`); *from every case*: the same nightly working each out by `compute`"
        " from every case of the period and its log, read into Python, as every nightly did before."
        + (
            " *The median by `compute`*: the nightly before the median was stored from the database, its values"
            " worked out by `compute` from every case closed in the period, the others by the database."
            if median is not None
            else ""
        )
        + " Every way stored the same values, every figure and count (the step checks it). The same run, the"
        f" same cases, one after the other: median of {nv['repeat']} runs by the database, of"
        f" {nv['every_case_runs']} each other way. Measured {nv['date']}{f' ({conditions})' if conditions else ''}.",
        "",
        "| nightly | ms | ratio |",
        "| --- | ---: | ---: |",
        f"| from every case | {nv['every_case_ms']:,.1f} | 1 |",
    ]
    if median is not None:
        lines.append(
            f"| the median by `compute`, the rest by the database (before) | {median:,.1f}"
            f" | {round(median / nv['every_case_ms'], 4) if nv['every_case_ms'] else '—'} |"
        )
    lines.append(f"| by the database (after) | {nv['database_ms']:,.1f} | **{nv['ratio']}** |")
    if median is not None:
        lines += ["", f"By the database against the median by `compute`: **{nv['ratio_to_median_by_compute']}**."]
    return lines


def exact_percentiles_markdown(
    before: dict[str, Any], after: dict[str, Any], without: dict[str, Any] | None = None
) -> list[str]:
    """The operational report's times to close before and after its percentiles were exact
    from a day up (``--only reports --reports-label reports_before`` on the code before,
    ``reports_after`` after, ``reports_after_without_index`` after without the index it adds)."""

    def conditions(run: dict[str, Any]) -> str:
        return f"{_regional_conditions(run) or 'no load average kept'}; measured {run['date']}"

    lines = [
        "",
        "## Operational report: exact percentiles",
        "",
        f"The time-to-close figures and the whole report on {after['n']:,} cases (`--only reports`), before every"
        " median and 90th percentile was exact (from a day up, the whole days of the roll-ups) and after (the"
        " cases at the percentiles' ranks read from `cases_quick_closings` and `cases_later_closings`,"
        " docs/reports.md)"
        + (", and after without the index of the cases closed two days or more after opening" if without else "")
        + f". Before: {conditions(before)}. After: {conditions(after)}."
        + (f" Without the index: {conditions(without)}." if without else "")
        + " Each run is its own cluster and its own synthetic cases (the same seed; the dates follow the day it"
        " ran), median of each figure's runs; the machine was shared, so compare the load averages too."
        " Ratio = after / before." + (f" {after['note']}" if after.get("note") else ""),
        "",
        "| figure | scope | range | before (ms) | after (ms) | ratio |"
        + (" without the index (ms) |" if without else ""),
        "| --- | --- | --- | ---: | ---: | ---: |" + (" ---: |" if without else ""),
    ]
    key = lambda row: (row["figure"], row["scope"], row["range"])  # noqa: E731
    old = {key(row): row for row in before["reports"]}
    bare = {key(row): row for row in (without or {}).get("reports", [])}
    for row in after["reports"]:
        name = row["figure"]
        if not (name.startswith("time_to_close") or name.startswith("operational_report")) or key(row) not in old:
            continue
        b, a = old[key(row)]["ms"], row["ms"]
        line = f"| {name} | {row['scope']} | {row['range']} | {b:,.1f} | {a:,.1f} | {a / b:.2f} |"
        if without:
            w = bare.get(key(row))
            line += f" {w['ms']:,.1f} |" if w else " |"
        lines.append(line)
    return lines


def closings_markdown(whole: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The operational report with percentiles of whole days (``--only reports --reports-label
    reports_closings_whole_days``), exact from the quick- and later-closings indexes
    (``reports_closings_before``) and exact from the closings indexes per row
    (``reports_closings_after``), run one after the other."""

    def conditions(run: dict[str, Any]) -> str:
        return f"{_regional_conditions(run) or 'no load average kept'}; measured {run['date']}"

    lines = [
        "",
        "## Operational report: exact percentiles, each row's cases alone",
        "",
        f"The time-to-close figures and the whole report on {after['n']:,} cases (`--only reports`), three runs one"
        " after the other: *whole days*, the percentiles of the roll-ups' whole days (before they were exact);"
        " *exact, two indexes*, each table's cases at the ranks numbered among every case of the period's"
        " wanted whole days, from `cases_quick_closings` and `cases_later_closings` (reports 0003, 0004);"
        " *exact, per row*, each row's cell read alone, sorted only as far as its rank, from the closings"
        " indexes by city, type, department and district (reports 0005, docs/reports.md)."
        f" Whole days: {conditions(whole)}. Exact, two indexes: {conditions(before)}."
        f" Exact, per row: {conditions(after)}. Each run is its own cluster and its own synthetic cases (the"
        " same seed), median of each figure's runs; the machine was shared, so compare the load averages too."
        " Ratio = per row / whole days." + (f" {after['note']}" if after.get("note") else ""),
        "",
        "| figure | scope | range | whole days (ms) | exact, two indexes (ms) | exact, per row (ms) | ratio |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    key = lambda row: (row["figure"], row["scope"], row["range"])  # noqa: E731
    whole_rows = {key(row): row for row in whole["reports"]}
    before_rows = {key(row): row for row in before["reports"]}
    for row in after["reports"]:
        name = row["figure"]
        if not (name.startswith("time_to_close") or name.startswith("operational_report") or "operations" in name):
            continue
        if key(row) not in whole_rows or key(row) not in before_rows:
            continue
        w, b, a = whole_rows[key(row)]["ms"], before_rows[key(row)]["ms"], row["ms"]
        lines.append(f"| {name} | {row['scope']} | {row['range']} | {w:,.1f} | {b:,.1f} | {a:,.1f} | {a / w:.2f} |")
    return lines


def _mb(size: int) -> str:
    """Bytes as pg_size_pretty writes them (a MB of 2**20 bytes), to a tenth."""
    return f"{size / 2**20:,.1f} MB"


def _sizes_sentence(sizes: dict[str, Any]) -> str:
    """The cases and the closings indexes of reports 0005 as ``--only reports`` measured them
    (bench/reports.py ``relation_sizes``), as written case by case and as rebuilt."""
    written, rebuilt = sizes["bytes"], sizes["bytes_rebuilt"]
    closings = [f"cases_closings_by_{key}" for key in ("city", "type", "department", "district")]

    def each(b: dict[str, int]) -> str:
        return ", ".join(
            f"{_mb(b[name])} {name.removeprefix('cases_closings_').replace('_', ' ')}" for name in closings
        ) + (f", {_mb(sum(b[name] for name in closings))} in all")

    return (
        f" Sizes (`pg_relation_size`) on these {sizes['cases']:,} cases ({sizes['closed']:,} closed): the cases'"
        f" table {_mb(written['cases_servicerequest'])} without its indexes; the four closings indexes of"
        f" reports 0005 as the cases were written one after another (as a city's index grows), {each(written)};"
        f" rebuilt (REINDEX, as the migration builds them on cases already there), {each(rebuilt)}."
        + (
            f" The older code's `cases_quick_closings`: {_mb(written['cases_quick_closings'])}."
            if "cases_quick_closings" in written
            else ""
        )
    )


def same_run_markdown(run: dict[str, Any], heading: str = "") -> list[str]:
    """The operational report by today's code against the code of an older commit, in turn on the
    same cases (``--only reports --reports-against COMMIT``), and the sizes of its indexes where
    the run measured them; ``heading`` follows the section's title (another N)."""
    conditions = _regional_conditions(run)
    lines = [
        "",
        f"## Operational report: exact percentiles against whole days, the same run{heading}",
        "",
        f"The operational report and its time-to-close tables on {run['n']:,} cases by the code of"
        f" {run['against']} (percentiles of the roll-ups' whole days, exact only under a day) and by today's"
        " (every percentile exact, each row's cell read alone from the closings indexes, reports 0005), in turn,"
        f" one run of each after the other, {run['repeat']} times each, on the same cluster and the same cases"
        " (`--only reports --reports-against`; the older code's index of the cases closed within two days made"
        " for it): the same load for both, so the ratio holds where the milliseconds move with the machine."
        f" Medians. Measured {run['date']}{f' ({conditions})' if conditions else ''}."
        + (_sizes_sentence(run["sizes"]) if run.get("sizes") else "")
        + (f" {run['note']}" if run.get("note") else ""),
        "",
        f"| figure | scope | range | whole days, {run['against']} (ms) | exact (ms) | ratio |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for row in run["reports"]:
        lines.append(
            f"| {row['figure']} | {row['scope']} | {row['range']} | {row['then_ms']:,.1f} | {row['ms']:,.1f}"
            f" | {row['ratio']:.2f} |"
        )
    return lines


def sqlite_same_run_markdown(run: dict[str, Any]) -> list[str]:
    """The operational report on SQLite by today's code against the code of an older commit, in
    turn on the same cases (bench/reports_sqlite.py)."""
    conditions = _regional_conditions(run)
    lines = [
        "",
        "## Operational report on SQLite, the same run",
        "",
        f"The operational report and its time-to-close tables on SQLite {run['sqlite']} (what `make run` uses), on"
        f" {run['n']:,} cases ({run['closed']:,} closed; the file {run['database_bytes'] / 2**20:,.0f} MiB) drawn as"
        " `make bench` draws them, by the code of"
        f" {run['against']} (every case of the period's wanted whole days numbered within its row and day) and by"
        f" {run['code']} (each row's cell read alone from the closings indexes of SQLite, reports 0006, sorted only"
        f" as far as its rank), in turn, one run of each after the other, {run['repeat']} times each, on the same"
        " file (`bench/reports_sqlite.py --against`): the same load for both. Medians."
        f" Measured {run['date']}{f' ({conditions})' if conditions else ''}."
        + (f" {run['note']}" if run.get("note") else ""),
        "",
        f"| figure | scope | range | cases numbered, {run['against']} (ms) | each cell from its index (ms) | ratio |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for row in run["reports"]:
        lines.append(
            f"| {row['figure']} | {row['scope']} | {row['range']} | {row['then_ms']:,.1f} | {row['ms']:,.1f}"
            f" | {row['ratio']:.2f} |"
        )
    return lines


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
        lines += load_markdown(r["load_test"], r.get("load_test_before"))
    if "open_data" in r:
        lines += open_data_markdown(r["open_data"])
    if "regional_comparison" in r:
        lines += regional_markdown(
            r["regional_comparison"], r.get("regional_comparison_before"), r.get("regional_comparison_after")
        )
    if "nightly_values" in r:
        lines += nightly_markdown(r["nightly_values"])
    if r.get("reports_before") and r.get("reports_after"):
        lines += exact_percentiles_markdown(
            r["reports_before"], r["reports_after"], r.get("reports_after_without_index")
        )
    if r.get("reports_same_run"):
        lines += same_run_markdown(r["reports_same_run"])
    if r.get("reports_same_run_1m"):
        lines += same_run_markdown(r["reports_same_run_1m"], heading=f", {r['reports_same_run_1m']['n']:,} cases")
    if r.get("reports_sqlite_same_run"):
        lines += sqlite_same_run_markdown(r["reports_sqlite_same_run"])
    if r.get("reports_closings_whole_days") and r.get("reports_closings_before") and r.get("reports_closings_after"):
        lines += closings_markdown(
            r["reports_closings_whole_days"], r["reports_closings_before"], r["reports_closings_after"]
        )
    if PAGES.exists():
        lines += pages_markdown(json.loads(PAGES.read_text()))
    lines += [
        "",
        "## Why it is fast",
        "",
        "The reports never scan the cases of the range: they sum `reports_casetally`, tallies per city, local"
        " day and local month (docs/reports.md), kept current by the case services in the same transaction."
        " A year is read as its whole months plus the edge days, each piece one index-only scan. Time to close"
        " comes from histograms of whole days, which say at which ranks a percentile lies; only the cases at"
        " those ranks are read, each row's cell alone from an index of the closed cases by city, type, department"
        " or district and whole days, so percentiles are exact to the microsecond (above, and docs/reports.md). The backlog reads a partial index of"
        " the open cases. Charts are SVG written directly (civicdesk/core/svgchart.py), well under a millisecond"
        " each, so a page costs its figures and its template.",
        "",
        "## Indexes of the cases",
        "",
        "Every index of `cases_servicerequest` is written for every new case and weighed by the planner in"
        " every query of the table. At 1,000,000 cases the console's list of a queue (the cases joined with"
        " their city, type, district, department and assignee) was planned in 3.3 ms and run in 0.6 ms. Five"
        " indexes that each began another one were dropped (migration `cases/0013_fewer_case_indexes`: city,"
        " department and assignee alone, (city, status), and Django's `LIKE` index of `tracking_token`, which"
        " is only ever looked up whole): the same list is planned in 1.9 ms, a query of the cases alone in"
        " 0.2 ms instead of 0.3, and a new case writes 27 indexes instead of 32. A new index of the cases"
        " should say what it serves that no other does; the plan tests (`tests/pages/test_list_plans.py`)"
        " check that every list still reads from an index.",
        "",
        "## The console's pages",
        "",
        "Planning, not running, was the larger part of a console list's query: the cases joined with five"
        " tables took PostgreSQL 2.3–3 ms to plan at 1,000,000 cases (the join order searched over 27"
        " indexes of the cases), with three tables 0.6 ms, alone 0.1 ms; each ran in about 0.5 ms. A list"
        " page and a case page now join the type, department and district only; the city is the staff"
        " member's own, already read, and the assignees are the city's staff, whom the page lists anyway to"
        " assign cases to (anyone else, a case shared by another city, is read once for the page:"
        " `cases.selectors.case_rows_completed`). Each row formats its dates once per page, not twice per"
        " row. The region's overview counted every open case of the five cities (about 100,000) on each"
        " visit, 31–61 ms: its open cases and the month's new ones now come from the monthly tallies the"
        " reports keep, and only the overdue cases, which depend on the moment, are counted, to the cap,"
        " per city (`reports/region.py`). Every answer carries `Server-Timing: app;dur=…`, the"
        " application's own time; the table of pages alone above shows it beside the client's.",
        "",
        "Every console page also read its city's short lists on each visit: the filter's types and"
        " districts, the departments and staff it offers for assignment, whether the city works other"
        " cities' cases, which types are confidential. Five or six queries, for rows that change a few times"
        " a year. They are now kept in each process under the city's `reference_version`"
        " (`tenants/reference.py`), a column of the city's row, which the page reads anyway for the"
        " signed-in user: a type, department, district, agreement or staff member saved or deleted moves"
        " it when the change commits, and every process reads the lists again on its next page"
        " (`tests/console/test_kept_lists.py`). Measured in-process at 1,000,000 cases: a queue 12 queries"
        " → 6 and about 22 → 18 ms, a case page about 24 → 18 ms. The same keeps the browse page's"
        " districts and problems (two queries fewer when its short-lived copy has expired) and the types"
        " an Open311 report names (no read of the shared cache per report; a type's questions move the"
        " version too).",
        "",
        "The case page then still made 11 queries and rendered its hand-off form through Django's widget"
        " templates. Now: the case's hand-offs are read once (the one waiting for a decision is among"
        " them); its city's closing notes (canned responses) and the member cities it may be handed to are"
        " kept like the lists above (a note or a city saved moves the version); the Open311 submission"
        " is read only for a case an application sent; the hand-off form's fields and the case list's"
        " search, date and hidden inputs are written directly, in the markup Django's templates wrote;"
        " each action's URL is reversed once. Measured in-process at 1,000,000 cases, CPU time: a case"
        " page 11 queries → 8 and 14.6 → 10.8 ms; a queue about 15 ms, unchanged within the noise. Of"
        " the busy morning's in-process web CPU before this change (9.1 ms a request, 400 requests"
        " drawn from its mix), queues took 37%, case pages 25%, Open311 reports 22%.",
        "",
        "Then the web workers were sampled with py-spy under the busy morning's load (only the samples"
        " holding the interpreter's lock, on 50,000 cases), and each kind of request run alone by 30"
        " clients for its CPU per request. The morning's clients had sent the residents' pages with a staff"
        " session (the load generator kept one cookie jar per client), so none was ever served from the"
        " public pages' kept copies; a resident's requests now carry an anonymous visitor's cookies. Then:"
        " the session and the signed-in user with their city and department are read by plain statements"
        " (`core/sessions.py`, `accounts/backends.py`; Django building those two queries was about 2 ms of"
        " every staff request); each queue count's query is compiled once, and the five tabs are counted"
        " in one statement; a list of more than 1,000 cases keeps its count for half a minute"
        " (`core/paging.py` `EXACT_UP_TO`: counting thousands of index entries on every visit was two thirds"
        " of PostgreSQL's work for a queue page; a shorter list is counted every time); whether a case was"
        " handed off or has duplicates is asked by one plain statement before either is read; the markup"
        " every page repeats (stylesheets, scripts, the console's menu, the offline queue's messages) is"
        " rendered once per process and language (`{% kept %}`, `core/templatetags/kept.py`). Each kind"
        " alone at 30 clients, CPU per request, after these: a console queue 16.3 ms in the web workers"
        " and 5.7 in PostgreSQL → 11.6 and 3.3; a console case page 11.5 → 7.7 and 2.5 → 2.0; an internal"
        " note 7.0 → 5.6 (web). Then: a staff member's queue queries (all but Overdue, which is as of now)"
        " are compiled once and kept under the city's version; a public page rendered by one web worker is"
        " also put in the shared database cache, so the other workers serve it for one query instead of"
        " rendering their own copy (each worker had kept its own: with five workers and five cities, the"
        " residents' pages were rendered nearly as often as read), and the cache's expired rows are deleted"
        " once a minute; the case list reverses one URL per page and formats each date once per process"
        " and language; whether the city has streets for a map, and invented ones, is one plain statement.",
        "",
        "## How to read and reproduce",
        "",
        "`make bench` (N = 1,000,000) or `.venv/bin/python bench/run.py --quick` (N = 100,000);"
        " `--n`, `--import-rows`, `--repeat` change the sizes. The script starts and deletes its own"
        " PostgreSQL cluster. docs/reports.md explains the roll-ups the reports read. `--only load` runs the"
        " load test alone (on 100,000 cases; `--load-clients`, `--load-requests` change its size);"
        " docs/operations.md says what it proves. `--only load --load-label load_test_before` on the code"
        " before a change keeps its figures beside the current ones (the before-and-after table; a full run"
        " keeps them too). `--only open_data` times the open-data export alone"
        " (on 100,000 cases unless `--n`), `--only regional` the regional comparison alone (the same;"
        " `--regional-label regional_comparison_before` on the code before a change keeps its figures for"
        " the before-and-after table), `--only reports` the reports alone (the same; `--reports-label"
        " reports_before` on the code before a change, `reports_after` after it; `--reports-against COMMIT` times"
        " the operational report by that commit's code in turn with today's on the same cases), `--only nightly` the"
        " nightly stored values of the two measures read from the cases' logs and of median days to close (the same)."
        " `.venv/bin/python bench/pages.py` measures every page's queries,"
        " time and plans on its own seeded cluster (200,000 cases unless `--n`; see its docstring).",
        "",
    ]
    path.write_text("\n".join(lines))
