"""Number of requests reported (a count; neither more nor fewer is "better" by itself).

Cases: the city's cases of the measure's service types OPENED in the period, every one of
them (duplicates included: each is a resident who asked). The figure is how many there
are. On its own a count mostly says how big a city is, so the regional comparison turns it
into a rate per resident (``CommonMeasure.per_resident``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import IntegerField, Value
from django.utils import dateformat
from django.utils.translation import gettext, gettext_lazy, pgettext

from civicdesk.cases.models import ServiceRequest
from civicdesk.performance.measures.base import MET, CaseResult, Computation, Listing, Tally, cases_of

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from civicdesk.performance.models import Measure
    from civicdesk.performance.periods import Period

KEY = "requests_opened"
TITLE = "Requests reported"
UNIT = "count"
DIRECTION = "higher"
# Every listed case is in the figure (none waits to be decided), each marked met: the count of
# its decided cases, which its stored value keeps, is its ``figure``'s too.
EVERY_CASE_COUNTS = True
METHOD = gettext_lazy("The number of requests of these types reported in the period, duplicates included.")


def _cases(measure: Measure, period: Period) -> QuerySet[ServiceRequest]:
    # A count needs no audit log: skip loading every case's events.
    return cases_of(measure).prefetch_related(None).filter(opened_at__gte=period.start, opened_at__lt=period.end)


def compute(*, measure: Measure, period: Period, now: dt.datetime) -> Computation:
    tz = period.calendar.tz
    day_format = pgettext("date format: a month and day", "M j")
    results = [
        CaseResult(
            case,
            True,
            gettext("Reported on %(day)s") % {"day": dateformat.format(case.opened_at.astimezone(tz), day_format)},
        )
        for case in _cases(measure, period)
    ]
    return Computation(Decimal(len(results)), results)


def listing(*, measure: Measure, period: Period, now: dt.datetime) -> Listing:
    """``compute``'s cases, every one counted (``MET``), for a page to count and read a page of."""
    tz = period.calendar.tz

    def result(case: ServiceRequest) -> CaseResult:
        day_format = pgettext("date format: a month and day", "M j")
        day = dateformat.format(case.opened_at.astimezone(tz), day_format)
        return CaseResult(case, True, gettext("Reported on %(day)s") % {"day": day})

    return Listing(_cases(measure, period).annotate(outcome=Value(MET, output_field=IntegerField())), result)


def figure(*, measure: Measure, period: Period, now: dt.datetime) -> Tally:
    """The figure and the cases behind it without listing them (one COUNT), for the regional
    comparison: the same cases as ``compute``'s. Time alone never changes it."""
    count = _cases(measure, period).count()
    return Tally(Decimal(count), count)
