"""The regional comparison's figures are worked out by the database (``figure``: aggregates, a
median at its ranks, a case's first inspection or worked time as a subquery on its log),
never by reading a city's cases or their logs into Python, and give exactly what the
definitions' ``compute`` gives from the same cases: the same figure to the last digit, the
same cases behind it, the same moment time next changes it. Median days to close and %
closed within target: odd and even counts, ties, times a microsecond apart, duplicates,
reopened cases, cases with no target, business-day due dates and empty periods. % inspected
within N days and % of calls held over: every kind of event that counts or does not (by
staff or not, public or internal, in progress or not, each resolution), times exactly at
the limit and a microsecond past it, duplicates, cases still within their time, calls after
hours, on a Friday evening, a weekend or a holiday, a city's own calendar and a day the
clocks change. The nightly stored values (``performance_compute``) are the same figures, read
the same way, and store exactly what they stored when each was worked out from every case."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from types import ModuleType

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services as cases
from civicdesk.cases.models import CaseEvent, EventKind, Resolution, ServiceRequest, Status
from civicdesk.core import clock
from civicdesk.notifications import outbox
from civicdesk.performance import drilldown, periods, regional
from civicdesk.performance import services as performance
from civicdesk.performance.measures import (
    DEFINITIONS,
    animal_calls_held_over,
    closed_within_target,
    code_enforcement_inspected,
    potholes_median_days_to_close,
    requests_opened,
)
from civicdesk.performance.measures.base import Listing, Tally, marked, stretches, wall_clock_edges
from civicdesk.performance.models import DashboardSettings, Measure, MeasureValue, RegionalFigure, ValueState
from civicdesk.performance.periods import business_calendar_for
from civicdesk.tenants.models import City

from .conftest import CaseBook

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
US = dt.timedelta(microseconds=1)


def at(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=CHICAGO)


def measure_of(module: ModuleType, city: City, codes: list[str]) -> Measure:
    """An unsaved measure, as the regional comparison makes one for each city."""
    return Measure(
        city=city,
        name=module.TITLE,
        definition="As every city agreed it.",
        unit=module.UNIT,
        direction=module.DIRECTION,
        source="computed",
        computation=module.KEY,
        service_codes=codes,
        parameters={},
    )


def both_ways(module: ModuleType, measure: Measure, period_key: str, now: dt.datetime) -> tuple[Tally, Tally]:
    """(the database's ``figure``, the same worked out from every case by ``compute``)."""
    period = regional.parse_period(period_key).for_city(measure.city)
    computed = module.compute(measure=measure, period=period, now=now)
    every = getattr(module, "EVERY_CASE_COUNTS", False)
    expected = Tally(
        computed.value,
        len(computed.results) if every else computed.decided,
        regional.changes_at(computed, now),
    )
    return module.figure(measure=measure, period=period, now=now), expected


def assert_identical(found: Tally, expected: Tally) -> None:
    assert found == expected
    # Not only equal as numbers: the very same Decimal, digit for digit.
    assert str(found.value) == str(expected.value)


@pytest.fixture
def book(independence, make_staff) -> CaseBook:
    return CaseBook(independence, make_staff(independence, Role.SUPERVISOR))


def close_after(book: CaseBook, service_type, opened: dt.datetime, took: dt.timedelta, **kw) -> ServiceRequest:
    case = book.open(service_type, opened)
    return book.close(case, opened + took, **kw)


# --- median days to close -------------------------------------------------------------------


@pytest.fixture
def potholes(book, make_service_type, independence):
    """Independence's potholes (due in 3 calendar days), sidewalks (3 business days) and
    graffiti (no target), with closed cases of each in April 2024."""
    types = {
        "pothole": make_service_type(independence, "pothole", target_days=3),
        "sidewalk": make_service_type(independence, "sidewalk", target_days=3, target_in_business_days=True),
        "graffiti": make_service_type(independence, "graffiti", target_days=None),
    }
    return types


def test_the_median_of_an_odd_count_is_the_middle_case_read_by_the_database(book, potholes, independence):
    for hours in (30, 2, 50, 7, 12):
        close_after(book, potholes["pothole"], at("2024-04-02"), dt.timedelta(hours=hours, microseconds=hours))
    found, expected = both_ways(
        potholes_median_days_to_close, measure_of(potholes_median_days_to_close, independence, ["pothole"]),
        "2024-q2", at("2024-07-15"),
    )  # fmt: skip
    assert_identical(found, expected)
    assert found == Tally(Decimal(dt.timedelta(hours=12, microseconds=12).total_seconds()), 5, None)


def test_the_median_of_an_even_count_averages_the_two_middle_cases_to_the_last_digit(book, potholes, independence):
    # The two middle times a microsecond apart: their mean is half a microsecond, which no
    # database time holds, and the very Decimal Python's statistics.median makes of them.
    for took in (
        dt.timedelta(days=1),
        dt.timedelta(days=2, seconds=1, microseconds=1),
        dt.timedelta(days=2, seconds=1, microseconds=2),
        dt.timedelta(days=9, hours=3),
    ):
        close_after(book, potholes["pothole"], at("2024-05-06", 10), took)
    found, expected = both_ways(
        potholes_median_days_to_close, measure_of(potholes_median_days_to_close, independence, ["pothole"]),
        "2024-q2", at("2024-07-15"),
    )  # fmt: skip
    assert_identical(found, expected)
    assert found.cases == 4
    low, high = (Decimal(dt.timedelta(days=2, seconds=1, microseconds=us).total_seconds()) for us in (1, 2))
    assert found.value == (low + high) / 2
    # Not the half microsecond an interval average (percentile_cont) would round to.
    assert found.value != Decimal("172801.0000015")


def test_ties_at_the_median_and_every_kind_of_case_left_out_or_in(
    book, potholes, independence, raytown, make_staff, make_service_type
):
    pothole, sidewalk, graffiti = potholes["pothole"], potholes["sidewalk"], potholes["graffiti"]
    # Ties: three cases of exactly 4 hours, one each of three types, at the middle.
    for service_type in (pothole, sidewalk, graffiti):
        close_after(book, service_type, at("2024-04-10", 8), dt.timedelta(hours=4))
    # A Friday-evening sidewalk report (due at closing time on the Wednesday: business days),
    # closed on the Monday; a graffiti (no target: never met or missed) closed in 6 days.
    close_after(book, sidewalk, at("2024-04-12", 19), dt.timedelta(days=2, hours=14))
    close_after(book, graffiti, at("2024-04-15", 9), dt.timedelta(days=6))
    close_after(book, pothole, at("2024-04-20", 9), dt.timedelta(minutes=20))
    # Left out: a duplicate, one closed before the quarter, one still open, another city's.
    original = close_after(book, pothole, at("2024-05-01", 9), dt.timedelta(hours=1))
    close_after(book, pothole, at("2024-05-01", 9, 5), dt.timedelta(minutes=3), resolution=Resolution.DUPLICATE,
                duplicate_of=original)  # fmt: skip
    close_after(book, pothole, at("2024-03-20", 9), dt.timedelta(days=2))
    book.open(pothole, at("2024-05-02", 9))
    elsewhere = CaseBook(raytown, make_staff(raytown, Role.SUPERVISOR))
    close_after(elsewhere, make_service_type(raytown, "pothole"), at("2024-04-03"), dt.timedelta(days=40))
    # Reopened and closed again: its latest closing counts (in June, 50 days after the report).
    reopened = close_after(book, pothole, at("2024-04-25", 9), dt.timedelta(hours=2))
    with outbox.suppressed(), clock.frozen_at(at("2024-06-10")):
        reopened = cases.case_reopen(case=reopened, actor=book.staff, reason="Sank again.")
    book.close(reopened, at("2024-06-14", 9))
    every_type = measure_of(potholes_median_days_to_close, independence, ["pothole", "sidewalk", "graffiti"])
    # 20 minutes, the original's hour, the three ties, the Monday sidewalk, the graffiti's 6
    # days, the reopened one: an even count whose two middle cases are two of the ties.
    found, expected = both_ways(potholes_median_days_to_close, every_type, "2024-q2", at("2024-07-15"))
    assert_identical(found, expected)
    assert (found.value, found.cases) == (Decimal(4 * 3600), 8)
    # One more at the ties: an odd count, the middle one a tie too.
    close_after(book, graffiti, at("2024-05-20", 8), dt.timedelta(hours=4))
    found, expected = both_ways(potholes_median_days_to_close, every_type, "2024-q2", at("2024-07-15"))
    assert_identical(found, expected)
    assert (found.value, found.cases) == (Decimal(4 * 3600), 9)
    # A month, a type alone, another city: both ways too.
    for key, city, codes in (
        ("2024-m4", independence, ["pothole", "sidewalk", "graffiti"]),
        ("2024-m6", independence, ["pothole"]),
        ("2024-q2", independence, ["graffiti"]),
        ("2024-q2", raytown, ["pothole"]),
    ):
        measure = measure_of(potholes_median_days_to_close, city, codes)
        assert_identical(*both_ways(potholes_median_days_to_close, measure, key, at("2024-07-15")))


def test_a_period_with_no_closed_case_has_no_median_either_way(book, potholes, independence):
    book.open(potholes["pothole"], at("2024-04-02"))  # open: not in the median
    close_after(book, potholes["pothole"], at("2024-03-02"), dt.timedelta(days=1))  # closed in Q1
    measure = measure_of(potholes_median_days_to_close, independence, ["pothole"])
    for key in ("2024-q2", "2023-q4"):
        found, expected = both_ways(potholes_median_days_to_close, measure, key, at("2024-07-15"))
        assert_identical(found, expected)
        assert found == Tally(None, 0, None)


# --- % closed within target -----------------------------------------------------------------


@pytest.fixture
def due_dates(book, potholes, independence):
    """Cases opened in April 2024 with every kind of ending, as of April 29 at 9:00."""
    pothole, sidewalk, graffiti = potholes["pothole"], potholes["sidewalk"], potholes["graffiti"]
    # Closed exactly at its due date (met), and a microsecond after it (missed).
    exactly = book.open(pothole, at("2024-04-01", 10))
    book.close(exactly, exactly.due_at)
    late = book.open(pothole, at("2024-04-01", 11))
    book.close(late, late.due_at + US)
    close_after(book, pothole, at("2024-04-03", 9), dt.timedelta(days=1))  # met
    close_after(book, pothole, at("2024-04-03", 9), dt.timedelta(days=5))  # missed
    # Business days: a Friday-evening report is due at closing time three business days on.
    friday = book.open(sidewalk, at("2024-04-12", 19))
    assert friday.due_at.astimezone(CHICAGO).date() == dt.date(2024, 4, 17)
    book.close(friday, at("2024-04-17", 12))  # 5 calendar days, yet within 3 business days: met
    close_after(book, sidewalk, at("2024-04-12", 19), dt.timedelta(days=6))  # missed
    # No target: no due date, never counted.
    close_after(book, graffiti, at("2024-04-05", 9), dt.timedelta(days=30))
    book.open(graffiti, at("2024-04-05", 9))
    # Open past its due date (missed), open and not yet due (not counted; decided by time at
    # its due date, the sooner of two), a duplicate (left out).
    book.open(pothole, at("2024-04-10", 9))
    soon = book.open(pothole, at("2024-04-27", 15))
    book.open(pothole, at("2024-04-28", 9))
    original = book.open(pothole, at("2024-04-20", 9))
    copy = book.open(pothole, at("2024-04-20", 9, 10))
    with outbox.suppressed(), clock.frozen_at(at("2024-04-20", 10)):
        cases.case_close(case=copy, actor=book.staff, note="Same hole.", resolution=Resolution.DUPLICATE,
                         duplicate_of=original)  # fmt: skip
    # Reported in March: another period.
    close_after(book, pothole, at("2024-03-30", 9), dt.timedelta(days=9))
    return {"soon": soon, "original": original}


def test_closed_within_target_counted_by_the_database_is_what_every_case_gives(due_dates, independence):
    measure = measure_of(closed_within_target, independence, ["pothole", "sidewalk", "graffiti"])
    found, expected = both_ways(closed_within_target, measure, "2024-m4", at("2024-04-29", 9))
    assert_identical(found, expected)
    # Met: exactly at its due date, in a day, the Friday sidewalk. Missed: a microsecond late,
    # in 5 days, the other sidewalk, open past its due date, the original of the duplicate.
    assert (found.value, found.cases) == (Decimal(100) * 3 / 8, 8)
    assert found.changes_at == due_dates["soon"].due_at
    # The same on the quarter, at other moments: before the duplicate's original fell due, at
    # the very moment the soonest open case falls due (not decided yet), and after every one.
    for now in (at("2024-04-21"), due_dates["soon"].due_at, at("2024-06-01")):
        for key in ("2024-q2", "2024-m4", "2024-q1", "2024-m3"):
            assert_identical(*both_ways(closed_within_target, measure, key, now))


def test_closed_within_target_of_no_case_due_is_no_figure_either_way(book, potholes, independence):
    close_after(book, potholes["graffiti"], at("2024-04-05", 9), dt.timedelta(days=1))  # no due date
    measure = measure_of(closed_within_target, independence, ["pothole", "graffiti"])
    for key in ("2024-q2", "2023-q2"):
        found, expected = both_ways(closed_within_target, measure, key, at("2024-07-01"))
        assert_identical(found, expected)
        assert found == Tally(None, 0, None)
    book.open(potholes["pothole"], at("2024-06-30", 9))  # open, not yet due on July 1
    found, expected = both_ways(closed_within_target, measure, "2024-q2", at("2024-07-01"))
    assert_identical(found, expected)
    assert found.value is None and found.cases == 0 and found.changes_at is not None


# --- a case's log: its first inspection or worked time -------------------------------------


def logged(case: ServiceRequest, kind: str, when: dt.datetime, *, staff=None, changes=None) -> None:
    """One entry of the case's log as it would stand, for entries no service of ours writes
    so (by no staff account, a change the other way)."""
    CaseEvent.objects.create(
        case=case, at=when, actor=staff, actor_label="" if staff else "Resident", kind=kind, is_public=True,
        changes=changes or {},
    )  # fmt: skip


def without_a_log(case: ServiceRequest, opened: dt.datetime) -> ServiceRequest:
    """A copy of ``case`` opened at ``opened`` with no log at all, not even its report (as a
    case written straight to the table would be)."""
    copy = ServiceRequest.objects.get(pk=case.pk)
    copy.pk, copy.number, copy.tracking_token = None, case.number + 500, f"no-log-{case.pk}"
    copy.opened_at = copy.updated_at = opened
    copy.save(force_insert=True)
    assert not CaseEvent.objects.filter(case=copy).exists()
    return copy


@pytest.fixture
def inspections(book, make_service_type, independence, raytown, make_staff):
    """Independence's code enforcement cases opened in April 2024, each with another log."""
    zoning = make_service_type(independence, "zoning")
    weeds = make_service_type(independence, "weeds")
    day = dt.timedelta(days=1)
    hour = dt.timedelta(hours=1)
    # Inspected exactly 5 days on (met), and a microsecond after (missed).
    exactly = book.open(zoning, at("2024-04-01", 9))
    book.note(exactly, exactly.opened_at + 5 * day)
    late = book.open(zoning, at("2024-04-01", 10))
    book.note(late, late.opened_at + 5 * day + US)
    # An internal note an hour on does not count; "in progress" 6 days on is late (missed).
    internal = book.open(weeds, at("2024-04-02", 9))
    book.note(internal, internal.opened_at + hour, public=False)
    book.start(internal, internal.opened_at + 6 * day)
    # "In progress" in 2 days, closed as resolved in a day, as needing no action in 3 (met).
    started = book.open(zoning, at("2024-04-03", 9))
    book.start(started, started.opened_at + 2 * day)
    book.close(book.open(weeds, at("2024-04-03", 10)), at("2024-04-04", 10))
    book.close(book.open(weeds, at("2024-04-03", 11)), at("2024-04-06", 11), resolution=Resolution.NO_ACTION)
    # Closed as referred in a day: done from a desk, never inspected (missed).
    book.close(book.open(zoning, at("2024-04-04", 9)), at("2024-04-05", 9), resolution=Resolution.REFERRED)
    # A resident's public note an hour on does not count; staff's 6 days on is late (missed).
    resident = book.open(zoning, at("2024-04-05", 9))
    logged(resident, EventKind.PUBLIC_NOTE, resident.opened_at + hour)
    book.note(resident, resident.opened_at + 6 * day)
    # Assigned, then moved from "in progress" back to "assigned": neither is "in progress" (missed).
    moved = book.open(zoning, at("2024-04-08", 9))
    logged(moved, EventKind.STATUS_CHANGED, moved.opened_at + hour, staff=book.staff,
           changes={"status": [Status.NEW, Status.ASSIGNED]})  # fmt: skip
    logged(moved, EventKind.STATUS_CHANGED, moved.opened_at + 2 * hour, staff=book.staff,
           changes={"status": [Status.IN_PROGRESS, Status.ASSIGNED]})  # fmt: skip
    # A closing as resolved by no staff account does not count (missed).
    unstaffed = book.open(weeds, at("2024-04-08", 10))
    logged(unstaffed, EventKind.CLOSED, unstaffed.opened_at + hour,
           changes={"status": [Status.NEW, Status.CLOSED], "resolution": [None, Resolution.RESOLVED]})  # fmt: skip
    # Duplicates are left out, inspected in time or not.
    for opened in (at("2024-04-09", 9), at("2024-04-09", 10)):
        copy = book.open(zoning, opened)
        book.note(copy, opened + hour)
        book.close(copy, opened + 2 * hour, resolution=Resolution.DUPLICATE, duplicate_of=started)
    book.close(book.open(zoning, at("2024-04-09", 11)), at("2024-04-09", 12), resolution=Resolution.DUPLICATE,
               duplicate_of=started)  # fmt: skip
    # Nothing but the report, and no log at all (missed once 5 days have passed).
    without_a_log(book.open(weeds, at("2024-04-10", 10)), at("2024-04-10", 11))
    # Resolved in a day, then reopened: its first inspection stands (met), open again.
    reopened = book.close(book.open(zoning, at("2024-04-11", 9)), at("2024-04-12", 9))
    with outbox.suppressed(), clock.frozen_at(at("2024-04-20")):
        cases.case_reopen(case=reopened, actor=book.staff, reason="Back again.")
    # Closed as referred 2 hours on, still within its 5 days on April 29: not decided, not open.
    book.close(book.open(zoning, at("2024-04-25", 9)), at("2024-04-25", 11), resolution=Resolution.REFERRED)
    # Still within their 5 days and open: the sooner decided by time on May 2 at 15:00.
    soon = book.open(weeds, at("2024-04-27", 15))
    book.open(zoning, at("2024-04-28", 9))
    # Another type, another city, another month.
    book.open(make_service_type(independence, "pothole"), at("2024-04-02", 9))
    elsewhere = CaseBook(raytown, make_staff(raytown, Role.SUPERVISOR))
    elsewhere.note(elsewhere.open(make_service_type(raytown, "zoning"), at("2024-04-02", 9)), at("2024-04-02", 10))
    book.note(book.open(zoning, at("2024-03-28", 9)), at("2024-03-29", 9))
    return {"soon": soon}


def test_inspected_within_days_counted_by_the_database_is_what_every_case_gives(inspections, independence):
    measure = measure_of(code_enforcement_inspected, independence, ["zoning", "weeds"])
    found, expected = both_ways(code_enforcement_inspected, measure, "2024-m4", at("2024-04-29", 9))
    assert_identical(found, expected)
    # Met: exactly at 5 days, in progress, resolved, no action, the reopened one. Missed: a
    # microsecond late, the internal note's, referred, the resident's note's, the moves, the
    # unstaffed closing, nothing but the report, no log.
    assert (found.value, found.cases) == (Decimal(100) * 5 / 13, 13)
    assert found.changes_at == inspections["soon"].opened_at + dt.timedelta(days=5)
    # At the very moment the soonest is decided by time (not yet: "more than 5 days"), a
    # microsecond after, and long after; each period; a limit of 2.5 days.
    soonest = found.changes_at
    for now in (at("2024-04-08", 9), soonest, soonest + US, at("2024-07-01")):
        for key in ("2024-m4", "2024-q2", "2024-m3", "2024-q1"):
            assert_identical(*both_ways(code_enforcement_inspected, measure, key, now))
    measure.parameters = {"days": "2.5"}
    for now in (at("2024-04-29", 9), at("2024-07-01")):
        found, expected = both_ways(code_enforcement_inspected, measure, "2024-q2", now)
        assert_identical(found, expected)
    # By July the three waiting in April are decided (missed); "no action" in 3 days is late now.
    assert (found.value, found.cases) == (Decimal(100) * 3 / 16, 16)


def test_inspected_within_days_of_no_case_is_no_figure_either_way(book, make_service_type, independence):
    zoning = make_service_type(independence, "zoning")
    measure = measure_of(code_enforcement_inspected, independence, ["zoning"])
    found, expected = both_ways(code_enforcement_inspected, measure, "2024-q2", at("2024-07-01"))
    assert_identical(found, expected)
    assert found == Tally(None, 0, None)
    waiting = book.open(zoning, at("2024-06-29", 9))
    found, expected = both_ways(code_enforcement_inspected, measure, "2024-q2", at("2024-07-01"))
    assert_identical(found, expected)
    assert found == Tally(None, 0, waiting.opened_at + dt.timedelta(days=5))


@pytest.fixture
def calls(book, make_service_type, independence):
    """Independence's animal calls of the second quarter of 2024, on its business days (8:00 to
    17:00, Monday to Friday, closed on the federal holidays)."""
    stray = make_service_type(independence, "stray")
    barking = make_service_type(independence, "barking")

    def call(when: dt.datetime, service_type=stray) -> ServiceRequest:
        return book.open(service_type, when)

    # Monday: worked a microsecond before closing (not held over), and at closing (held over).
    book.note(call(at("2024-04-01", 9)), at("2024-04-01", 17) - US)
    book.note(call(at("2024-04-01", 9, 5)), at("2024-04-01", 17))
    # After closing on a Thursday (at 17:00 itself, and at 21:06): Friday's, worked on Friday.
    book.start(call(at("2024-04-04", 17)), at("2024-04-05", 10))
    book.note(call(at("2024-04-04", 21, 6), barking), at("2024-04-05", 16))
    # Friday evening and Saturday: Monday's. Worked Monday (not held over), Tuesday (held over),
    # and at closing time on Monday (held over).
    book.start(call(at("2024-04-05", 19)), at("2024-04-08", 9))
    book.start(call(at("2024-04-05", 19, 30)), at("2024-04-09", 9))
    book.note(call(at("2024-04-06", 11)), at("2024-04-08", 17))
    # Before opening: that day's.
    book.note(call(at("2024-04-09", 7)), at("2024-04-09", 16))
    # An internal note does not work a call (held over); any closing by staff does, a
    # duplicate too (duplicates are calls like any other here); a closing or a public note by
    # no staff account does not (held over).
    book.note(call(at("2024-04-10", 9)), at("2024-04-10", 10), public=False)
    original = call(at("2024-04-10", 9, 30))
    book.close(call(at("2024-04-10", 9, 40)), at("2024-04-10", 11), resolution=Resolution.DUPLICATE,
               duplicate_of=original)  # fmt: skip
    logged(call(at("2024-04-10", 10)), EventKind.CLOSED, at("2024-04-10", 11),
           changes={"status": [Status.NEW, Status.CLOSED], "resolution": [None, Resolution.RESOLVED]})  # fmt: skip
    logged(call(at("2024-04-10", 10, 30)), EventKind.PUBLIC_NOTE, at("2024-04-10", 11))
    # Memorial Day weekend: Saturday's call is Tuesday's; one on the holiday worked that day
    # (before its business day began: not held over).
    book.start(call(at("2024-05-25", 10)), at("2024-05-28", 16, 30))
    book.note(call(at("2024-05-27", 9)), at("2024-05-27", 12))
    # Juneteenth (Wednesday): Tuesday evening's call is Thursday's.
    book.note(call(at("2024-06-18", 17, 30)), at("2024-06-19", 10))
    book.note(call(at("2024-06-18", 17, 45)), at("2024-06-20", 17) + US)
    # Friday June 28 at noon: this morning's call and last evening's (closed by no staff
    # account) wait for 17:00; this evening's for Monday July 1 at 17:00.
    call(at("2024-06-28", 8))
    logged(call(at("2024-06-27", 18)), EventKind.CLOSED, at("2024-06-28", 9),
           changes={"status": [Status.NEW, Status.CLOSED], "resolution": [None, Resolution.RESOLVED]})  # fmt: skip
    call(at("2024-06-28", 17, 30))
    # Nothing but the call, and no log at all (held over).
    without_a_log(call(at("2024-04-11", 10)), at("2024-04-11", 10, 30))
    # March's, and another type's.
    book.note(call(at("2024-03-29", 9)), at("2024-03-29", 10))
    call(at("2024-04-01", 9), make_service_type(independence, "pothole"))


def test_calls_held_over_counted_by_the_database_is_what_every_call_gives(calls, independence):
    measure = measure_of(animal_calls_held_over, independence, ["stray", "barking"])
    found, expected = both_ways(animal_calls_held_over, measure, "2024-q2", at("2024-06-28", 12))
    assert_identical(found, expected)
    # Held over: at closing, Tuesday's, Monday at closing, the internal note's, the duplicate's
    # original (never worked), the unstaffed closing's and note's, a microsecond after
    # Thursday's closing, nothing but the call, no log. Not: a microsecond before closing, the two
    # Thursday evenings, Friday's worked Monday, before opening, the duplicate, Memorial Day's
    # two, Juneteenth's first. The three of June 28 wait.
    assert (found.value, found.cases) == (Decimal(100) * 10 / 19, 19)
    assert found.changes_at == at("2024-06-28", 17)
    for now in (at("2024-06-28", 17) - US, at("2024-06-28", 17), at("2024-07-01", 17), at("2024-07-02")):
        for key in ("2024-q2", "2024-m4", "2024-m5", "2024-m6", "2024-q1"):
            assert_identical(*both_ways(animal_calls_held_over, measure, key, now))


def test_calls_held_over_on_a_citys_own_calendar_and_the_days_clocks_change(book, make_service_type, independence):
    """Closed the day after Thanksgiving too; working on Saturdays; the night the clocks go back
    (November 3, 2024) and the morning they go forward (March 10), with calendars closing in
    the hour the clocks change: the database's CASE of stretches gives each call the business
    day the calendar gives it."""
    stray = make_service_type(independence, "stray")
    for opened, worked in (
        (at("2024-11-27", 18), at("2024-12-02", 16)),  # Wednesday evening: Monday's (Saturday too, below)
        (at("2024-11-28", 10), at("2024-11-30", 10)),  # Thanksgiving: the Saturday's
        (at("2024-11-29", 10), at("2024-11-30", 17)),  # the day after, closed: Saturday's, at closing
        (at("2024-11-03", 1, 30), at("2024-11-04", 9)),  # in the hour that comes twice (a Sunday)
        (at("2024-11-02", 16, 59), at("2024-11-04", 9)),  # Saturday, before closing
        (at("2024-11-01", 17, 1), at("2024-11-02", 9)),  # Friday evening: Saturday's
        (at("2024-03-10", 2, 30), at("2024-03-11", 9)),  # the hour the clocks skip
        (at("2024-03-09", 23), at("2024-03-11", 17)),  # Saturday night: Monday's, at closing
    ):
        book.note(book.open(stray, opened), worked)
    book.open(stray, at("2024-12-30", 18))
    measure = measure_of(animal_calls_held_over, independence, ["stray"])
    both = ("2024-q4", "2024-m11", "2024-q1", "2024-m3")
    for weekdays, other_days, opens, closes in (
        ("12345", "", dt.time(8), dt.time(17)),
        ("123456", "2024-11-29", dt.time(8), dt.time(17)),
        # Closing at 1:30 in the morning: the night of November 3 it comes twice.
        ("1234567", "", dt.time(0, 30), dt.time(1, 30)),
        # Closing at 2:30: on March 10 it never comes.
        ("1234567", "", dt.time(1), dt.time(2, 30)),
    ):
        DashboardSettings.objects.update_or_create(city=independence, defaults={
            "business_weekdays": weekdays, "other_closed_days": other_days,
            "business_day_opens": opens, "business_day_closes": closes,
        })  # fmt: skip
        for key in both:
            for now in (at("2024-12-31", 12), at("2025-01-02")):
                found, expected = both_ways(animal_calls_held_over, measure, key, now)
                assert_identical(found, expected)
                assert found.cases > 0 and found.value is not None


def deadline_of(pieces: list[tuple[dt.datetime, dt.datetime]], moment: dt.datetime) -> dt.datetime:
    """What the database's ``CASE WHEN opened_at < until THEN closing …`` gives ``moment``."""
    return next(closing for until, closing in pieces if moment < until)


def moments_of(period: periods.Period, business, step: dt.timedelta) -> list[dt.datetime]:
    """Each ``step`` of the period, and a microsecond either side of every moment the city's
    clock reads closing time or midnight (both times, where it reads it twice) and of every
    moment the clocks change."""
    found = []
    moment = period.start.astimezone(dt.UTC)  # steps of real time, not of the wall clock
    while moment < period.end:
        found.append(moment)
        moment += step
    for edge in wall_clock_edges(business.tz, period.start, period.end, (business.closes,)):
        found += [edge - US, edge, edge + US]
    return [m for m in found if period.start <= m < period.end]


def test_a_calls_deadline_is_the_closing_time_of_its_business_day_at_every_moment(independence):
    """``deadlines`` stands in for ``closing_time(business_day_of(t))`` of every moment of a
    period: each minute of the last quarter of 2024 and a microsecond either side of every
    closing time, midnight and change of the clocks, on the default calendar, on one working
    Saturdays with other days closed, and on calendars closing at 1:30 (the night of November 3
    reads it twice: a call at the second 1:15 belongs to the day before one at the first 1:45)
    and at 2:30 (on March 10 it never comes)."""
    for key, weekdays, other_days, opens, closes in (
        ("2024-q4", "12345", "", dt.time(8), dt.time(17)),
        ("2024-q4", "123456", "2024-11-29\n2024-12-24", dt.time(8), dt.time(17)),
        ("2024-q4", "1234567", "", dt.time(0, 30), dt.time(1, 30)),
        ("2024-q1", "1234567", "", dt.time(1), dt.time(2, 30)),
    ):
        DashboardSettings.objects.update_or_create(city=independence, defaults={
            "business_weekdays": weekdays, "other_closed_days": other_days,
            "business_day_opens": opens, "business_day_closes": closes,
        })  # fmt: skip
        business = business_calendar_for(independence)
        period = regional.parse_period(key).for_city(independence)
        pieces = animal_calls_held_over.deadlines(business, period)
        for moment in moments_of(period, business, dt.timedelta(minutes=1)):
            # Compared in UTC: Python never finds an hour read twice equal to a moment of another zone.
            expected = business.closing_time(business.business_day_of(moment)).astimezone(dt.UTC)
            assert deadline_of(pieces, moment) == expected, (closes, moment)
        if closes == dt.time(1, 30):
            # The second 1:15 of November 3 comes after the first 1:45, and is November 3's call
            # (due at its 1:30, read the first time: before it came in), the 1:45 November 4's.
            first = dt.datetime(2024, 11, 3, 1, 45, tzinfo=CHICAGO)
            second = dt.datetime(2024, 11, 3, 1, 15, tzinfo=CHICAGO, fold=1)
            assert first.astimezone(dt.UTC) < second.astimezone(dt.UTC)
            assert deadline_of(pieces, second) == business.closing_time(dt.date(2024, 11, 3)).astimezone(dt.UTC)
            assert deadline_of(pieces, first) == business.closing_time(dt.date(2024, 11, 4)).astimezone(dt.UTC)


def test_stretches_of_a_clock_that_goes_back_at_midnight_hold_their_date(independence):
    """Where the clocks go back at midnight (Santiago, the night of April 6, 2024: at midnight
    it is Saturday's 23:00 again) and skip it (September 8), a moment's date and side of closing
    time are its stretch's: each minute of the quarter and a microsecond either side of every
    edge, the business day and the due date in 3 business days alike."""
    independence.timezone = "America/Santiago"
    independence.save()
    DashboardSettings.objects.update_or_create(city=independence, defaults={
        "business_weekdays": "123456", "business_day_opens": dt.time(8), "business_day_closes": dt.time(23, 55),
    })  # fmt: skip
    business = business_calendar_for(independence)
    for key in ("2024-q2", "2024-q3"):
        period = regional.parse_period(key).for_city(independence)
        pieces = animal_calls_held_over.deadlines(business, period)
        edges = wall_clock_edges(business.tz, period.start, period.end)
        due = stretches(edges, period.end, lambda m: business.end_of_business_days(m, 3).astimezone(dt.UTC))
        for moment in moments_of(period, business, dt.timedelta(minutes=1)):
            closing = business.closing_time(business.business_day_of(moment))
            assert deadline_of(pieces, moment) == closing.astimezone(dt.UTC), moment
            assert deadline_of(due, moment) == business.end_of_business_days(moment, 3).astimezone(dt.UTC), moment
    # Closing at 23:55, read twice: a call at the first 23:58 is Monday's; one at the second
    # 23:50, after it, is Saturday's, due at the first 23:55 (before it came in).
    first = dt.datetime(2024, 4, 6, 23, 58, tzinfo=business.tz)
    second = dt.datetime(2024, 4, 6, 23, 50, tzinfo=business.tz, fold=1)
    assert first.astimezone(dt.UTC) < second.astimezone(dt.UTC)
    period = regional.parse_period("2024-q2").for_city(independence)
    pieces = animal_calls_held_over.deadlines(business, period)
    assert deadline_of(pieces, second) == business.closing_time(dt.date(2024, 4, 6)).astimezone(dt.UTC) < second
    assert deadline_of(pieces, first) == business.closing_time(dt.date(2024, 4, 8)).astimezone(dt.UTC)


# --- the regional comparison reads no case into Python --------------------------------------


def test_the_regional_refresh_works_out_every_figure_without_reading_a_case(
    due_dates, book, independence, monkeypatch, settings
):
    """Each of the five common measures the bench keeps (a count, a median, a share, and the
    two shares read from the cases' logs) is worked out by the database: no ``ServiceRequest``
    nor ``CaseEvent`` is built while the task worker's refresh works out every figure of the
    region, and it keeps exactly what it kept when it worked each figure out from every case
    (``compute``)."""
    settings.REGIONAL_FIGURES_SECONDS = 900
    codes = ["pothole", "sidewalk", "graffiti"]
    for order, (key, module, unit, direction) in enumerate(
        (
            ("requests", "requests_opened", "count", ""),
            ("median-days", potholes_median_days_to_close.KEY, "days", "lower"),
            ("within-target", closed_within_target.KEY, "percent", "higher"),
            ("inspected", code_enforcement_inspected.KEY, "percent", "higher"),
            ("held-over", animal_calls_held_over.KEY, "percent", "lower"),
        )
    ):
        common = performance.common_measure_define(
            region=independence.region, key=key, name=key, definition="As every city agreed it.",
            computation=module, unit=unit, direction=direction, decimals=1, minimum_cases=1, order=order,
        )  # fmt: skip
        performance.common_measure_map(common_measure=common, city=independence, service_codes=codes)
    book.note(due_dates["soon"], at("2024-04-27", 16))  # a call worked on its business day
    built: list[str] = []

    def counting(model):
        real = model.from_db

        def from_db(cls, db, field_names, values):
            built.append(model.__name__)
            return real(db, field_names, values)

        return classmethod(from_db)

    moment = at("2024-04-29", 9)
    monkeypatch.setattr(ServiceRequest, "from_db", counting(ServiceRequest))
    monkeypatch.setattr(CaseEvent, "from_db", counting(CaseEvent))
    assert performance.regional_figures_refresh(now=moment) == 20
    assert built == []
    monkeypatch.undo()
    in_the_database = kept()
    assert in_the_database[("median-days", "2024-q2")][:2] == (Decimal("419400.0000000000"), 8)  # 4.85 days
    assert in_the_database[("within-target", "2024-m4")][:2] == (Decimal("37.5000000000"), 8)
    assert all(in_the_database[(key, "2024-m4")][0] is not None for key in ("inspected", "held-over"))

    def from_every_case(common, city, period, codes, *, now=None):
        """The comparison's figure as it was worked out before: from every case, by ``compute``."""
        result = regional.compute_figure(common, city, period, codes, now=now)
        return Tally(result.value, regional.cases_counted(common, result), regional.changes_at(result, now)), result

    monkeypatch.setattr(regional, "figure_of_cases", from_every_case)
    RegionalFigure.objects.all().delete()
    assert performance.regional_figures_refresh(now=moment) == 20
    assert kept() == in_the_database


def kept() -> dict[tuple[str, str], tuple[object, int, object]]:
    return {
        (f.common_measure.key, f.period): (f.value, f.cases, f.changes_at)
        for f in RegionalFigure.objects.select_related("common_measure")
    }


# --- the nightly stored values: the same figures, read from the database --------------------


def cases_built(monkeypatch) -> list[str]:
    """The models of every ``ServiceRequest`` and ``CaseEvent`` built from a row from now on
    (until ``monkeypatch.undo()``)."""
    built: list[str] = []

    def counting(model):
        real = model.from_db

        def from_db(cls, db, field_names, values):
            built.append(model.__name__)
            return real(db, field_names, values)

        return classmethod(from_db)

    monkeypatch.setattr(ServiceRequest, "from_db", counting(ServiceRequest))
    monkeypatch.setattr(CaseEvent, "from_db", counting(CaseEvent))
    return built


def computed_measures(make_measure, module: ModuleType, codes: list[str], **kw) -> list[Measure]:
    """The city's computed measure of ``module`` over ``codes``, one monthly and one quarterly."""
    return [
        make_measure(
            name=f"{module.TITLE} {kw.get('parameters') or ''} ({frequency})",
            source="computed",
            computation=module.KEY,
            service_codes=codes,
            unit=module.UNIT,
            direction=module.DIRECTION,
            frequency=frequency,
            **kw,
        )
        for frequency in ("monthly", "quarterly")
    ]


def nightly_both_ways(city: City, since: dt.date, now: dt.datetime, monkeypatch) -> dict[tuple[str, int, int], tuple]:
    """The nightly run (``performance_compute``) at ``now``: it builds no case nor event, and
    stores for every computed measure and period exactly what it stored when it worked each out
    from every case (``compute``: the figure to four decimals, the count of decided cases).
    Returns the stored values by (measure, fiscal year, period)."""
    built = cases_built(monkeypatch)
    stored = performance.performance_compute(cities=[city], since=since, now=now)
    monkeypatch.undo()
    assert built == []
    calendar = periods.calendar_for(city)
    found = {}
    for value in MeasureValue.objects.filter(measure__city=city, computed_at=now).select_related("measure__city"):
        measure = value.measure
        period = periods.Period(calendar, value.fiscal_year, measure.frequency, value.period)
        result = DEFINITIONS[measure.computation].compute(measure=measure, period=period, now=now)
        expected = None if result.value is None else result.value.quantize(Decimal("0.0001"))
        assert (value.value, value.case_count) == (expected, result.decided), (measure.name, period.key, now)
        assert str(value.value) == str(expected)
        assert value.state == ValueState.PUBLISHED
        found[(measure.name, value.fiscal_year, value.period)] = (value.value, value.case_count)
    assert len(found) == stored > 0
    return found


def test_the_nightly_stored_share_inspected_is_what_every_case_gives(inspections, independence, make_measure,
                                                                     monkeypatch):  # fmt: skip
    """At the limit and a microsecond past it, internal notes, residents' notes, referrals,
    duplicates, a case with no log at all, a reopened case, cases still within their days."""
    monthly, quarterly = computed_measures(make_measure, code_enforcement_inspected, ["zoning", "weeds"])
    shorter = computed_measures(
        make_measure, code_enforcement_inspected, ["zoning", "weeds"], parameters={"days": "2.5"}
    )
    found = nightly_both_ways(independence, dt.date(2024, 3, 1), at("2024-04-29", 9), monkeypatch)
    # April 2024 is Independence's fiscal month 10 of FY2024 and in its fourth quarter: 5 of 13
    # met, as the regional comparison's "2024-m4" (above).
    assert found[(monthly.name, 2024, 10)] == (Decimal("38.4615"), 13)
    assert found[(quarterly.name, 2024, 4)] == (Decimal("38.4615"), 13)
    # Within 2.5 days: "in progress" in 2, resolved in 1, the reopened one; the referral of
    # April 25 is decided by then too.
    assert found[(shorter[1].name, 2024, 4)] == (Decimal("21.4286"), 14)
    # At the very moment the soonest waiting case is decided by time (not yet: "more than 5
    # days"), a microsecond after, and in July, when every case of April is decided.
    soonest = inspections["soon"].opened_at + dt.timedelta(days=5)
    for now in (soonest, soonest + US, at("2024-07-01")):
        found = nightly_both_ways(independence, dt.date(2024, 3, 1), now, monkeypatch)
    assert found[(quarterly.name, 2024, 4)] == (Decimal("31.2500"), 16)
    assert found[(shorter[1].name, 2024, 4)] == (Decimal("18.7500"), 16)
    # Each change of figure is a line of the value's audit trail, as before: the referral
    # decided by April 30, the soonest a microsecond past its 5 days, the last two by July.
    april = MeasureValue.objects.get(measure=monthly, fiscal_year=2024, period=10)
    assert [e.changes["value"] for e in april.events.order_by("pk")] == [
        [None, "38.4615"], ["38.4615", "35.7143"], ["35.7143", "33.3333"], ["33.3333", "31.2500"],
    ]  # fmt: skip


def test_the_nightly_stored_share_of_calls_held_over_is_what_every_call_gives(calls, independence, make_measure,
                                                                              monkeypatch):  # fmt: skip
    """A microsecond before closing and at closing, after hours, a Friday evening, a weekend,
    Memorial Day and Juneteenth, internal notes, closings and notes by no staff account, a
    duplicate, no log at all, calls whose business day has not ended."""
    monthly, quarterly = computed_measures(make_measure, animal_calls_held_over, ["stray", "barking"])
    found = nightly_both_ways(independence, dt.date(2024, 3, 1), at("2024-06-28", 12), monkeypatch)
    assert found[(quarterly.name, 2024, 4)] == (Decimal("52.6316"), 19)  # 10 of 19 held over
    for now in (at("2024-06-28", 17) - US, at("2024-06-28", 17), at("2024-07-01", 17), at("2024-07-02")):
        found = nightly_both_ways(independence, dt.date(2024, 3, 1), now, monkeypatch)
    # Every call decided by July 2: the three of June 28 held over too.
    assert found[(quarterly.name, 2024, 4)] == (Decimal("59.0909"), 22)
    # June: Juneteenth's first call worked in time; its second and June 28's three held over.
    assert found[(monthly.name, 2024, 12)] == (Decimal("80.0000"), 5)


def test_the_nightly_stored_calls_held_over_on_a_citys_own_calendar_and_the_days_clocks_change(
    book, make_service_type, independence, make_measure, monkeypatch
):
    """Thanksgiving and the day after closed, Saturdays worked, and closing times in the hour
    the clocks change (November 3 and March 10, 2024): the fiscal quarters and months holding
    those nights give each call the business day the calendar gives it, as ``compute`` does."""
    stray = make_service_type(independence, "stray")
    for opened, worked in (
        (at("2024-11-27", 18), at("2024-12-02", 16)),
        (at("2024-11-28", 10), at("2024-11-30", 10)),
        (at("2024-11-29", 10), at("2024-11-30", 17)),
        (at("2024-11-03", 1, 30), at("2024-11-04", 9)),
        (at("2024-11-02", 16, 59), at("2024-11-04", 9)),
        (at("2024-11-01", 17, 1), at("2024-11-02", 9)),
        (at("2024-03-10", 2, 30), at("2024-03-11", 9)),
        (at("2024-03-09", 23), at("2024-03-11", 17)),
    ):
        book.note(book.open(stray, opened), worked)
    book.open(stray, at("2024-12-30", 18))
    _, quarterly = computed_measures(make_measure, animal_calls_held_over, ["stray"])
    calendar = periods.calendar_for(independence)
    november, march = (periods.period_of(calendar, day, "quarterly") for day in (dt.date(2024, 11, 3),
                                                                              dt.date(2024, 3, 10)))  # fmt: skip
    for weekdays, other_days, opens, closes in (
        ("12345", "", dt.time(8), dt.time(17)),
        ("123456", "2024-11-29", dt.time(8), dt.time(17)),
        ("1234567", "", dt.time(0, 30), dt.time(1, 30)),
        ("1234567", "", dt.time(1), dt.time(2, 30)),
    ):
        DashboardSettings.objects.update_or_create(city=independence, defaults={
            "business_weekdays": weekdays, "other_closed_days": other_days,
            "business_day_opens": opens, "business_day_closes": closes,
        })  # fmt: skip
        for now in (at("2024-12-31", 12), at("2025-01-02")):
            found = nightly_both_ways(independence, dt.date(2024, 1, 1), now, monkeypatch)
            assert found[(quarterly.name, november.fiscal_year, november.index)][1] >= 6
            assert found[(quarterly.name, march.fiscal_year, march.index)][1] == 2  # both worked


def test_the_nightly_stored_share_closed_within_target_and_count_of_requests_are_what_every_case_gives(
    due_dates, independence, make_measure, monkeypatch
):
    codes = ["pothole", "sidewalk", "graffiti"]
    monthly, _ = computed_measures(make_measure, closed_within_target, codes)
    reported, _ = computed_measures(make_measure, requests_opened, codes)
    for now in (at("2024-04-21"), due_dates["soon"].due_at, at("2024-04-29", 9), at("2024-06-01")):
        found = nightly_both_ways(independence, dt.date(2024, 3, 1), now, monkeypatch)
        if now == at("2024-04-29", 9):
            assert found[(monthly.name, 2024, 10)] == (Decimal("37.5000"), 8)  # 3 of 8, as above
    # April's requests, duplicates and cases with no due date included: every one counts.
    assert found[(reported.name, 2024, 10)] == (Decimal(13), 13)


def test_the_nightly_stored_median_days_to_close_and_its_decided_cases_are_what_every_case_gives(
    book, potholes, make_service_type, independence, make_measure, monkeypatch
):
    """The median and how many of its cases are marked met or missed: against the measure's
    ``{"days": N}``, its own target for the year (FY2024 only: FY2025's periods fall back to
    the types'), or each type's target, where a type with no target days (none, or 0) decides
    nothing. Closings at the due date and a microsecond past it, a Friday-evening report of a
    business-day type before Memorial Day, reports the night the clocks change, a case with no
    log, a duplicate, a reopened case, cases still open, another period's."""
    pothole, sidewalk, graffiti = potholes["pothole"], potholes["sidewalk"], potholes["graffiti"]
    mural = make_service_type(independence, "mural", target_days=0)
    for service_type, opened in ((pothole, at("2024-04-02", 10)), (sidewalk, at("2024-05-24", 19))):
        for late in (dt.timedelta(0), US):
            case = book.open(service_type, opened)
            book.close(case, case.due_at + late)
    # Saturday night before the clocks went forward (March 10, 2024, 2 a.m.), and one at 1:30.
    for service_type, opened in ((sidewalk, at("2024-03-09", 23)), (pothole, at("2024-03-10", 1, 30))):
        case = book.open(service_type, opened)
        book.close(case, case.due_at)
    close_after(book, graffiti, at("2024-04-05", 9), dt.timedelta(days=30))
    close_after(book, mural, at("2024-06-03", 9), dt.timedelta(hours=5))
    original = close_after(book, pothole, at("2024-05-01", 9), dt.timedelta(days=4))
    close_after(book, pothole, at("2024-05-01", 9, 5), dt.timedelta(minutes=3), resolution=Resolution.DUPLICATE,
                duplicate_of=original)  # fmt: skip
    without_a_log(close_after(book, graffiti, at("2024-05-02", 9), dt.timedelta(days=1)), at("2024-05-01", 9))
    reopened = close_after(book, sidewalk, at("2024-03-28", 9), dt.timedelta(hours=2))
    with outbox.suppressed(), clock.frozen_at(at("2024-04-08")):
        reopened = cases.case_reopen(case=reopened, actor=book.staff, reason="Cracked again.")
    book.close(reopened, at("2024-04-12", 9))
    book.open(pothole, at("2024-06-20", 9))
    close_after(book, pothole, at("2024-07-01", 9), dt.timedelta(days=1))  # FY2025 Q1
    close_after(book, graffiti, at("2024-07-02", 9), dt.timedelta(days=2))
    codes = ["pothole", "sidewalk", "graffiti", "mural"]
    by_type, by_type_quarterly = computed_measures(make_measure, potholes_median_days_to_close, codes)
    fixed = computed_measures(make_measure, potholes_median_days_to_close, codes, parameters={"days": "2.5"})
    own = computed_measures(
        make_measure, potholes_median_days_to_close, codes, target=str(3 * 86400), fiscal_year=2024,
        parameters={"note": "own target"},
    )  # fmt: skip
    for now in (at("2024-06-28", 12), at("2024-07-15")):
        found = nightly_both_ways(independence, dt.date(2024, 1, 1), now, monkeypatch)
    # Q4 (April–June): the two potholes, the two sidewalks, the reopened one, the three
    # graffiti (30 days, and the one copied with no log and its copy), the mural and the
    # duplicate's original: 10 in the median.
    q4 = {name: found[(name, 2024, 4)] for name in (by_type_quarterly.name, fixed[1].name, own[1].name)}
    assert [decided for _, decided in q4.values()] == [6, 10, 10]  # by type: no graffiti, no mural
    assert len({value for value, _ in q4.values()}) == 1
    # FY2025 Q1 (July): a pothole in a day, a graffiti in two. The measure with a target of
    # its own has none for that year: the types' targets decide, and graffiti has none.
    assert found[(own[1].name, 2025, 1)] == found[(by_type_quarterly.name, 2025, 1)] == (Decimal("129600.0000"), 1)
    assert found[(fixed[1].name, 2025, 1)] == (Decimal("129600.0000"), 2)
    # March (Q3): the two closed the week the clocks changed, each at its due date.
    assert found[(by_type.name, 2024, 9)][1] == 2


# --- the drill-down's lists, marked by the database and read a page at a time -------------
# A definition's ``listing`` marks its cases by the same rules as its figure, as conditions on
# the cases and their logs, and lists exactly what ``compute`` lists from every case: the same
# cases in the same order, each with the same mark and the same line. A mark that hangs on the
# city's clock (a call's deadline, a due date in business days) is a CASE of moments, worked
# out by the calendar itself at the first moment of each stretch between the clock's edges.


def lines(results) -> list[tuple]:
    return [(r.case.pk, r.met, r.detail, r.decides_at) for r in results]


def listed_both_ways(module: ModuleType, measure: Measure, period_key: str, now: dt.datetime) -> Listing:
    """The definition's ``listing`` lists what ``compute`` lists, each case marked by the
    database as ``compute`` marks it, its line the same; returns the listing."""
    period = regional.parse_period(period_key).for_city(measure.city)
    computed = module.compute(measure=measure, period=period, now=now)
    listing = module.listing(measure=measure, period=period, now=now)
    assert listing is not None
    cases = list(listing.cases)
    results = [listing.result(case) for case in cases]
    assert lines(results) == lines(computed.results), (module.KEY, period_key, now)
    assert [marked(case) for case in cases] == [r.met for r in computed.results]
    assert (listing.met_label, listing.missed_label) == (computed.met_label, computed.missed_label)
    return listing


def test_requests_reported_listed_by_the_database(due_dates, independence):
    measure = measure_of(requests_opened, independence, ["pothole", "sidewalk", "graffiti"])
    for key in ("2024-m4", "2024-q2", "2024-q1"):
        listing = listed_both_ways(requests_opened, measure, key, at("2024-04-29", 9))
    assert listing.cases.count() == 1  # March's


def test_closed_within_target_listed_by_the_database(due_dates, independence):
    """Closed at its due date and a microsecond after it, business-day due dates, open past
    its due date, open and not yet due, no target, a duplicate."""
    measure = measure_of(closed_within_target, independence, ["pothole", "sidewalk", "graffiti"])
    for now in (at("2024-04-21"), due_dates["soon"].due_at, due_dates["soon"].due_at + US, at("2024-06-01")):
        for key in ("2024-q2", "2024-m4", "2024-m3"):
            listed_both_ways(closed_within_target, measure, key, now)
    listing = listed_both_ways(closed_within_target, measure, "2024-m4", at("2024-04-29", 9))
    marks = [marked(case) for case in listing.cases]
    assert (marks.count(True), marks.count(False), marks.count(None)) == (3, 5, 2)


def test_inspected_within_days_listed_by_the_database(inspections, independence):
    """At the limit and a microsecond past it, every kind of event that counts or does not, a
    case with no log, a duplicate, a reopened case, cases still within their days, 2.5 days."""
    soonest = inspections["soon"].opened_at + dt.timedelta(days=5)
    for parameters in ({}, {"days": "2.5"}):
        measure = measure_of(code_enforcement_inspected, independence, ["zoning", "weeds"])
        measure.parameters = parameters
        for now in (at("2024-04-29", 9), soonest, soonest + US, at("2024-07-01")):
            for key in ("2024-m4", "2024-q2"):
                listed_both_ways(code_enforcement_inspected, measure, key, now)


def test_calls_held_over_listed_by_the_database(calls, independence):
    """A microsecond before closing and at closing, after hours, a Friday evening, a weekend,
    Memorial Day and Juneteenth, no log, duplicates, calls whose business day has not ended."""
    measure = measure_of(animal_calls_held_over, independence, ["stray", "barking"])
    for now in (at("2024-06-28", 12), at("2024-06-28", 17) - US, at("2024-06-28", 17), at("2024-07-02")):
        for key in ("2024-q2", "2024-m5", "2024-m6"):
            listed_both_ways(animal_calls_held_over, measure, key, now)


def test_calls_on_a_citys_own_calendar_and_where_the_clocks_change_at_closing_time(
    book, make_service_type, independence
):
    """Saturdays worked and the day after Thanksgiving closed; then calendars closing at 1:30,
    which the night of November 3 reads twice (a call at the second 1:15 is that night's, due
    before it came in; one at the first 1:45 the next day's), and at 2:30, which March 10 never
    reads; and a city whose clocks go back at midnight, closing at 23:55 (Saturday's 23:50 read
    the second time is Saturday's call, after a 23:58 call that is Monday's). Each worked a
    microsecond before its deadline, at it, or not at all."""
    stray = make_service_type(independence, "stray")
    chicago_night = dt.datetime(2024, 11, 3, 1, 15, tzinfo=CHICAGO, fold=1)
    for opened, worked in (
        (at("2024-11-27", 18), at("2024-12-02", 16)),
        (at("2024-11-29", 10), at("2024-11-30", 17)),
        (at("2024-11-03", 1, 30), at("2024-11-04", 9)),
        (at("2024-11-03", 1, 45), at("2024-11-04", 1, 30) - US),
        (at("2024-11-03", 1, 29), at("2024-11-03", 1, 30) - US),
        (chicago_night, chicago_night.astimezone(dt.UTC) + dt.timedelta(minutes=5)),
        (at("2024-11-01", 17, 1), at("2024-11-02", 9)),
        (at("2024-03-10", 1, 59), at("2024-03-10", 3)),
        (at("2024-03-10", 3), at("2024-03-11", 2, 30)),
        (at("2024-03-09", 23), at("2024-03-11", 17)),
    ):
        book.note(book.open(stray, opened), worked)
    book.open(stray, at("2024-11-03", 1, 20))  # never worked
    book.open(stray, at("2024-12-30", 18))
    measure = measure_of(animal_calls_held_over, independence, ["stray"])
    for weekdays, other_days, opens, closes in (
        ("123456", "2024-11-29", dt.time(8), dt.time(17)),
        ("1234567", "", dt.time(0, 30), dt.time(1, 30)),
        ("1234567", "", dt.time(1), dt.time(2, 30)),
    ):
        DashboardSettings.objects.update_or_create(city=independence, defaults={
            "business_weekdays": weekdays, "other_closed_days": other_days,
            "business_day_opens": opens, "business_day_closes": closes,
        })  # fmt: skip
        for key in ("2024-q4", "2024-m11", "2024-m12", "2024-q1", "2024-m3"):
            for now in (at("2024-11-03", 1, 30), at("2024-12-31", 12)):
                listed_both_ways(animal_calls_held_over, measure, key, now)
                assert_identical(*both_ways(animal_calls_held_over, measure, key, now))
    # Where the clocks go back at midnight.
    independence.timezone = "America/Santiago"
    independence.save()
    santiago = zoneinfo.ZoneInfo("America/Santiago")
    DashboardSettings.objects.update_or_create(city=independence, defaults={
        "business_weekdays": "123456", "other_closed_days": "", "business_day_opens": dt.time(8),
        "business_day_closes": dt.time(23, 55),
    })  # fmt: skip
    saturday = dt.datetime(2024, 4, 6, 23, 50, tzinfo=santiago, fold=1)
    sunday = dt.datetime(2024, 4, 7, 0, 10, tzinfo=santiago)
    saturday_closing = dt.datetime(2024, 4, 6, 23, 55, tzinfo=santiago)
    book.note(book.open(stray, sunday), saturday)
    book.note(book.open(stray, saturday), saturday.astimezone(dt.UTC) + US)  # fold kept
    book.note(book.open(stray, dt.datetime(2024, 4, 6, 23, 40, tzinfo=santiago)), saturday_closing - US)
    book.open(stray, dt.datetime(2024, 4, 6, 23, 58, tzinfo=santiago))
    for key in ("2024-q2", "2024-m4"):
        for now in (saturday, dt.datetime(2024, 4, 8, 23, 55, tzinfo=santiago), at("2024-07-01")):
            listing = listed_both_ways(animal_calls_held_over, measure, key, now)
            assert_identical(*both_ways(animal_calls_held_over, measure, key, now))
    # 23:40 worked a microsecond before closing; 23:58 never; the second 23:50 after its closing;
    # Sunday's 00:10 on Saturday night.
    assert [marked(case) for case in listing.cases] == [True, False, False, True]


@pytest.fixture
def closings(book, potholes, make_service_type, independence):
    """Potholes closed at the edges of 3 days, of the 3.05 days that round to "3.1 days",
    the night the clocks went forward, with no log; a duplicate, a reopened case, graffiti
    with no target and a mural with a target of 0 days."""
    pothole, graffiti = potholes["pothole"], potholes["graffiti"]
    mural = make_service_type(independence, "mural", target_days=0)
    tenth = dt.timedelta(days=3, hours=1, minutes=12)  # 3.05 days: the line reads "3.1 days"
    for took in (dt.timedelta(days=3), dt.timedelta(days=3) + US, tenth - US, tenth, dt.timedelta(days=2.5),
                 dt.timedelta(days=2.5) + US, dt.timedelta(hours=2)):  # fmt: skip
        close_after(book, pothole, at("2024-04-08", 10), took)
    close_after(book, pothole, at("2024-03-10", 1, 30), dt.timedelta(days=3))
    without_a_log(close_after(book, pothole, at("2024-04-20", 9), dt.timedelta(days=1)), at("2024-04-19", 9))
    original = close_after(book, pothole, at("2024-05-01", 9), dt.timedelta(days=4))
    close_after(book, pothole, at("2024-05-01", 9, 5), dt.timedelta(minutes=3), resolution="duplicate",
                duplicate_of=original)  # fmt: skip
    close_after(book, graffiti, at("2024-04-05", 9), dt.timedelta(days=30))
    close_after(book, mural, at("2024-06-03", 9), dt.timedelta(hours=5))
    return potholes


def test_median_days_to_close_listed_by_the_database_by_each_rule(closings, independence, make_measure):
    codes = ["pothole", "graffiti", "mural"]
    now = at("2024-07-15")
    by_type = measure_of(potholes_median_days_to_close, independence, codes)
    fixed = measure_of(potholes_median_days_to_close, independence, codes)
    fixed.parameters = {"days": "2.5"}
    for measure in (by_type, fixed):
        for key in ("2024-q2", "2024-m4", "2024-q1"):
            listed_both_ways(potholes_median_days_to_close, measure, key, now)
    # The measure's own target, strict or not, at 3 days (3.0 meets ≤ 3.0, not < 3.0; 3.1 does
    # not), at 3.05 days (3.0 and 3.1 meet ≤ 3.05: 3.1 × 86,400 > 3.05 × 86,400, so not) and
    # at 2.96 days (2.9 meets; 3.0 does not).
    for target, strict in (("259200", False), ("259200", True), ("263520", False), ("263520", True),
                           ("255744", False), ("255744", True)):  # fmt: skip
        own = make_measure(
            name=f"Median {target} {strict}", source="computed", computation=potholes_median_days_to_close.KEY,
            service_codes=codes, unit="days", direction="lower", frequency="quarterly", target=target,
            fiscal_year=2024, target_is_strict=strict,
        )  # fmt: skip
        listing = listed_both_ways(potholes_median_days_to_close, own, "2024-q2", now)
        assert listing.met_label.startswith("Within the measure's target")


def test_a_median_over_a_business_day_type_is_listed_by_the_database(closings, book, make_service_type, independence):
    """Sidewalks due in 3 business days and curbs in 1: closed at their due date and a
    microsecond past it, over Memorial Day (a Friday's and the holiday's own report are due the
    Thursday after), the week the clocks go forward, a report on a weekend, one opened long
    before the period and one the last evening of it; beside potholes in calendar days, on the
    default calendar and on one working Saturdays."""
    sidewalk = closings["sidewalk"]
    curb = make_service_type(independence, "curb", target_days=1, target_in_business_days=True)
    thursday = at("2024-05-30", 17)
    for opened in (at("2024-05-24", 16), at("2024-05-27", 10)):
        book.close(book.open(sidewalk, opened), thursday)
        book.close(book.open(sidewalk, opened), thursday + US)
    # Saturday night before the clocks go forward: Monday, Tuesday, Wednesday; due Wednesday 17:00.
    book.close(book.open(sidewalk, at("2024-03-09", 23, 30)), at("2024-03-13", 17))
    book.close(book.open(sidewalk, at("2024-03-09", 23, 30)), at("2024-03-13", 17) + US)
    book.close(book.open(sidewalk, at("2024-01-02", 9)), at("2024-04-02", 9))  # long before
    book.close(book.open(sidewalk, at("2024-06-30", 23)), at("2024-06-30", 23, 30))
    book.close(book.open(curb, at("2024-06-14", 12)), at("2024-06-17", 17))  # Friday: due Monday
    book.close(book.open(curb, at("2024-06-18", 12)), at("2024-06-20", 17))  # Juneteenth: Thursday
    book.close(book.open(curb, at("2024-06-18", 13)), at("2024-06-20", 17) + US)
    measure = measure_of(potholes_median_days_to_close, independence, ["pothole", "sidewalk", "curb", "graffiti"])
    for weekdays in ("12345", "123456"):
        DashboardSettings.objects.update_or_create(city=independence, defaults={"business_weekdays": weekdays})
        for key in ("2024-q2", "2024-m5", "2024-m6", "2024-q1", "2024-m3"):
            listing = listed_both_ways(potholes_median_days_to_close, measure, key, at("2024-07-15"))
        marks = {case.pk: marked(case) for case in listing.cases}
        # March: the pothole of the night the clocks went forward and the sidewalk closed at its
        # due date meet their targets; the sidewalk a microsecond later does not.
        assert list(marks.values()) == [True, True, False]
    measure.parameters = {"days": 3}  # the measure's own days decide
    listed_both_ways(potholes_median_days_to_close, measure, "2024-q2", at("2024-07-15"))


def test_the_drill_down_counts_and_pages_each_group_as_compute_lists_it(due_dates, independence, make_measure):
    measure = make_measure(
        name="Closed within target", source="computed", computation=closed_within_target.KEY,
        service_codes=["pothole", "sidewalk", "graffiti"], frequency="monthly", unit="percent",
    )  # fmt: skip
    period = periods.parse_key(periods.calendar_for(independence), "2024-m10")
    now = at("2024-04-29", 9)
    computed = closed_within_target.compute(measure=measure, period=period, now=now)
    for size in (1, 2, 3, 100):
        every: dict[str, list] = {"met": [], "missed": [], "pending": []}
        number = 1
        while True:
            drill = drilldown.drill_down(measure, period, dict.fromkeys(every, number), size=size, now=now)
            assert drill.from_the_database
            assert (drill.value, drill.decided, drill.withheld) == (computed.value, computed.decided, 0)
            done = True
            for key, page in drill.groups.items():
                if number <= page.pages:
                    every[key] += lines(page)
                    assert len(page) == min(size, page.total - (number - 1) * size)
                    done = done and number == page.pages
            if done:
                break
            number += 1
        assert every == {
            "met": lines(computed.met),
            "missed": lines(computed.missed),
            "pending": lines(computed.pending),
        }
    # A page past the last reads as the last.
    drill = drilldown.drill_down(measure, period, {"missed": 9}, size=2, now=now)
    assert (drill.groups["missed"].number, lines(drill.groups["missed"])) == (3, lines(computed.missed)[4:])


def test_a_page_number_that_is_not_one_is_refused_in_words(client, due_dates, independence, make_measure):
    measure = make_measure(
        name="Closed within target", source="computed", computation=closed_within_target.KEY,
        service_codes=["pothole"], frequency="monthly", unit="percent", is_public=True,
    )  # fmt: skip
    url = f"/{independence.slug}/performance/measures/{measure.pk}/2024-m10/cases/"
    for bad in ("two", "0", "-1", "1.5"):
        response = client.get(url, {"missed_page": bad})
        assert response.status_code == 400
        assert f"“{bad}” is not a page number: give a whole number from 1." in response.content.decode()
    # The way back keeps the pages that were whole numbers.
    response = client.get(url, {"missed_page": "two", "met_page": "2"})
    assert f'<a href="{url}?met_page=2">Back to the cases</a>' in response.content.decode()


def test_the_page_links_to_the_next_and_previous_cases_of_a_group(
    client, due_dates, independence, make_measure, monkeypatch
):
    monkeypatch.setattr(drilldown, "CASES_PER_PAGE", 2)
    measure = make_measure(
        name="Closed within target", source="computed", computation=closed_within_target.KEY,
        service_codes=["pothole", "sidewalk"], frequency="monthly", unit="percent", is_public=True,
    )  # fmt: skip
    url = f"/{independence.slug}/performance/measures/{measure.pk}/2024-m10/cases/"
    with clock.frozen_at(at("2024-04-29", 9)):
        first = client.get(url).content.decode()
        second = client.get(url, {"missed_page": "2", "met_page": "1"}).content.decode()
        last = client.get(url, {"missed_page": "3"}).content.decode()
    # Missed: a microsecond late, in 5 days, the other sidewalk, open past its due date, the
    # duplicate's original: 5, two a page.
    assert "Missed (5)" in first and "Cases 1–2 of 5" in first
    assert 'href="?missed_page=2#cases-missed" rel="next"' in first
    assert "Cases 3–4 of 5" in second
    assert 'href="?missed_page=1&amp;met_page=1#cases-missed" rel="prev"' in second
    assert 'href="?missed_page=3&amp;met_page=1#cases-missed" rel="next"' in second
    assert "Cases 5–5 of 5" in last and 'rel="next"' not in last.split("cases-missed")[-1]
    assert "8 cases counted" in first
