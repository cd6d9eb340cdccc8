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
    stretches,
    tally_of,
    wall_clock_edges,
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


def _deadline(business: BusinessCalendar, period: Period) -> Case:
    """Each call's deadline, the closing time of its business day, as a ``CASE`` over the
    stretches of ``deadlines``."""
    return Case(
        *(When(opened_at__lt=until, then=Value(closing)) for until, closing in deadlines(business, period)),
        output_field=DateTimeField(),
    )


def listing(*, measure: Measure, period: Period, now: dt.datetime) -> Listing:
    """``compute``'s calls, each marked by the database by ``figure``'s rules (its first
    worked time a subquery on its log, its deadline the CASE of ``deadlines``), for a page to
    count and read a page of; each line written as ``compute`` writes it."""
    business = business_calendar_for(measure.city)
    worked = Q(worked_at__isnull=False)
    cases = (
        _worked_calls(measure, period)
        .annotate(deadline=_deadline(business, period))
        .annotate(outcome=outcome(met=worked & Q(worked_at__lt=F("deadline")), missed=worked | Q(deadline__lte=now)))
    )
    return Listing(cases, lambda case: _result(case, getattr(case, "worked_at", None), business, now))


def deadlines(business: BusinessCalendar, period: Period) -> list[tuple[dt.datetime, dt.datetime]]:
    """``(until, closing)``: the period's calls that came in before ``until`` (and after the
    stretch before) are due at ``closing``, the closing time of their business day
    (``closing_time(business_day_of(t))``), in order. A call's business day changes only when
    the city's clock reads closing time or midnight, or the clocks change
    (``base.wall_clock_edges``), so it is worked out by the calendar itself at the first moment
    of each stretch between those: weekends, holidays, a city's own closed days and the nights
    the clocks go back past closing time or midnight (a later call then belongs to an earlier
    day) are the calendar's, to the microsecond. Without such a night, each stretch ends at its
    own closing time."""
    edges = wall_clock_edges(business.tz, period.start, period.end, (business.closes,))
    return stretches(
        edges, period.end, lambda moment: business.closing_time(business.business_day_of(moment)).astimezone(dt.UTC)
    )


def figure(*, measure: Measure, period: Period, now: dt.datetime) -> Tally:
    """``compute``'s figure, its decided calls and the soonest moment time alone decides one,
    without reading a case or an event into Python: each call's first worked time is a
    subquery on its log (``base.worked_events``, every condition of ``is_worked``) and its
    deadline, the closing time of its business day, a CASE over the stretches of the period
    (``deadlines``: weekends, holidays, after-hours calls and the nights the clocks change as
    the calendar says), all counted in one aggregate."""
    business = business_calendar_for(measure.city)
    counted = _worked_calls(measure, period).annotate(deadline=_deadline(business, period))
    counted = counted.values("status", "worked_at", "deadline")
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
