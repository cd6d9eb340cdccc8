"""Fiscal quarters and months across the year boundary; target splitting; values as written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from civicdesk.performance.formatting import count_target, format_value, parse_value
from civicdesk.performance.periods import FiscalCalendar, Period, parse_key, period_of, periods_between
from civicdesk.performance.targets import compared_value, period_target

JULY = FiscalCalendar(start_month=7)
JANUARY = FiscalCalendar(start_month=1)
OCTOBER = FiscalCalendar(start_month=10)


@pytest.mark.parametrize(
    ("calendar", "day", "fy", "quarter"),
    [
        (JULY, dt.date(2017, 7, 1), 2018, 1),
        (JULY, dt.date(2017, 9, 30), 2018, 1),
        (JULY, dt.date(2017, 10, 1), 2018, 2),
        (JULY, dt.date(2017, 12, 31), 2018, 2),
        (JULY, dt.date(2018, 1, 1), 2018, 3),
        (JULY, dt.date(2018, 6, 30), 2018, 4),
        (JULY, dt.date(2018, 7, 1), 2019, 1),
        (JANUARY, dt.date(2017, 12, 31), 2017, 4),
        (JANUARY, dt.date(2018, 1, 1), 2018, 1),
        (JANUARY, dt.date(2018, 4, 1), 2018, 2),
        (OCTOBER, dt.date(2017, 9, 30), 2017, 4),
        (OCTOBER, dt.date(2017, 10, 1), 2018, 1),
        (OCTOBER, dt.date(2017, 12, 31), 2018, 1),
        (OCTOBER, dt.date(2018, 1, 1), 2018, 2),
    ],
)
def test_fiscal_quarter_of_a_date(calendar, day, fy, quarter):
    period = period_of(calendar, day, "quarterly")
    assert (period.fiscal_year, period.index) == (fy, quarter)
    assert period.first_day <= day <= period.last_day


def test_independence_q1_label_and_bounds_in_the_citys_time_zone():
    q1 = Period(JULY, 2018, "quarterly", 1)
    assert q1.label == "FY2018 Q1 (Jul 1 – Sep 30, 2017)"
    assert q1.start == dt.datetime(2017, 7, 1, tzinfo=JULY.tz)
    assert q1.end == dt.datetime(2017, 10, 1, tzinfo=JULY.tz)
    assert q1.start.utcoffset() == dt.timedelta(hours=-5)  # Central daylight time
    assert q1.key == "2018-q1"


def test_a_moment_is_read_on_the_citys_clock():
    # 03:30 UTC on July 1 is still June 30 in Missouri: the last day of FY2017.
    moment = dt.datetime(2017, 7, 1, 3, 30, tzinfo=dt.UTC)
    assert period_of(JULY, moment, "quarterly").short_label == "FY2017 Q4"


def test_quarter_spanning_the_calendar_year_is_labelled_with_both_years():
    q = Period(FiscalCalendar(start_month=12), 2018, "quarterly", 1)
    assert q.label == "FY2018 Q1 (Dec 1, 2017 – Feb 28, 2018)"


def test_fiscal_year_named_by_start_year_when_the_city_says_so():
    calendar = FiscalCalendar(start_month=7, named_by_end=False)
    assert period_of(calendar, dt.date(2017, 7, 1), "quarterly").short_label == "FY2017 Q1"


def test_months_and_next_previous_cross_the_year_boundary():
    june = period_of(JULY, dt.date(2018, 6, 15), "monthly")
    assert (june.fiscal_year, june.index) == (2018, 12)
    assert june.next().first_day == dt.date(2018, 7, 1)
    assert june.next().fiscal_year == 2019
    assert Period(JULY, 2019, "quarterly", 1).previous().short_label == "FY2018 Q4"
    assert [p.key for p in periods_between(JULY, "quarterly", dt.date(2018, 5, 1), dt.date(2018, 8, 1))] == [
        "2018-q4",
        "2019-q1",
    ]


def test_a_bad_period_key_says_how_to_write_one():
    with pytest.raises(ValueError, match="2018-q1"):
        parse_key(JULY, "Q1-2018")
    with pytest.raises(ValueError):
        parse_key(JULY, "2018-q5")
    assert parse_key(JULY, "2018-m3").first_day == dt.date(2017, 9, 1)


def test_even_split_of_965_jobs_is_241_25_a_quarter_not_150():
    assert period_target(annual=D(965), rule="even", index=1, periods_per_year=4) == D("241.25")
    assert period_target(annual=D(20), rule="even", index=3, periods_per_year=4) == D(5)


def test_cumulative_split_compares_year_to_date():
    assert period_target(annual=D(965), rule="cumulative", index=2, periods_per_year=4) == D("482.5")
    assert period_target(annual=D(965), rule="cumulative", index=4, periods_per_year=4) == D(965)
    assert compared_value(rule="cumulative", values_to_date=[D(342), D(200)]) == D(542)
    assert compared_value(rule="even", values_to_date=[D(342), D(200)]) == D(200)
    assert compared_value(rule="cumulative", values_to_date=[D(342), None]) is None


def test_every_period_rule_keeps_a_rate_target_as_is():
    assert period_target(annual=D(75), rule="every_period", index=4, periods_per_year=4) == D(75)


def test_durations_are_shown_as_the_city_writes_them():
    assert format_value(D("466.8"), unit="minutes", decimals=2) == "7.78 min"
    assert format_value(D("517"), unit="minutes", display="clock") == "8:37"
    assert format_value(D("380"), unit="minutes", display="clock") == "6:20"
    assert format_value(D("81"), unit="percent") == "81%"
    assert format_value(D("241.25"), unit="count", exact=True) == "241.25"
    assert format_value(D("342"), unit="count", exact=True) == "342"
    assert format_value(None, unit="count") == "No data"
    assert format_value(D(3 * 86400), unit="days", decimals=1) == "3.0 days"


def test_staff_may_type_a_duration_either_way():
    assert parse_value("7:47", unit="minutes") == D(467)
    assert parse_value("7.78", unit="minutes") == D("466.80")
    assert parse_value("7.78 min", unit="minutes") == D("466.80")
    assert parse_value("81%", unit="percent") == D(81)
    assert parse_value("$1,200", unit="money") == D(1200)
    with pytest.raises(ValueError, match="7:47"):
        parse_value("seven", unit="minutes")
    with pytest.raises(ValueError, match="Enter a value"):
        parse_value("  ", unit="count")


def test_a_counts_target_is_shown_whole_and_states_the_same_goal_as_the_status():
    """A quarter of 965 jobs is 241.25: whole jobs meet it from 242, so it reads "≥ 242" (not
    "≥ 241.25", nor "≥ 241", which 241 jobs would fail)."""
    quarter = period_target(annual=D(965), rule="even", index=1, periods_per_year=4)
    assert count_target(quarter, decimals=0, sign="≥") == D(242)
    assert count_target(D("482.5"), decimals=0, sign="≥") == D(483)  # cumulative, end of Q2
    assert count_target(quarter, decimals=0, sign=">") == D(241)  # more than 241 is 242 or more
    assert count_target(D("4.5"), decimals=0, sign="≤") == D(4)
    assert count_target(D("4.5"), decimals=0, sign="<") == D(5)  # fewer than 5 is 4 or fewer
    assert count_target(D(5), decimals=0, sign="≥") == D(5)  # already whole: unchanged
    assert count_target(quarter, decimals=1, sign="≥") == D("241.3")
    for whole in range(238, 246):
        assert (D(whole) >= quarter) == (D(whole) >= count_target(quarter, decimals=0, sign="≥"))
        assert (D(whole) > quarter) == (D(whole) > count_target(quarter, decimals=0, sign=">"))
