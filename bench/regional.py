"""The regional comparison benchmark: /performance/compare/ on N synthetic cases, against the
same figures written as plain SQL on the cases.

``bench_regional(catalogue, now, repeat)`` is the step ``make bench`` runs after the reports
(bench/run.py; ``--only regional`` runs it alone on 100,000 cases and keeps the other figures
of bench/results.json). It agrees five common measures over the five cities, each mapped
onto every service type of the catalogue: requests per 1,000 residents
(``requests_opened``), median days to close (``potholes_median_days_to_close``), % closed
within target (``closed_within_target``), and the two read from each case's log (below). For
the last complete calendar quarter (the page's
default) and the current one it times, each the median of ``repeat`` runs after a warm-up:

- **worked out**: ``regional.regional_comparison(region, period)``, every city's figure from
  its cases: what the first visitor waited for before the figures were kept, and what the
  task worker now does every few minutes (``services.regional_figures_refresh``);
- **page, figures kept**: the page as a visitor gets it once the worker has kept the figures
  (``GET /performance/compare/?period=…``, the page cache off: standings, median, words,
  charts and template on each visit);
- **plain SQL**: the first three figures of every city as plain SQL (``count``,
  ``percentile_cont``, ``count(*) FILTER``) on the cases: the least those figures need.

Ratio = ours / plain SQL (below 1 is faster). The plain SQL is of the first three measures only.

The cases are COPY'd without a log, so the step writes one (``write_case_logs``, a few
statements of SQL): each case's report, and by a staff member an internal note on some (it
counts for neither measure of the log), a move to "in progress" or a public note on others,
hours to days after the report, and its closing. Two more common measures read it:
% inspected within 5 days (``code_enforcement_inspected``) and % of calls held over to the
next business day (``animal_calls_held_over``), each mapped onto every type like the others.

Then the task worker's refresh itself (``services.regional_figures_refresh``: the current and
previous quarters and months, every city and measure), each the median of ``repeat`` rounds
after a warm-up round, each round 20 minutes of the refresh's clock after the last:

- **every figure**: the kept figures deleted first, so every one is worked out from the
  cases, as the refresh did on every run before it learnt to skip;
- **nothing changed**: the next refresh, five minutes later with no case changed (a figure
  whose open case fell due in those minutes is worked out again: time changed it);
- **one city changed**: one open case of one city closed through the services (its log
  says so), and the refresh five minutes after that.

Baseline: the plain SQL above for the four periods the refresh keeps; ratio = refresh / it.

The machine's load average (1, 5 and 15 minutes) when the step begins and ends, and the commit
of the code measured, are kept beside the figures: on a shared machine a time means little
without them. ``--only regional --regional-label regional_comparison_before`` on the code
before a change keeps its figures beside the current ones (the before-and-after table).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Any

from bench.common import CENTRAL, sql, timed

MEASURES = [
    # key, computation, unit, direction, per resident
    ("requests-per-1000-residents", "requests_opened", "count", "", True),
    ("median-days-to-close", "potholes_median_days_to_close", "days", "lower", False),
    ("closed-within-target", "closed_within_target", "percent", "higher", False),
    # Read each case's log (written by ``write_case_logs``).
    ("inspected-within-5-days", "code_enforcement_inspected", "percent", "higher", False),
    ("calls-held-over", "animal_calls_held_over", "percent", "lower", False),
]

# Each case's log, written after the cases are COPY'd: what the two measures of the log read.
# ``pick`` spreads the cases without a random generator (the same cases each run); every event
# comes before ``now`` and, but for the closing, before the case's closing.
CASE_LOGS = [
    # The report, by the resident.
    "INSERT INTO cases_caseevent (case_id, at, actor_id, actor_label, kind, is_public, text, changes)"
    " SELECT id, opened_at, NULL, 'Resident', 'created', true, '', '{}' FROM cases_servicerequest",
    # An internal note an hour on, on 3 cases in 10: counts for neither measure.
    "INSERT INTO cases_caseevent (case_id, at, actor_id, actor_label, kind, is_public, text, changes)"
    " SELECT id, opened_at + interval '1 hour', %(staff)s, '', 'internal_note', false, 'Called the owner.', '{}'"
    " FROM cases_servicerequest WHERE (id::bigint * 7919) %% 10 < 3"
    " AND opened_at + interval '1 hour' < least(coalesce(closed_at, %(now)s), %(now)s)",
    # "In progress" on 6 cases in 10, from minutes to 10 days after the report.
    "INSERT INTO cases_caseevent (case_id, at, actor_id, actor_label, kind, is_public, text, changes)"
    " SELECT id, at, %(staff)s, '', 'status_changed', true, '', '{\"status\": [\"new\", \"in_progress\"]}'"
    " FROM (SELECT id, closed_at, opened_at + ((id::bigint * 40503) %% 14400) * interval '1 minute' AS at"
    " FROM cases_servicerequest WHERE (id::bigint * 7919) %% 10 >= 4) AS worked"
    " WHERE at < least(coalesce(closed_at, %(now)s), %(now)s)",
    # A public note on 2 cases in 10, within two days.
    "INSERT INTO cases_caseevent (case_id, at, actor_id, actor_label, kind, is_public, text, changes)"
    " SELECT id, at, %(staff)s, '', 'public_note', true, 'We are on it.', '{}'"
    " FROM (SELECT id, closed_at, opened_at + ((id::bigint * 31) %% 2880) * interval '1 minute' AS at"
    " FROM cases_servicerequest WHERE (id::bigint * 7919) %% 10 < 2) AS noted"
    " WHERE at < least(coalesce(closed_at, %(now)s), %(now)s)",
    # The closing, by staff.
    "INSERT INTO cases_caseevent (case_id, at, actor_id, actor_label, kind, is_public, text, changes)"
    " SELECT id, closed_at, %(staff)s, '', 'closed', true, 'Done.',"
    ' \'{"status": ["new", "closed"], "resolution": [null, "resolved"]}\''
    " FROM cases_servicerequest WHERE status = 'closed' AND closed_at IS NOT NULL",
]

PLAIN_SQL = [
    # Requests reported in the period, per city (the rate is arithmetic on it).
    "SELECT c.city_id, count(*) FROM cases_servicerequest c JOIN catalog_servicetype t ON t.id = c.service_type_id"
    " WHERE c.city_id = ANY(%(cities)s) AND t.code = ANY(%(codes)s) AND c.opened_at >= %(start)s"
    " AND c.opened_at < %(end)s GROUP BY 1",
    # Median time to close of the cases closed in the period, duplicates left out.
    "SELECT c.city_id, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.closed_at - c.opened_at))"
    " FROM cases_servicerequest c JOIN catalog_servicetype t ON t.id = c.service_type_id"
    " WHERE c.city_id = ANY(%(cities)s) AND t.code = ANY(%(codes)s) AND c.status = 'closed'"
    " AND c.resolution <> 'duplicate' AND c.closed_at >= %(start)s AND c.closed_at < %(end)s GROUP BY 1",
    # Share closed by the due date of the cases opened in the period with one (open and not yet due: not counted).
    "SELECT c.city_id, count(*) FILTER (WHERE c.status = 'closed' AND c.closed_at <= c.due_at),"
    " count(*) FILTER (WHERE c.status = 'closed' OR c.due_at < %(now)s)"
    " FROM cases_servicerequest c JOIN catalog_servicetype t ON t.id = c.service_type_id"
    " WHERE c.city_id = ANY(%(cities)s) AND t.code = ANY(%(codes)s) AND c.due_at IS NOT NULL"
    " AND NOT (c.status = 'closed' AND c.resolution = 'duplicate')"
    " AND c.opened_at >= %(start)s AND c.opened_at < %(end)s GROUP BY 1",
]


def define_measures(catalogue: dict[str, Any]) -> Any:
    """The three common measures, each city mapping every type of the catalogue; the region."""
    from civicdesk.performance import services

    region = next(iter(catalogue.values()))["city"].region
    for order, (key, computation, unit, direction, per_resident) in enumerate(MEASURES):
        common = services.common_measure_define(
            region=region,
            key=key,
            name=key.replace("-", " ").capitalize(),
            definition="As every city agreed it.",
            computation=computation,
            unit=unit,
            direction=direction,
            decimals=1,
            per_resident=per_resident,
            minimum_cases=10,
            order=order,
        )
        for entry in catalogue.values():
            services.common_measure_map(common_measure=common, city=entry["city"], service_codes=list(entry["types"]))
    return region


def write_case_logs(catalogue: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Each case's log (``CASE_LOGS``), by one staff member of the first city; how many
    events it wrote and how long it took."""
    import time

    from civicdesk.accounts.models import Role, User

    city = next(iter(catalogue.values()))["city"]
    staff = User.objects.create_user(
        username="bench-regional-inspector", password="bench-" + "x" * 20, city=city, role=Role.SUPERVISOR
    )
    started = time.perf_counter()
    for query in CASE_LOGS:
        sql(query, {"staff": staff.pk, "now": now} if "%(" in query else None)
    sql("ANALYZE cases_caseevent")
    return {
        "events": sql("SELECT count(*) FROM cases_caseevent")[0][0],
        "seconds": round(time.perf_counter() - started, 1),
    }


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _commit() -> str:
    """The commit of the code measured (short), "+ changes" when its tree has uncommitted ones."""
    repo = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "civicdesk"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + (" + changes" if dirty else "")


def bench_regional(catalogue: dict[str, Any], now: dt.datetime, repeat: int) -> dict[str, Any]:
    """Each period's times and ratios (see the module)."""
    from django.conf import settings
    from django.test import Client

    from civicdesk.core import pagecache
    from civicdesk.performance import regional
    from civicdesk.performance import services as performance
    from civicdesk.performance.models import RegionalFigure

    logs = write_case_logs(catalogue, now)
    load_at_start = _load_average()
    region = define_measures(catalogue)
    cities = [e["city"].pk for e in catalogue.values()]
    codes = sorted({code for e in catalogue.values() for code in e["types"]})
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # every visit renders the page; only the figures are kept
    settings.REGIONAL_FIGURES_SECONDS = 900
    pagecache.clear()
    current = regional.latest_complete_quarter(now).next()
    client = Client()
    rows = []
    for name, period in (("last complete quarter", current.previous()), ("current quarter", current)):
        start = dt.datetime.combine(period.first_day, dt.time(0), tzinfo=CENTRAL)
        end = dt.datetime.combine(period.last_day + dt.timedelta(days=1), dt.time(0), tzinfo=CENTRAL)
        params = {"cities": cities, "codes": codes, "start": start, "end": end, "now": now}

        def baseline(params: dict[str, Any] = params) -> None:
            for query in PLAIN_SQL:
                sql(query, params)

        def worked(period: regional.CalendarPeriod = period) -> None:
            regional.regional_comparison(region, period, now=now)

        plain = timed(baseline, repeat)
        worked_out = timed(worked, repeat)
        RegionalFigure.objects.all().delete()
        performance.regional_figures_refresh()  # as the task worker does, on the clock the page reads
        url = f"/performance/compare/?period={period.key}"

        def page(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        kept = timed(page, repeat)
        assert RegionalFigure.objects.filter(period=period.key).exists(), period.key
        rows.append(
            {
                "period": f"{name} ({period.key})",
                "cases": sql(
                    "SELECT count(*) FROM cases_servicerequest WHERE opened_at >= %(start)s AND opened_at < %(end)s",
                    params,
                )[0][0],
                "plain_sql_ms": plain,
                "worked_out_ms": worked_out,
                "page_kept_ms": kept,
                "ratio_worked_out": round(worked_out / plain, 3) if plain else None,
                "ratio_page_kept": round(kept / plain, 3) if plain else None,
            }
        )
    refresh = bench_refresh(catalogue, cities, codes, now, repeat)
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code": _commit(),
        "repeat": repeat,
        "load_average_at_start": load_at_start,
        "load_average_at_end": _load_average(),
        "measures": [key for key, *_rest in MEASURES],
        "case_log": logs,
        "periods": rows,
        "refresh": refresh,
    }


def _bounds(period: Any) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(period.first_day, dt.time(0), tzinfo=CENTRAL)
    end = dt.datetime.combine(period.last_day + dt.timedelta(days=1), dt.time(0), tzinfo=CENTRAL)
    return start, end


def bench_refresh(
    catalogue: dict[str, Any], cities: list[int], codes: list[str], now: dt.datetime, repeat: int
) -> dict[str, Any]:
    """The task worker's refresh: every figure, nothing changed, one city changed (see the module)."""
    import statistics
    import time

    from civicdesk.accounts.models import Role, User
    from civicdesk.cases import services as cases
    from civicdesk.cases.models import OPEN_STATUSES, ServiceRequest
    from civicdesk.core import clock
    from civicdesk.notifications import outbox
    from civicdesk.performance import regional
    from civicdesk.performance import services as performance
    from civicdesk.performance.models import RegionalFigure

    ahead = regional.periods_kept_ahead(now)
    every_period = [
        {"cities": cities, "codes": codes, "start": start, "end": end, "now": now}
        for start, end in (_bounds(period) for period in ahead)
    ]

    def baseline() -> None:
        for params in every_period:
            for query in PLAIN_SQL:
                sql(query, params)

    plain = timed(baseline, repeat)
    city = next(iter(catalogue.values()))["city"]
    staff = User.objects.create_user(
        username="bench-regional-supervisor", password="bench-" + "x" * 20, city=city, role=Role.SUPERVISOR
    )
    to_close = list(
        ServiceRequest.objects.filter(city=city, status__in=OPEN_STATUSES, opened_at__gte=_bounds(ahead[0])[0])
        .order_by("pk")
        .values_list("pk", flat=True)[: repeat + 1]
    )
    times: dict[str, list[float]] = {"every": [], "nothing": [], "one": []}
    worked: dict[str, int] = {}

    def refresh(kind: str, moment: dt.datetime) -> None:
        started = time.perf_counter()
        worked[kind] = performance.regional_figures_refresh(now=moment)
        times[kind].append((time.perf_counter() - started) * 1000)

    for round_ in range(repeat + 1):  # the first a warm-up
        base = now + dt.timedelta(minutes=20 * round_)
        RegionalFigure.objects.all().delete()
        refresh("every", base)
        refresh("nothing", base + dt.timedelta(minutes=5))
        case = ServiceRequest.objects.get(pk=to_close[round_])
        with clock.frozen_at(base + dt.timedelta(minutes=7)), outbox.suppressed():
            cases.case_close(case=case, actor=staff, note="Filled.")
        refresh("one", base + dt.timedelta(minutes=10))
        if round_ == 0:
            for kind in times:
                times[kind].clear()
    every, nothing, one = (round(statistics.median(times[kind]), 1) for kind in ("every", "nothing", "one"))
    return {
        "periods": [p.key for p in ahead],
        "figures": worked["every"],
        "plain_sql_ms": plain,
        "every_figure_ms": every,
        "nothing_changed_ms": nothing,
        "nothing_changed_worked_out": worked["nothing"],
        "one_city_changed_ms": one,
        "one_city_changed_worked_out": worked["one"],
        "ratio_every_figure": round(every / plain, 3) if plain else None,
        "ratio_nothing_changed": round(nothing / plain, 3) if plain else None,
        "ratio_one_city_changed": round(one / plain, 3) if plain else None,
        "nothing_changed_to_every_figure": round(nothing / every, 4) if every else None,
        "one_city_changed_to_every_figure": round(one / every, 4) if every else None,
    }
