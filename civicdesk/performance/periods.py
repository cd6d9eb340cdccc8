"""Fiscal years, quarters and months of a city.

A city's fiscal year starts on the first day of ``City.fiscal_year_start_month``.
Independence's starts in July, so its Q1 is July 1 – September 30. Fiscal years are named
by the calendar year they end in unless the city's dashboard settings say otherwise, so
July 2017 – June 2018 is FY2018 (the usual US municipal convention). Period bounds are
aware datetimes at local midnight in the city's time zone; ``end`` is exclusive (the first
moment of the next period), so a case opened at 23:59 on September 30 is in Q1.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import dateformat
from django.utils.translation import gettext, pgettext

from civicdesk.core.business_days import MONDAY_TO_FRIDAY, BusinessCalendar
from civicdesk.tenants.selectors import default_business_calendar

if TYPE_CHECKING:
    from civicdesk.tenants.models import City

QUARTERLY, MONTHLY = "quarterly", "monthly"
MONTHS_PER_PERIOD = {QUARTERLY: 3, MONTHLY: 1}
PERIODS_PER_YEAR = {QUARTERLY: 4, MONTHLY: 12}
KEY_RE = re.compile(r"^(?P<fy>\d{4})-(?P<kind>[qm])(?P<index>\d{1,2})$")


@dataclass(frozen=True)
class FiscalCalendar:
    """What is needed to place a date in a city's fiscal year."""

    start_month: int = 1
    timezone: str = "America/Chicago"
    named_by_end: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.start_month <= 12:
            raise ValueError("The fiscal year starts in a month from 1 to 12.")

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def fiscal_year_of(self, day: dt.date) -> int:
        """The fiscal year a calendar date falls in."""
        starts_in = day.year if day.month >= self.start_month else day.year - 1
        if self.named_by_end and self.start_month != 1:
            return starts_in + 1
        return starts_in

    def first_day(self, fiscal_year: int) -> dt.date:
        """The first day of a fiscal year."""
        starts_in = fiscal_year - 1 if (self.named_by_end and self.start_month != 1) else fiscal_year
        return dt.date(starts_in, self.start_month, 1)


def calendar_for(city: City) -> FiscalCalendar:
    """The fiscal calendar of a city, from its own settings."""
    from civicdesk.performance.models import DashboardSettings, FiscalYearNaming

    naming = (
        DashboardSettings.objects.filter(city=city).values_list("fiscal_year_naming", flat=True).first()
        or FiscalYearNaming.ENDING
    )
    return FiscalCalendar(
        start_month=city.fiscal_year_start_month,
        timezone=city.timezone,
        named_by_end=naming == FiscalYearNaming.ENDING,
    )


def business_calendar_for(city: City) -> BusinessCalendar:
    """The city's business days (office hours, working weekdays, holidays), from its
    dashboard settings; the default one (``tenants.selectors.default_business_calendar``)
    when it has none."""
    from civicdesk.performance.models import DashboardSettings

    own = DashboardSettings.objects.filter(city=city).first()
    if own is None:
        return default_business_calendar(city)
    return BusinessCalendar(
        timezone=city.timezone,
        opens=own.business_day_opens,
        closes=own.business_day_closes,
        weekdays=frozenset(int(n) - 1 for n in own.business_weekdays) or MONDAY_TO_FRIDAY,
        federal_holidays=own.observes_federal_holidays,
        other_closed_days=frozenset(own.closed_days()),
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) + months
    return dt.date(total // 12, total % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """One fiscal quarter or month of one city."""

    calendar: FiscalCalendar
    fiscal_year: int
    frequency: str
    index: int  # 1-based: quarter 1–4 or month 1–12 of the fiscal year

    def __post_init__(self) -> None:
        if self.frequency not in PERIODS_PER_YEAR:
            raise ValueError(f"Unknown frequency {self.frequency!r}.")
        if not 1 <= self.index <= PERIODS_PER_YEAR[self.frequency]:
            raise ValueError(f"A {self.frequency} period is numbered 1 to {PERIODS_PER_YEAR[self.frequency]}.")

    @property
    def first_day(self) -> dt.date:
        months = (self.index - 1) * MONTHS_PER_PERIOD[self.frequency]
        return _add_months(self.calendar.first_day(self.fiscal_year), months)

    @property
    def last_day(self) -> dt.date:
        return _add_months(self.first_day, MONTHS_PER_PERIOD[self.frequency]) - dt.timedelta(days=1)

    @property
    def start(self) -> dt.datetime:
        """First moment of the period, local midnight (aware)."""
        return dt.datetime.combine(self.first_day, dt.time(), tzinfo=self.calendar.tz)

    @property
    def end(self) -> dt.datetime:
        """First moment AFTER the period (exclusive bound), local midnight (aware)."""
        return dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time(), tzinfo=self.calendar.tz)

    @property
    def key(self) -> str:
        """Stable URL key: ``2018-q1`` or ``2018-m3``."""
        return f"{self.fiscal_year}-{'q' if self.frequency == QUARTERLY else 'm'}{self.index}"

    @property
    def short_label(self) -> str:
        if self.frequency == QUARTERLY:
            return gettext("FY%(year)s Q%(n)s") % {"year": self.fiscal_year, "n": self.index}
        month = dateformat.format(self.first_day, pgettext("date format: a month and year", "M Y"))
        return gettext("FY%(year)s %(month)s") % {"year": self.fiscal_year, "month": month}

    @property
    def date_range_label(self) -> str:
        first, last = self.first_day, self.last_day
        # Month names in the reader's language, as it writes them: "Jul" in English (as %b
        # was), "jul" in Spanish (the catalog gives "b": Spanish months are lower case).
        month = pgettext("date format: an abbreviated month", "M")
        words = {
            "first_month": dateformat.format(first, month),
            "first_day": first.day,
            "first_year": first.year,
            "last_month": dateformat.format(last, month),
            "last_day": last.day,
            "last_year": last.year,
        }
        if first.year == last.year:
            return gettext("%(first_month)s %(first_day)s – %(last_month)s %(last_day)s, %(last_year)s") % words
        return (
            gettext("%(first_month)s %(first_day)s, %(first_year)s – %(last_month)s %(last_day)s, %(last_year)s")
            % words
        )

    @property
    def label(self) -> str:
        """e.g. ``FY2018 Q1 (Jul 1 – Sep 30, 2017)``."""
        return f"{self.short_label} ({self.date_range_label})"

    @property
    def periods_per_year(self) -> int:
        return PERIODS_PER_YEAR[self.frequency]

    def previous(self) -> Period:
        if self.index > 1:
            return Period(self.calendar, self.fiscal_year, self.frequency, self.index - 1)
        return Period(self.calendar, self.fiscal_year - 1, self.frequency, self.periods_per_year)

    def next(self) -> Period:
        if self.index < self.periods_per_year:
            return Period(self.calendar, self.fiscal_year, self.frequency, self.index + 1)
        return Period(self.calendar, self.fiscal_year + 1, self.frequency, 1)

    def __str__(self) -> str:
        return self.label


def period_of(calendar: FiscalCalendar, when: dt.date | dt.datetime, frequency: str) -> Period:
    """The period a date (or a moment, read on the city's clock) falls in."""
    if isinstance(when, dt.datetime):
        if when.tzinfo is None:
            raise ValueError("period_of needs an aware datetime")
        when = when.astimezone(calendar.tz).date()
    fiscal_year = calendar.fiscal_year_of(when)
    months_in = (when.year * 12 + when.month) - (calendar.first_day(fiscal_year).year * 12 + calendar.start_month)
    return Period(calendar, fiscal_year, frequency, months_in // MONTHS_PER_PERIOD[frequency] + 1)


def periods_of_year(calendar: FiscalCalendar, fiscal_year: int, frequency: str) -> list[Period]:
    return [Period(calendar, fiscal_year, frequency, i) for i in range(1, PERIODS_PER_YEAR[frequency] + 1)]


def periods_between(calendar: FiscalCalendar, frequency: str, first: dt.date, last: dt.date) -> list[Period]:
    """Every period that overlaps ``first``..``last`` (inclusive), oldest first."""
    out: list[Period] = []
    period = period_of(calendar, first, frequency)
    stop = period_of(calendar, last, frequency)
    while (period.fiscal_year, period.index) <= (stop.fiscal_year, stop.index):
        out.append(period)
        period = period.next()
    return out


def parse_key(calendar: FiscalCalendar, key: str) -> Period:
    """The period a URL key names; ``ValueError`` with a plain message when it names none."""
    match = KEY_RE.match(key or "")
    if not match:
        raise ValueError(gettext("%(key)r is not a period; write it like 2018-q1 or 2018-m3.") % {"key": key})
    frequency = QUARTERLY if match["kind"] == "q" else MONTHLY
    return Period(calendar, int(match["fy"]), frequency, int(match["index"]))
