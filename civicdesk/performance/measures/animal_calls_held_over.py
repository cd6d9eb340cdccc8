"""% of animal services calls held over to the next business day (lower is better).

Cases: the city's cases of the measure's service types (the animal-services types) OPENED
in the period.

A call's *business day* is the city's (``core.business_days``, set per city in its
dashboard settings; 8:00–17:00 Monday to Friday, closed on the US federal holidays unless it
says otherwise): the day it came in when that is a business day and it came in before
closing; otherwise the next business day. So a call at 9:06 p.m. on a Thursday belongs to
Friday, one on a Friday evening or a weekend to Monday, and one on Thanksgiving to the
Friday after (or the Monday, when the city is closed that Friday too).

Held over (missed): the call was not *worked* (``base.is_worked``: a staff member's public
note, move to "in progress", or closing of any kind) before closing time on its business
day. Not held over (met): it was. A call whose business day has not ended yet and that has
not been worked is not counted yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import dateformat
from django.utils.translation import gettext, gettext_lazy, pgettext

from civicdesk.cases.models import Status
from civicdesk.performance.measures.base import (
    CaseResult,
    Computation,
    Listing,
    Tally,
    cases_of,
    first_event,
    first_event_at,
    is_worked,
    moment_of,
    outcome,
    share,
    tally_of,
    worked_events,
)
from civicdesk.performance.periods import business_calendar_for

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from civicdesk.cases.models import ServiceRequest
    from civicdesk.core.business_days import BusinessCalendar
    from civicdesk.performance.models import Measure
    from civicdesk.performance.periods import Period

KEY = "animal_calls_held_over"
TITLE = "% of calls held over to the next business day"
UNIT = "percent"
DIRECTION = "lower"
METHOD = gettext_lazy(
    "Of the calls of these types that came in during the period, the share not worked — no public note, "
    "no move to “in progress”, not closed — by closing time on the business day they came in. A call that "
    "comes in after closing, on a weekend or on a holiday belongs to the next business day."
)


def day_label(day: dt.date) -> str:
    """e.g. "Thu Oct 1" ("jue 1 oct" in Spanish)."""
    return dateformat.format(day, pgettext("date format: a weekday, month and day", "D M j"))


def _result(
    case: ServiceRequest, worked_at: dt.datetime | None, business: BusinessCalendar, now: dt.datetime
) -> CaseResult:
    """One call's line: worked before closing time on its business day (met), or not (held
    over), or not worked yet while that day has not ended (not decided)."""
    day = business.business_day_of(case.opened_at)
    deadline = business.closing_time(day)
    due = day_label(day)
    if worked_at is not None and worked_at < deadline:
        return CaseResult(case, True, gettext("Worked on its business day (%(day)s)") % {"day": due})
    if worked_at is not None or now >= deadline:
        return CaseResult(case, False, gettext("Held over past closing time on %(day)s") % {"day": due})
    return CaseResult(
        case,
        None,
        gettext("Not worked yet; its business day (%(day)s) has not ended") % {"day": due},
        decides_at=deadline,
    )


def compute(*, measure: Measure, period: Period, now: dt.datetime) -> Computation:
    business = business_calendar_for(measure.city)
    results: list[CaseResult] = []
    for case in cases_of(measure).filter(opened_at__gte=period.start, opened_at__lt=period.end):
        worked = first_event(case, is_worked)
        results.append(_result(case, None if worked is None else worked.at, business, now))
    held_over = sum(1 for r in results if r.met is False)
    decided = sum(1 for r in results if r.met is not None)
    return Computation(share(held_over, decided), results)


def _worked_calls(measure: Measure, period: Period) -> QuerySet[Any]:
    """The period's calls, each with its first worked time (``worked_at``, a subquery on its
    log), for ``listing`` and ``figure``."""
    return (
        cases_of(measure)
        .prefetch_related(None)
        .filter(opened_at__gte=period.start, opened_at__lt=period.end)
        .annotate(worked_at=first_event_at(worked_events()))
    )


def listing(*, measure: Measure, period: Period, now: dt.datetime) -> Listing | None:
    """``compute``'s calls, each marked by the database by ``figure``'s rules (its first
    worked time a subquery on its log, its deadline the CASE of ``deadlines``), for a page to
    count and read a page of; each line written as ``compute`` writes it. None on a period
    whose clocks change at closing time or midnight (``deadlines``): the page then reads
    every call by ``compute``."""
    business = business_calendar_for(measure.city)
    closings = deadlines(business, period)
    if closings is None:
        return None
    due = Case(
        *(When(opened_at__lt=closing, then=Value(closing)) for closing in closings), output_field=DateTimeField()
    )
    worked = Q(worked_at__isnull=False)
    cases = (
        _worked_calls(measure, period)
        .annotate(deadline=due)
        .annotate(outcome=outcome(met=worked & Q(worked_at__lt=F("deadline")), missed=worked | Q(deadline__lte=now)))
    )
    return Listing(cases, lambda case: _result(case, getattr(case, "worked_at", None), business, now))


def deadlines(business: BusinessCalendar, period: Period) -> list[dt.datetime] | None:
    """The closing times of the business days the period's calls belong to, in order: a call
    that came in at ``t`` is due at the first of them after ``t`` (``closing_time(
    business_day_of(t))``: a business day's calls are those after the closing of the one
    before, up to its own). None when that cannot be said of moments alone: on a day of the
    period the clocks change at closing time or at midnight (a call's local hour or date then
    goes back), so ``figure`` reads each call's business day as ``compute`` does."""
    tz = business.tz
    last = business.business_day_of(period.end - dt.timedelta(microseconds=1))
    day = period.start.astimezone(tz).date()
    while day <= last:
        for hour in (business.closes, dt.time(0)):
            moment = dt.datetime.combine(day, hour, tzinfo=tz)
            if moment.utcoffset() != moment.replace(fold=1).utcoffset():
                return None
        day += dt.timedelta(days=1)
    found = []
    day = business.business_day_of(period.start)
    while day <= last:
        found.append(business.closing_time(day))
        day = business.next_business_day(day)
    return found


def figure(*, measure: Measure, period: Period, now: dt.datetime) -> Tally:
    """``compute``'s figure, its decided calls and the soonest moment time alone decides one,
    without reading a case or an event into Python: each call's first worked time is a
    subquery on its log (``base.worked_events``, every condition of ``is_worked``) and its
    deadline, the closing time of its business day, a CASE over the period's business days'
    closing times (``deadlines``: weekends, holidays and after-hours calls fall to the next
    one as the calendar says), all counted in one aggregate. On a period whose clocks change
    at closing time or midnight, the calls' (report, first worked) times alone are read and
    each given its business day by the calendar, as ``compute`` does."""
    business = business_calendar_for(measure.city)
    cases = _worked_calls(measure, period)
    closings = deadlines(business, period)
    if closings is None:
        return _figure_by_calendar(business, cases.values_list("opened_at", "status", "worked_at"), now)
    due = Case(
        *(When(opened_at__lt=closing, then=Value(closing)) for closing in closings), output_field=DateTimeField()
    )
    counted = cases.annotate(deadline=due).values("status", "worked_at", "deadline")
    moment = connections[counted.db].ops.adapt_datetimefield_value(now)
    met, decided, first_waiting = tally_of(
        counted,
        "COUNT(CASE WHEN worked_at IS NOT NULL AND worked_at < deadline THEN 1 END),"
        # Worked (in time or late), or not worked and its business day over.
        " COUNT(CASE WHEN worked_at IS NOT NULL OR deadline <= %s THEN 1 END),"
        # An open call not worked yet is decided by time at its closing time.
        " MIN(CASE WHEN worked_at IS NULL AND deadline > %s AND status <> %s THEN deadline END)",
        (moment, moment, Status.CLOSED.value),
    )
    return Tally(share(decided - met, decided), decided, moment_of(first_waiting, counted.db))


def _figure_by_calendar(business: BusinessCalendar, calls: Iterable[tuple[Any, ...]], now: dt.datetime) -> Tally:
    """``figure`` from each call's (report, status, first worked) times, its business day and
    closing time by the calendar itself (once for each day and side of closing time)."""
    deadline_of: dict[tuple[dt.date, bool], dt.datetime] = {}
    tz = business.tz
    held_over = decided = 0
    waiting: list[dt.datetime] = []
    for opened, status, worked in calls:
        local = opened.astimezone(tz)
        key = (local.date(), local.time() < business.closes)
        if key not in deadline_of:
            deadline_of[key] = business.closing_time(business.business_day_of(opened))
        deadline = deadline_of[key]
        if worked is not None and worked < deadline:
            decided += 1
        elif worked is not None or now >= deadline:
            decided += 1
            held_over += 1
        elif status != Status.CLOSED:
            waiting.append(deadline)
    return Tally(share(held_over, decided), decided, min(waiting, default=None))
