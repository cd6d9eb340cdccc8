"""The reports benchmark: the Service Request Report, each operational figure and their pages,
for 3 weeks and a year, for the collaborative and one city, against the same aggregate as
plain SQL on the cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bench.common import CENTRAL, sql, timed


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


# The cases and the indexes the time-to-close tables read (reports migration 0005, and with
# --reports-against the older code's index of the cases closed within two days).
SIZED = (
    "cases_servicerequest",
    "cases_closings_by_city",
    "cases_closings_by_type",
    "cases_closings_by_department",
    "cases_closings_by_district",
    "cases_quick_closings",
)


def relation_sizes() -> dict[str, Any]:
    """The cases (all and closed) and the bytes of each relation of ``SIZED`` that exists, by
    ``pg_relation_size`` (the main fork: the table without its indexes or TOAST, an index alone)."""
    (cases, closed), *_ = sql("SELECT count(*), count(closed_at) FROM cases_servicerequest")
    found = dict(sql("SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)", [list(SIZED)]))
    return {"cases": cases, "closed": closed, "bytes": {name: found[name] for name in SIZED if name in found}}


def _scopes_and_ranges(
    catalogue: dict[str, Any], today: dt.date
) -> list[tuple[str, Any, list[Any], str, dt.date, dt.date]]:
    """What the reports are timed over: the collaborative and its biggest city, each over 3 weeks
    and a year to ``today``."""
    everyone = [e["city"] for e in catalogue.values()]
    biggest = max(everyone, key=lambda c: c.population or 0)
    ranges = {
        "3 weeks": (today - dt.timedelta(days=20), today),
        "1 year": (today - dt.timedelta(days=364), today),
    }
    return [
        (scope_name, city, cities, range_name, date_from, date_to)
        for scope_name, city, cities in (("all cities", None, everyone), (biggest.name, biggest, [biggest]))
        for range_name, (date_from, date_to) in ranges.items()
    ]


def bench_reports(catalogue: dict[str, Any], today: dt.date, repeat: int) -> list[dict[str, Any]]:
    """Every figure, for the collaborative and the biggest city, over 3 weeks and a year."""
    results: list[dict[str, Any]] = []
    for scope_name, city, cities, range_name, date_from, date_to in _scopes_and_ranges(catalogue, today):
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
        return lambda: [sql(q, params) for q in PLAIN_SQL[name]]  # type: ignore[func-returns-value]

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


def _module_at(commit: str, path: str, name: str) -> Any:
    """The module ``path`` as it was at ``commit``, loaded beside today's under ``name``."""
    import importlib.util
    import subprocess
    import sys

    from bench.common import REPO

    source = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, f"{commit}:{path}", "exec"), module.__dict__)  # noqa: S102 - the project's own code
    return module


def bench_reports_against(catalogue: dict[str, Any], today: dt.date, repeat: int, commit: str) -> list[dict[str, Any]]:
    """The operational report and its time-to-close tables by today's code and by the code of
    ``commit`` (its reports/operational.py and reports/rollups.py, loaded beside today's),
    one after the other in turn on the same cases: the same run, the same load. Each figure is
    the median of ``repeat`` runs of each, after one of each to warm up."""
    import statistics
    import time

    from civicdesk.reports import operational as today_op

    then_rollups = _module_at(commit, "civicdesk/reports/rollups.py", "bench_then_rollups")
    then_op = _module_at(commit, "civicdesk/reports/operational.py", "bench_then_operational")
    then_op.summed, then_op.month_end = then_rollups.summed, then_rollups.month_end
    results: list[dict[str, Any]] = []
    for scope_name, city, cities, range_name, date_from, date_to in _scopes_and_ranges(catalogue, today):

        def figures(op: Any, a: dt.date = date_from, b: dt.date = date_to, c: Any = city, cs: Any = cities) -> dict:
            return {
                "time_to_close_by_type": lambda: op._by_type(cs, a, b),
                "time_to_close_by_department": lambda: op._by_place(
                    cs, "department", op.Department, "none", date_from=a, date_to=b
                ),
                "time_to_close_by_district": lambda: op._by_place(
                    cs, "district", op.District, "none", date_from=a, date_to=b
                ),
                "operational_report (every figure, and the previous period)": lambda: op.operational_report(
                    city=c, date_from=a, date_to=b
                ),
            }

        ours, theirs = figures(today_op), figures(then_op)
        for name in ours:
            runs: dict[str, list[float]] = {"then": [], "now": []}
            for turn in range(repeat + 1):
                for label, fn in (("then", theirs[name]), ("now", ours[name])):
                    started = time.perf_counter()
                    fn()
                    if turn:
                        runs[label].append((time.perf_counter() - started) * 1000)
            then_ms = round(statistics.median(runs["then"]), 1)
            now_ms = round(statistics.median(runs["now"]), 1)
            results.append(
                {"figure": name, "scope": scope_name, "range": range_name, "then_ms": then_ms, "ms": now_ms,
                 "ratio": round(now_ms / then_ms, 3) if then_ms else None}
            )  # fmt: skip
    return results
