"""Median days to close (lower is better), e.g. of potholes.

Cases: the city's cases of the measure's service types CLOSED in the period (their latest
closing, for a reopened case), leaving out those closed as duplicates (they took no work of
their own). The figure is the median of the time from report to closing; stored in seconds,
shown in days.

Each case in the drill-down is marked met when it closed within the measure's
``{"days": N}`` if set, else within its service type's target days (unmarked when neither
is known).
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal
from typing import TYPE_CHECKING

from civicdesk.cases.models import Status
from civicdesk.performance.measures.base import CaseResult, Computation, cases_of, describe_days, is_duplicate

if TYPE_CHECKING:
    from civicdesk.performance.models import Measure
    from civicdesk.performance.periods import Period

KEY = "potholes_median_days_to_close"
TITLE = "Median days to close"
UNIT = "days"
DIRECTION = "lower"
# Every listed case is in the median, whether or not it can be marked met or missed.
EVERY_CASE_COUNTS = True
METHOD = (
    "The median time from the report to its closing, over the cases of these types closed in the period "
    "(duplicates left out). Half the cases closed faster, half slower."
)


def compute(*, measure: Measure, period: Period, now: dt.datetime) -> Computation:
    fixed = (measure.parameters or {}).get("days")
    results: list[CaseResult] = []
    durations: list[Decimal] = []
    # The closing time is on the case: no audit log to load.
    cases = (
        cases_of(measure)
        .prefetch_related(None)
        .filter(status=Status.CLOSED, closed_at__gte=period.start, closed_at__lt=period.end)
    )
    for case in cases.order_by("closed_at", "pk"):
        if is_duplicate(case) or case.closed_at is None:
            continue
        took = case.closed_at - case.opened_at
        durations.append(Decimal(took.total_seconds()))
        allowed = fixed if fixed is not None else case.service_type.target_days
        met = None if allowed is None else took <= dt.timedelta(days=float(allowed))
        results.append(CaseResult(case, met, f"Closed in {describe_days(took)}"))
    value = Decimal(statistics.median(durations)) if durations else None
    return Computation(value, results)
