"""% of animal services calls held over to the next business day (lower is better).

Cases: the city's cases of the measure's service types (the animal-services types) OPENED
in the period.

A call's *business day* is the local date it came in when that is a weekday (Monday to
Friday, on the city's clock); a call that came in on a Saturday or Sunday belongs to the
following Monday. Public holidays are not modelled: a holiday counts as a business day.

Held over (missed): the call was not *worked* (``base.is_worked``: a staff member's public
note, move to "in progress", or closing of any kind) before the end of its business day
(local midnight). Not held over (met): it was. A call whose business day has not ended yet
and that has not been worked is not counted yet.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from civicdesk.performance.measures.base import CaseResult, Computation, cases_of, first_event, is_worked, share

if TYPE_CHECKING:
    import zoneinfo

    from civicdesk.performance.models import Measure
    from civicdesk.performance.periods import Period

KEY = "animal_calls_held_over"
TITLE = "% of calls held over to the next business day"
UNIT = "percent"
DIRECTION = "lower"
METHOD = (
    "Of the calls of these types that came in during the period, the share not worked — no public note, "
    "no move to “in progress”, not closed — by the end of the business day they came in (Monday to Friday; "
    "a weekend call belongs to the Monday after)."
)


def end_of_business_day(opened_at: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Local midnight at the end of the business day a call that came in at ``opened_at`` belongs to."""
    day = opened_at.astimezone(tz).date()
    while day.weekday() >= 5:  # Saturday, Sunday
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)


def compute(*, measure: Measure, period: Period, now: dt.datetime) -> Computation:
    tz = period.calendar.tz
    results: list[CaseResult] = []
    for case in cases_of(measure).filter(opened_at__gte=period.start, opened_at__lt=period.end):
        deadline = end_of_business_day(case.opened_at, tz)
        day = deadline - dt.timedelta(days=1)
        due = f"{day:%a %b} {day.day}"
        worked = first_event(case, is_worked)
        if worked is not None and worked.at < deadline:
            results.append(CaseResult(case, True, f"Worked on its business day ({due})"))
        elif worked is not None or now >= deadline:
            results.append(CaseResult(case, False, f"Held over past the end of {due}"))
        else:
            results.append(CaseResult(case, None, f"Not worked yet; its business day ({due}) has not ended"))
    held_over = sum(1 for r in results if r.met is False)
    decided = sum(1 for r in results if r.met is not None)
    return Computation(share(held_over, decided), results)
