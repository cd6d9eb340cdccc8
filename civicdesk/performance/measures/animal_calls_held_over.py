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
from typing import TYPE_CHECKING

from django.utils import dateformat
from django.utils.translation import gettext, gettext_lazy, pgettext

from civicdesk.performance.measures.base import CaseResult, Computation, cases_of, first_event, is_worked, share
from civicdesk.performance.periods import business_calendar_for

if TYPE_CHECKING:
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


def compute(*, measure: Measure, period: Period, now: dt.datetime) -> Computation:
    business = business_calendar_for(measure.city)
    results: list[CaseResult] = []
    for case in cases_of(measure).filter(opened_at__gte=period.start, opened_at__lt=period.end):
        day = business.business_day_of(case.opened_at)
        deadline = business.closing_time(day)
        due = day_label(day)
        worked = first_event(case, is_worked)
        if worked is not None and worked.at < deadline:
            results.append(CaseResult(case, True, gettext("Worked on its business day (%(day)s)") % {"day": due}))
        elif worked is not None or now >= deadline:
            results.append(CaseResult(case, False, gettext("Held over past closing time on %(day)s") % {"day": due}))
        else:
            results.append(
                CaseResult(
                    case,
                    None,
                    gettext("Not worked yet; its business day (%(day)s) has not ended") % {"day": due},
                    decides_at=deadline,
                )
            )
    held_over = sum(1 for r in results if r.met is False)
    decided = sum(1 for r in results if r.met is not None)
    return Computation(share(held_over, decided), results)
