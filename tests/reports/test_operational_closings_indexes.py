"""The operational report's exact percentiles read each row's cell from an index of the closed
cases on SQLite as on PostgreSQL: by city, type, department or district, then whole days to
close, then closing time (reports migrations 0005 and 0006), sorted only as far as the rank.

On SQLite the whole days are worked out in the index from the times' text with SQLite's own
functions (``operational.SQLITE_TOOK``), which must give Python's ``closed_at - opened_at`` to
the microsecond: a case a microsecond short of a day is in day 0, as the roll-ups count it,
where SQLite's julianday() (milliseconds) would put it in day 1.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from collections.abc import Callable, Iterable
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.notifications.outbox import suppressed
from civicdesk.reports import rollups
from civicdesk.reports.operational import MEDIAN, P90, SQLITE_TOOK, SQLITE_WHOLE_DAYS, operational_report
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
FROM, TO = dt.date(2024, 4, 1), dt.date(2024, 4, 14)
NOW = dt.datetime(2024, 4, 15, 9, 0, tzinfo=CENTRAL)
H, D, US = dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(microseconds=1)
DAY_US = 86_400_000_000
CLOSINGS = {f"cases_closings_by_{key}" for key in ("city", "type", "department", "district")}


def textbook(values: Iterable[Fraction], p: Fraction) -> float:
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower))


def close_cases(
    city: City, boss: User, service_type: ServiceType, times: list[tuple[dt.datetime, dt.timedelta]]
) -> list[ServiceRequest]:
    """Cases of ``service_type`` closed at each moment after each time."""
    made = []
    for closed, took in times:
        lat, lng = INSIDE[city.slug]
        with clock.frozen_at(closed - took), suppressed():
            case = services.case_create(service_type=service_type, opened_at=closed - took, lat=lat, lng=lng)
        with clock.frozen_at(closed), suppressed():
            services.case_close(case=case, actor=boss, note="Done.")
        made.append(case)
    return made


def test_the_four_closings_indexes_exist_on_either_database(cities: dict[str, City]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'cases_servicerequest'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases_servicerequest'")
        names = {name for (name,) in cursor.fetchall()}
    assert names >= CLOSINGS


def test_on_sqlite_each_cell_is_read_from_its_closings_index_alone(
    cities: dict[str, City],
    make_department: Callable[..., Department],
    make_service_type: Callable[..., ServiceType],
    make_staff: Callable[..., User],
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan (PostgreSQL's: the same indexes, test_operational_exact.py's times)")
    city = cities["independence"]
    boss = make_staff(city, Role.SUPERVISOR)
    works = make_department(city, "Public Works")
    pothole = make_service_type(city, "pothole", name="Pothole", department=works, target_days=3)
    triage = make_service_type(city, "other", name="Something else", department=None, target_days=3)
    start = dt.datetime(2024, 4, 2, 9, 0, tzinfo=CENTRAL)
    took = [3 * H, 20 * H, D + 2 * H, 2 * D + 20 * H, 2 * D + 21 * H, 9 * D]
    cases = close_cases(city, boss, pothole, [(start + n * D, t) for n, t in enumerate(took)])
    cases += close_cases(city, boss, triage, [(start + n * D, t) for n, t in enumerate(took[1::2])])
    # Some of no district: written as a bulk writer would, the roll-ups rebuilt.
    ServiceRequest.objects.filter(pk__in=[c.pk for c in cases[::2]]).update(district=None)
    rollups.rebuild()
    cases = list(ServiceRequest.objects.filter(pk__in=[c.pk for c in cases]))
    assert {c.department_id for c in cases} == {works.pk, None}
    assert {c.district_id is None for c in cases} == {True, False}

    with CaptureQueriesContext(connection) as queries:
        report = operational_report(city=city, date_from=FROM, date_to=TO, now=NOW)
    cells = [q["sql"] for q in queries.captured_queries if "group_concat(took)" in q["sql"]]
    # The whole report, its three tables and the previous period (no closings: no query).
    assert len(cells) == 4
    read: set[str] = set()
    with connection.cursor() as cursor:
        for sql in cells:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            steps = [row[-1] for row in cursor.fetchall() if "cases_servicerequest" in row[-1]]
            assert steps
            for step in steps:
                found = re.fullmatch(r"SEARCH cases_servicerequest USING COVERING INDEX (\w+) \((.*)\)", step)
                assert found, step
                assert "<expr>=?" in found.group(2), step  # the whole days: one day's cases of the row
                read.add(found.group(1))
    assert read == CLOSINGS
    closings = ServiceRequest.objects.filter(closed_at__isnull=False).values_list("opened_at", "closed_at")
    took_days = [Fraction((closed - opened) // US, DAY_US) for opened, closed in closings if closed]
    assert len(took_days) == len(cases)
    assert report.overall.median_days == textbook(took_days, MEDIAN)
    assert report.overall.p90_days == textbook(took_days, P90)
    assert report.overall.median_days not in (0.0, 1.0, 2.0)


def test_on_sqlite_the_indexed_time_to_close_is_pythons_to_the_microsecond(
    cities: dict[str, City], make_service_type: Callable[..., ServiceType], make_staff: Callable[..., User]
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's expression of the time to close")
    city = cities["independence"]
    boss = make_staff(city, Role.SUPERVISOR)
    drains = make_service_type(city, "drain", name="Storm Drain", target_days=5)
    utc = dt.UTC
    moments = [
        # (opened, closed), UTC: a microsecond short of a day, from a time with microseconds to
        # one without (julianday() rounds both to the millisecond: a whole day); a day exactly;
        # closed before it was opened; over a leap day and a year; microseconds on both sides.
        (dt.datetime(2024, 4, 2, 14, 0, 0, 400, utc), dt.datetime(2024, 4, 3, 14, 0, 0, 399, utc)),
        (dt.datetime(2024, 4, 3, 14, 0, 0, 400, utc), dt.datetime(2024, 4, 4, 14, 0, 0, 0, utc)),
        (dt.datetime(2024, 4, 4, 15, 0, 0, 0, utc), dt.datetime(2024, 4, 5, 15, 0, 0, 0, utc)),
        (dt.datetime(2024, 4, 6, 18, 0, 0, 1, utc), dt.datetime(2024, 4, 6, 15, 0, 0, 0, utc)),
        (dt.datetime(2023, 2, 28, 23, 59, 59, 999_999, utc), dt.datetime(2024, 4, 7, 16, 0, 0, 1, utc)),
        (dt.datetime(2024, 4, 6, 16, 30, 15, 250_000, utc), dt.datetime(2024, 4, 8, 16, 30, 15, 249_999, utc)),
    ]
    cases = close_cases(city, boss, drains, [(c, D) for _o, c in moments])
    # Written as a bulk writer would, the roll-ups rebuilt.
    for case, (opened, closed) in zip(cases, moments, strict=True):
        ServiceRequest.objects.filter(pk=case.pk).update(opened_at=opened, closed_at=closed)
    rollups.rebuild()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {SQLITE_TOOK}, {SQLITE_WHOLE_DAYS} FROM cases_servicerequest WHERE city_id = %s",  # noqa: S608
            [city.pk],
        )
        in_sql = {pk: (took, days) for pk, took, days in cursor.fetchall()}
    want = {}
    for case, (opened, closed) in zip(cases, moments, strict=True):
        took = (closed - opened) // US
        want[case.pk] = (took, max(took // DAY_US, 0))
    assert in_sql == want
    assert [in_sql[case.pk][1] for case in cases] == [0, 0, 1, 0, 403, 1]

    report = operational_report(city=city, date_from=FROM, date_to=TO, now=NOW)
    days = [Fraction(max(took, 0), DAY_US) for took, _days in want.values()]
    assert report.overall.closed == len(moments)
    assert report.overall.median_days == textbook(days, MEDIAN)
    assert report.overall.p90_days == textbook(days, P90)
