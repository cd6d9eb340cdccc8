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
