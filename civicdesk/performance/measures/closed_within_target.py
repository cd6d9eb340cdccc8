"""% of cases closed within their target time (higher is better).

Cases: the city's cases of the measure's service types OPENED in the period that have a
due date (their type has target days), leaving out duplicates.

Met: closed at or before the due date. Missed: closed after it, or still open after it.
A case still open and not yet due is not counted yet.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from civicdesk.cases.models import Resolution, ServiceRequest, Status
from civicdesk.performance.measures.base import (
    CaseResult,
    Computation,
    Listing,
    Tally,
    cases_of,
    describe_days,
    is_duplicate,
    outcome,
    share,
)

if TYPE_CHECKING:
    from civicdesk.performance.models import Measure
    from civicdesk.performance.periods import Period

KEY = "closed_within_target"
TITLE = "% closed within target time"
UNIT = "percent"
DIRECTION = "higher"
METHOD = gettext_lazy(
    "Of the cases of these types reported in the period (duplicates left out), the share closed by their due "
    "date — the report time plus the type's target days. A case still open past its due date counts as missed."
)


def _cases(measure: Measure, period: Period) -> QuerySet[ServiceRequest]:
    # The due date and closing time are on the case: no audit log to load.
    return (
        cases_of(measure)
        .prefetch_related(None)
        .filter(opened_at__gte=period.start, opened_at__lt=period.end, due_at__isnull=False)
    )


def _result(case: ServiceRequest, now: dt.datetime) -> CaseResult:
    assert case.due_at is not None
    if case.closed_at is not None and not case.is_open:
        took = describe_days(case.closed_at - case.opened_at)
        if case.closed_at <= case.due_at:
            return CaseResult(case, True, gettext("Closed in %(days)s, by its due date") % {"days": took})
        return CaseResult(case, False, gettext("Closed in %(days)s, after its due date") % {"days": took})
    if now > case.due_at:
        return CaseResult(case, False, gettext("Still open past its due date"))
    return CaseResult(case, None, gettext("Open, not yet due"), decides_at=case.due_at)


def compute(*, measure: Measure, period: Period, now: dt.datetime) -> Computation:
    results: list[CaseResult] = []
    for case in _cases(measure, period):
        if is_duplicate(case) or case.due_at is None:
            continue
        results.append(_result(case, now))
    met = sum(1 for r in results if r.met is True)
    decided = sum(1 for r in results if r.met is not None)
    return Computation(share(met, decided), results)


def listing(*, measure: Measure, period: Period, now: dt.datetime) -> Listing:
    """``compute``'s cases, each marked by the database by ``figure``'s rules, for a page to
    count and read a page of; each line written as ``compute`` writes it."""
    closed = Q(status=Status.CLOSED, closed_at__isnull=False)
    cases = (
        _cases(measure, period)
        .exclude(status=Status.CLOSED, resolution=Resolution.DUPLICATE)
        .annotate(outcome=outcome(met=closed & Q(closed_at__lte=F("due_at")), missed=closed | Q(due_at__lt=now)))
    )
    return Listing(cases, lambda case: _result(case, now))


def figure(*, measure: Measure, period: Period, now: dt.datetime) -> Tally:
    """``compute``'s figure, its decided cases and when its first open case not yet due falls
    due, counted by the database in one aggregate over the same cases by the same rules (each
    case's own due date, as stored when it was opened: business days included), without
    reading a case. The regional comparison's kept figures are worked out so."""
    closed = Q(status=Status.CLOSED, closed_at__isnull=False)
    counts = (
        _cases(measure, period)
        .exclude(status=Status.CLOSED, resolution=Resolution.DUPLICATE)
        .order_by()
        .aggregate(
            met=Count("pk", filter=closed & Q(closed_at__lte=F("due_at"))),
            # Closed (by its due date or after it), or still open past it.
            decided=Count("pk", filter=closed | Q(due_at__lt=now)),
            # An open case not yet due is decided by time at its due date.
            changes_at=Min("due_at", filter=~Q(status=Status.CLOSED) & Q(due_at__gte=now)),
        )
    )
    return Tally(share(counts["met"], counts["decided"]), counts["decided"], counts["changes_at"])
