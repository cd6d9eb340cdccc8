"""The regional comparison's median days to close and % closed within target are worked out by
the database (``figure``: aggregates, a median at its ranks), never by reading a city's cases
into Python, and give exactly what the definitions' ``compute`` gives from the same cases:
the same figure to the last digit, the same cases behind it, the same moment time next
changes it. Odd and even counts, ties, times a microsecond apart, duplicates, reopened
cases, cases with no target, business-day due dates and empty periods alike."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from types import ModuleType

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services as cases
from civicdesk.cases.models import Resolution, ServiceRequest
from civicdesk.core import clock
from civicdesk.notifications import outbox
from civicdesk.performance import regional
from civicdesk.performance import services as performance
from civicdesk.performance.measures import closed_within_target, potholes_median_days_to_close
from civicdesk.performance.measures.base import Tally
from civicdesk.performance.models import Measure, RegionalFigure
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


# --- the regional comparison reads no case into Python --------------------------------------


def test_the_regional_refresh_works_out_every_figure_without_reading_a_case(
    due_dates, independence, monkeypatch, settings
):
    """Each of the three common measures the bench keeps (a count, a median, a share) is
    worked out by the database: no ``ServiceRequest`` is built while the task worker's
    refresh works out every figure of the region, and it keeps exactly what it kept when it
    worked each figure out from every case (``compute``)."""
    settings.REGIONAL_FIGURES_SECONDS = 900
    codes = ["pothole", "sidewalk", "graffiti"]
    for order, (key, module, unit, direction) in enumerate(
        (
            ("requests", "requests_opened", "count", ""),
            ("median-days", potholes_median_days_to_close.KEY, "days", "lower"),
            ("within-target", closed_within_target.KEY, "percent", "higher"),
        )
    ):
        common = performance.common_measure_define(
            region=independence.region, key=key, name=key, definition="As every city agreed it.",
            computation=module, unit=unit, direction=direction, decimals=1, minimum_cases=1, order=order,
        )  # fmt: skip
        performance.common_measure_map(common_measure=common, city=independence, service_codes=codes)
    built: list[int] = []
    real = ServiceRequest.from_db

    def counting(cls, db, field_names, values):
        built.append(1)
        return real(db, field_names, values)

    moment = at("2024-04-29", 9)
    monkeypatch.setattr(ServiceRequest, "from_db", classmethod(counting))
    assert performance.regional_figures_refresh(now=moment) == 12
    assert built == []
    monkeypatch.undo()
    in_the_database = kept()
    assert in_the_database[("median-days", "2024-q2")][:2] == (Decimal("419400.0000000000"), 8)  # 4.85 days
    assert in_the_database[("within-target", "2024-m4")][:2] == (Decimal("37.5000000000"), 8)

    def from_every_case(common, city, period, codes, *, now=None):
        """The comparison's figure as it was worked out before: from every case, by ``compute``."""
        result = regional.compute_figure(common, city, period, codes, now=now)
        return Tally(result.value, regional.cases_counted(common, result), regional.changes_at(result, now)), result

    monkeypatch.setattr(regional, "figure_of_cases", from_every_case)
    RegionalFigure.objects.all().delete()
    assert performance.regional_figures_refresh(now=moment) == 12
    assert kept() == in_the_database


def kept() -> dict[tuple[str, str], tuple[object, int, object]]:
    return {
        (f.common_measure.key, f.period): (f.value, f.cases, f.changes_at)
        for f in RegionalFigure.objects.select_related("common_measure")
    }
