"""Operational reports on hand-made cases, every figure checked against a plain-Python
computation over the cases themselves (not over the roll-ups the report reads).

The period is 2024-03-01 .. 2024-03-14 on Independence's clock (Central: UTC-6 until the
10th, UTC-5 from daylight saving on); the previous period is 2024-02-16 .. 2024-02-29.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pytest
from django.db import connection

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import OPEN_STATUSES, Channel, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.notifications.outbox import suppressed
from civicdesk.reports.operational import (
    AGE_BUCKETS,
    MEDIAN,
    P90,
    default_period,
    operational_report,
    overdue_cases,
    percentile,
    previous_period,
)
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
FROM, TO = dt.date(2024, 3, 1), dt.date(2024, 3, 14)
NOW = dt.datetime(2024, 3, 14, 12, 0, tzinfo=CENTRAL)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CENTRAL)


# --- the independent computation ------------------------------------------------------------


def pct(values: list[Fraction], p: Fraction) -> float | None:
    """percentile_cont as a textbook writes it, in exact arithmetic."""
    if not values:
        return None
    values = sorted(values)
    pos = p * (len(values) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(values[lo] + (values[hi] - values[lo]) * (pos - lo))


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CENTRAL).date()


def whole_days(case: ServiceRequest) -> int:
    assert case.closed_at is not None
    return int((case.closed_at - case.opened_at).total_seconds() // 86400)


def exact_days(case: ServiceRequest) -> Fraction:
    """The case's own time to close, in days, to the microsecond."""
    assert case.closed_at is not None
    return Fraction((case.closed_at - case.opened_at) // dt.timedelta(microseconds=1), 86_400_000_000)


@dataclass
class Expected:
    opened: int
    closed: int
    median: float | None
    p90: float | None
    on_time: int
    with_target: int


def expected(cases: list[ServiceRequest], date_from: dt.date, date_to: dt.date) -> Expected:
    opened = [c for c in cases if date_from <= local_date(c.opened_at) <= date_to]
    closed = [c for c in cases if c.closed_at and date_from <= local_date(c.closed_at) <= date_to]
    targeted = [c for c in closed if c.due_at is not None]
    return Expected(
        opened=len(opened),
        closed=len(closed),
        median=pct([exact_days(c) for c in closed], MEDIAN),
        p90=pct([exact_days(c) for c in closed], P90),
        on_time=sum(1 for c in targeted if c.closed_at and c.closed_at <= c.due_at),  # type: ignore[operator]
        with_target=len(targeted),
    )


def grouped(cases: list[ServiceRequest], label: Callable[[ServiceRequest], str]) -> dict[str, Expected]:
    groups: dict[str, list[ServiceRequest]] = defaultdict(list)
    for c in cases:
        groups[label(c)].append(c)
    return {name: expected(members, FROM, TO) for name, members in groups.items()}


# --- the cases ------------------------------------------------------------------------------


@pytest.fixture
def world(
    cities: dict[str, City],
    make_department: Callable[..., Department],
    make_service_type: Callable[..., ServiceType],
    make_staff: Callable[..., User],
) -> dict[str, Any]:
    city = cities["independence"]
    streets, parks = make_department(city, "Streets"), make_department(city, "Parks")
    types = {
        "pothole": make_service_type(city, "pothole", name="Pothole", department=streets, target_days=3),
        "tree": make_service_type(city, "tree", name="Tree Down", department=parks, target_days=10),
        "question": make_service_type(city, "question", name="Question", department=None, target_days=None),
    }
    boss = make_staff(city, Role.SUPERVISOR)

    def case(kind: str, opened: dt.datetime, closed: dt.datetime | None = None, **kw: Any) -> ServiceRequest:
        place: dict[str, Any]
        if kw.pop("no_point", False):
            place = {"city": city, "address": "12 Elm St"}
        else:
            place = dict(zip(("lat", "lng"), INSIDE["independence"], strict=True))
        with clock.frozen_at(opened), suppressed():
            made = services.case_create(service_type=types[kind], opened_at=opened, **place, **kw)
        if closed is not None:
            with clock.frozen_at(closed), suppressed():
                services.case_close(case=made, actor=boss, note="Done.")
        return made

    start = local(2024, 3, 1, 8, 0)
    # Closed in the period after 0, 1, 2, 5 and 10 whole days (target 3 days: three on time).
    for days, channel in (
        (0, Channel.PHONE),
        (1, Channel.PHONE),
        (2, Channel.WEB),
        (5, Channel.WEB),
        (10, Channel.EMAIL),
    ):
        case("pothole", start, start + dt.timedelta(days=days, hours=1), channel=channel)
    case("tree", local(2024, 3, 2, 9, 0), local(2024, 3, 3, 10, 0))
    case("tree", local(2024, 3, 2, 9, 0), local(2024, 3, 5, 11, 0))
    case("question", local(2024, 3, 3, 9, 0), local(2024, 3, 7, 9, 30), no_point=True)
    # The edges: closed at 23:30 on the last day (05:30Z the next day) is in; 00:10 after it, out.
    case("tree", local(2024, 3, 12, 9, 0), local(2024, 3, 14, 23, 30))
    case("tree", local(2024, 3, 12, 9, 0), local(2024, 3, 15, 0, 10))
    # Opened at 00:00 local on the first day: in; at 23:59 the day before: in the previous period.
    case("pothole", local(2024, 3, 1, 0, 0))
    case("pothole", local(2024, 2, 29, 23, 59), local(2024, 3, 1, 0, 30))
    # The previous period.
    case("pothole", local(2024, 2, 17, 9, 0), local(2024, 2, 18, 9, 30), channel=Channel.EMAIL)
    case("tree", local(2024, 2, 20, 9, 0), local(2024, 2, 27, 9, 30))
    # Still open, of every age on March 14th.
    for opened in (
        local(2024, 3, 14, 0, 5),  # 0 days
        local(2024, 3, 7, 23, 0),  # 7
        local(2024, 3, 6, 12, 0),  # 8
        local(2024, 2, 13, 12, 0),  # 30
        local(2024, 2, 12, 12, 0),  # 31
        local(2023, 12, 15, 12, 0),  # 90
        local(2023, 12, 14, 12, 0),  # 91
    ):
        case("pothole", opened)
    cases = list(ServiceRequest.objects.filter(city=city).select_related("department", "district", "service_type"))
    return {"city": city, "types": types, "cases": cases, "boss": boss}


# --- the tests ------------------------------------------------------------------------------


def test_time_to_close_and_on_time_share_overall_equal_a_count_over_the_cases(world: dict[str, Any]) -> None:
    report = operational_report(city=world["city"], date_from=FROM, date_to=TO, now=NOW)
    want = expected(world["cases"], FROM, TO)
    got = report.overall
    assert (got.opened, got.closed, got.median_days, got.p90_days) == (want.opened, want.closed, want.median, want.p90)
    assert (got.closed_on_time, got.closed_with_target) == (want.on_time, want.with_target)
    # By hand: closed after 0, 0, 1, 1, 2, 2, 3, 4, 5, 10 whole days (the roll-ups' histogram);
    # the median lies half-way between the two cases of 2 days, 2 d 1 h and 2 d 14 h 30 min:
    # 2 d 7 h 45 min, not 2 days; the 90th percentile at rank 8.1, a tenth of the way from
    # 5 d 1 h to 9 d 24 h (the clocks went forward on March 10th): 5 d 12 h 54 min, not 5.5.
    assert sorted(whole_days(c) for c in world["cases"] if c.closed_at and FROM <= local_date(c.closed_at) <= TO) == [
        0, 0, 1, 1, 2, 2, 3, 4, 5, 10,
    ]  # fmt: skip
    assert got.median_days == float(2 + Fraction(7 * 60 + 45, 24 * 60))
    assert got.p90_days == float(5 + Fraction(12 * 60 + 54, 24 * 60))


@pytest.mark.parametrize("table", ["by_type", "by_department", "by_district"])
def test_each_time_to_close_table_equals_a_count_over_the_cases(world: dict[str, Any], table: str) -> None:
    report = operational_report(city=world["city"], date_from=FROM, date_to=TO, now=NOW)
    label: Callable[[ServiceRequest], str] = {
        "by_type": lambda c: c.service_type.name,
        "by_department": lambda c: c.department.name if c.department else "No department assigned",
        "by_district": lambda c: c.district.name if c.district else "No district assigned",
    }[table]
    want = {k: v for k, v in grouped(world["cases"], label).items() if v.opened or v.closed}
    rows = getattr(report, table)
    got = {
        r.label: Expected(r.opened, r.closed, r.median_days, r.p90_days, r.closed_on_time, r.closed_with_target)
        for r in rows
    }
    assert got == want
    # The on-time share: Pothole met its 3-day target 4 times out of 6 (after 0, 1, 2 days and 30 minutes).
    if table == "by_type":
        pothole = next(r for r in rows if r.label == "Pothole")
        assert (pothole.closed_on_time, pothole.closed_with_target, pothole.on_time_percent) == (4, 6, 66.7)


def test_intake_by_channel_counts_the_openings_and_adds_up_to_100_percent(world: dict[str, Any]) -> None:
    report = operational_report(city=world["city"], date_from=FROM, date_to=TO, now=NOW)
    want: dict[str, int] = defaultdict(int)
    for c in world["cases"]:
        if FROM <= local_date(c.opened_at) <= TO:
            want[c.get_channel_display()] += 1
    assert {row.label: row.count for row in report.channels} == want
    assert sum(row.tenths for row in report.channels) == 1000


def test_trends_by_week_and_month_count_openings_and_closings_on_local_days(world: dict[str, Any]) -> None:
    report = operational_report(city=world["city"], date_from=FROM, date_to=TO, now=NOW)
    for points in (report.weekly, report.monthly):
        assert points[0].start == FROM and points[-1].end == TO
        for p in points:
            want = expected(world["cases"], p.start, p.end)
            assert (p.opened, p.closed) == (want.opened, want.closed)
    # Weeks run Monday to Sunday: March 1st 2024 was a Friday.
    assert [(p.start, p.end) for p in report.weekly] == [
        (dt.date(2024, 3, 1), dt.date(2024, 3, 3)),
        (dt.date(2024, 3, 4), dt.date(2024, 3, 10)),
        (dt.date(2024, 3, 11), dt.date(2024, 3, 14)),
    ]
    # The first and last weeks hold only some of their days, and say so; so does March.
    assert [p.partial for p in report.weekly] == [True, False, True]
    assert [p.partial for p in report.monthly] == [True]
    whole = operational_report(city=world["city"], date_from=dt.date(2024, 2, 1), date_to=dt.date(2024, 2, 29))
    assert [p.partial for p in whole.monthly] == [False]
    assert [p.partial for p in whole.weekly] == [True, False, False, False, True]


@pytest.mark.parametrize(
    ("today", "first_day"),
    [
        (dt.date(2026, 12, 5), dt.date(2026, 11, 9)),  # a Saturday: from the Monday three weeks before
        (dt.date(2026, 11, 30), dt.date(2026, 11, 9)),  # a Monday: its own week is the fourth
        (dt.date(2026, 12, 6), dt.date(2026, 11, 9)),  # a Sunday: four whole weeks
    ],
)
def test_the_default_period_starts_on_a_monday_so_no_week_is_a_stub(today: dt.date, first_day: dt.date) -> None:
    date_from, date_to = default_period(today)
    assert (date_from, date_to) == (first_day, today)
    assert date_from.weekday() == 0 and 22 <= (date_to - date_from).days + 1 <= 28


def test_the_previous_period_has_the_same_length_and_its_delta_and_percent(world: dict[str, Any]) -> None:
    assert previous_period(FROM, TO) == (dt.date(2024, 2, 16), dt.date(2024, 2, 29))
    report = operational_report(city=world["city"], date_from=FROM, date_to=TO, now=NOW)
    now_, before = expected(world["cases"], FROM, TO), expected(world["cases"], *previous_period(FROM, TO))
    rows = {row.label: row for row in report.comparison}
    opened = rows["New requests"]
    assert (opened.current, opened.previous) == (now_.opened, before.opened)
    assert opened.delta == now_.opened - before.opened
    assert opened.percent == round(100 * (now_.opened - before.opened) / before.opened, 1)
    closed = rows["Closed requests"]
    assert (closed.current, closed.previous) == (now_.closed, before.closed) == (10, 2)
    assert closed.delta == 8 and closed.percent == 400.0
    median = rows["Median time to close"]
    assert (median.current, median.previous) == (now_.median, before.median)


def test_backlog_buckets_open_cases_by_their_age_in_local_days(world: dict[str, Any]) -> None:
    report = operational_report(city=world["city"], date_from=FROM, date_to=TO, now=NOW)
    today = NOW.date()
    want = [0] * len(AGE_BUCKETS)
    for c in world["cases"]:
        if c.status in OPEN_STATUSES:
            age = (today - local_date(c.opened_at)).days
            for i, (_label, first, last) in enumerate(AGE_BUCKETS):
                if age >= first and (last is None or age <= last):
                    want[i] += 1
    assert [b.count for b in report.backlog] == want
    # The open cases made for it: 0 and 7 days; 8 (and the 13-day-old one of March 1st), 30; 31 and 90; 91.
    assert want == [2, 3, 2, 1]


def test_overdue_lists_open_cases_past_due_the_longest_overdue_first(world: dict[str, Any]) -> None:
    listed = list(overdue_cases(city=world["city"], now=NOW))
    want = sorted(
        (c for c in world["cases"] if c.status in OPEN_STATUSES and c.due_at and c.due_at < NOW),
        key=lambda c: (c.due_at, c.pk),
    )
    assert [c.pk for c in listed] == [c.pk for c in want]
    assert listed and all(c.due_at and c.due_at < NOW for c in listed)


def test_percentiles_are_those_of_postgresql_percentile_cont() -> None:
    # Ranks between two values interpolate; exact arithmetic, on either database. Without the
    # cases' own times, each rank counts as its whole days.
    histogram = {0: 2, 1: 2, 2: 2, 3: 1, 4: 1, 5: 1, 10: 1}
    assert percentile(histogram, MEDIAN) == 2.0
    assert percentile(histogram, P90) == 5.5
    assert percentile({7: 1}, P90) == 7.0
    assert percentile({}, MEDIAN) is None
    assert percentile({1: 1, 2: 1}, P90) == 1.9
    # With them: the median's two ranks are both of 2 whole days (cells (2, 0) and (2, 1)).
    exact = {(2, 0): Fraction(9, 4), (2, 1): Fraction(11, 4), (5, 0): Fraction(21, 4), (10, 0): Fraction(41, 4)}
    assert percentile(histogram, MEDIAN, exact) == 2.5
    assert percentile(histogram, P90, exact) == float(Fraction(21, 4) + (Fraction(41, 4) - Fraction(21, 4)) / 10)


def test_percentiles_equal_the_databases_own_on_the_cases(world: dict[str, Any]) -> None:
    report = operational_report(city=world["city"], date_from=FROM, date_to=TO, now=NOW)
    closed = [c for c in world["cases"] if c.closed_at and FROM <= local_date(c.closed_at) <= TO]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - opened_at)),"
                " percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - opened_at))"
                " FROM cases_servicerequest WHERE id = ANY(%s)",
                [[c.pk for c in closed]],
            )
            median, p90 = (seconds / 86400 for seconds in cursor.fetchone())
    else:  # SQLite has no percentile function: the textbook formula stands in
        median, p90 = pct([exact_days(c) for c in closed], MEDIAN), pct([exact_days(c) for c in closed], P90)
    assert report.overall.median_days == pytest.approx(median, abs=1e-11)
    assert report.overall.p90_days == pytest.approx(p90, abs=1e-11)
    assert report.overall.median_days != pct([Fraction(whole_days(c)) for c in closed], MEDIAN)


def test_the_collaborative_report_covers_every_city(world: dict[str, Any], cities: dict[str, City]) -> None:
    raytown = cities["raytown"]
    trash = ServiceType.objects.create(city=raytown, code="trash", name="Pothole", target_days=3)
    with clock.frozen_at(local(2024, 3, 5, 9, 0)), suppressed():
        services.case_create(service_type=trash, lat=INSIDE["raytown"][0], lng=INSIDE["raytown"][1])
    one = operational_report(city=world["city"], date_from=FROM, date_to=TO, now=NOW)
    everyone = operational_report(city=None, date_from=FROM, date_to=TO, now=NOW)
    assert everyone.overall.opened == one.overall.opened + 1
    # Same problem name in two cities: one row, as in the Service Request Report.
    pothole = next(r for r in everyone.by_type if r.label == "Pothole")
    assert pothole.opened == next(r for r in one.by_type if r.label == "Pothole").opened + 1
