"""Business days: when a city's offices are open, and which days they are closed.

A *business day* runs from the opening to the closing time of a weekday the offices work
that is not a holiday. A call that comes in before closing on a business day belongs to that
day (before opening too: it is waiting when staff arrive); one that comes in after closing,
on a weekend or on a holiday belongs to the next business day. Its business day ends at
closing time.

A target in business days ("within 2 business days") ends at closing time on the 2nd business
day after the day of the report (``end_of_business_days``): the day of the report never
counts, whatever the hour, so a report on Friday morning and one on Friday evening are both
due at closing time on Tuesday; one on the Wednesday before Thanksgiving at closing time on
the Monday after (Thursday is a holiday, Friday the 1st day, Monday the 2nd).

Holidays are the US federal holidays as observed (one on a Saturday is observed the Friday
before, one on a Sunday the Monday after) when the city observes them, plus any other days
the city names (the day after Thanksgiving, a local holiday). Nothing here knows a city:
the city's settings build a ``BusinessCalendar`` (``performance.periods.business_calendar_for``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from functools import lru_cache

MONDAY_TO_FRIDAY = frozenset(range(5))  # date.weekday(): Monday is 0


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` of a month (``n`` = -1: the last one)."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = following - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def us_federal_holidays(year: int) -> frozenset[dt.date]:
    """The days federal offices are closed in ``year`` (5 U.S.C. 6103), as observed."""
    mon, thu = 0, 3
    fixed = [dt.date(year, 1, 1), dt.date(year, 7, 4), dt.date(year, 11, 11), dt.date(year, 12, 25)]
    if year >= 2021:
        fixed.append(dt.date(year, 6, 19))  # Juneteenth
    days = {_observed(day) for day in fixed}
    # New Year's Day of the next year on a Saturday is observed on December 31 of this one.
    if dt.date(year + 1, 1, 1).weekday() == 5:
        days.add(dt.date(year, 12, 31))
    days.discard(dt.date(year - 1, 12, 31))
    days |= {
        _nth_weekday(year, 1, mon, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, mon, 3),  # Washington's Birthday
        _nth_weekday(year, 5, mon, -1),  # Memorial Day
        _nth_weekday(year, 9, mon, 1),  # Labor Day
        _nth_weekday(year, 10, mon, 2),  # Columbus Day
        _nth_weekday(year, 11, thu, 4),  # Thanksgiving Day
    }
    return frozenset(day for day in days if day.year == year)


@dataclass(frozen=True)
class BusinessCalendar:
    """A city's office hours and closed days, on its own clock."""

    timezone: str = "America/Chicago"
    opens: dt.time = dt.time(8)
    closes: dt.time = dt.time(17)
    weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    federal_holidays: bool = True
    other_closed_days: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("Offices close after they open.")
        if not self.weekdays:
            raise ValueError("A business week has at least one day.")

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.other_closed_days or (self.federal_holidays and day in us_federal_holidays(day.year))

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and not self.is_holiday(day)

    def next_business_day(self, day: dt.date) -> dt.date:
        """The first business day after ``day``."""
        day += dt.timedelta(days=1)
        while not self.is_business_day(day):
            day += dt.timedelta(days=1)
        return day

    def business_day_of(self, moment: dt.datetime) -> dt.date:
        """The business day a call that came in at ``moment`` belongs to."""
        local = moment.astimezone(self.tz)
        day = local.date()
        if self.is_business_day(day) and local.time() < self.closes:
            return day
        return self.next_business_day(day)

    def is_office_hours(self, moment: dt.datetime) -> bool:
        """Whether the offices are open at ``moment``: a business day, from opening time up to
        (not at) closing time, on the city's clock."""
        local = moment.astimezone(self.tz)
        return self.is_business_day(local.date()) and self.opens <= local.time() < self.closes

    def opening_time(self, day: dt.date) -> dt.datetime:
        """The moment the offices open on ``day``."""
        return dt.datetime.combine(day, self.opens, tzinfo=self.tz)

    def closing_time(self, day: dt.date) -> dt.datetime:
        """The moment the offices close on ``day``."""
        return dt.datetime.combine(day, self.closes, tzinfo=self.tz)

    def add_office_time(self, moment: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The moment ``duration`` of office time after ``moment``, counting only the hours the
        offices are open (from the next opening when they are closed at ``moment``): two
        hours after 16:00 on a Friday is 9:00 on Monday. On the city's clock."""
        day = self.business_day_of(moment)
        start = max(moment.astimezone(self.tz), self.opening_time(day))
        while start + duration >= self.closing_time(day):
            duration -= self.closing_time(day) - start
            day = self.next_business_day(day)
            start = self.opening_time(day)
        return start + duration

    def end_of_business_days(self, moment: dt.datetime, days: int) -> dt.datetime:
        """When a target of ``days`` business days from ``moment`` ends: closing time on the
        ``days``-th business day after the day ``moment`` falls on, on the city's clock."""
        day = moment.astimezone(self.tz).date()
        for _ in range(days):
            day = self.next_business_day(day)
        return self.closing_time(day)
