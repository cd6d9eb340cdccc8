"""% of code enforcement cases inspected in 5 days or less (higher is better).

Cases: the city's cases of the measure's service types (the code-enforcement types, listed
on the measure) OPENED in the period, leaving out those closed as a duplicate of another
case (the original carries the inspection).

Met: the first *inspection update* (``base.is_inspection``: a staff member's public note,
move to "in progress", or closing as resolved / no action needed) came no more than 5 days
(5 × 24 hours; the measure's ``{"days": N}`` changes it) after the case was opened.
Missed: it came later, or there is none and the 5 days have passed. A case still within
its 5 days and not yet inspected is not counted yet.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import F, Q
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext, gettext_lazy, ngettext

from civicdesk.cases.models import Resolution, Status
from civicdesk.cases.time_to_close import microseconds_sql
from civicdesk.performance.measures.base import (
    CaseResult,
    Computation,
    Listing,
    MicrosecondsBetween,
    Tally,
    cases_of,
    describe_days,
    first_event,
    first_event_at,
    inspection_events,
    is_duplicate,
    is_inspection,
    moment_of,
    outcome,
    parameter_days,
    share,
    tally_of,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from civicdesk.cases.models import ServiceRequest
    from civicdesk.performance.models import Measure
    from civicdesk.performance.periods import Period

KEY = "code_enforcement_inspected"
TITLE = "% of cases inspected within N days"
UNIT = "percent"
DIRECTION = "higher"
METHOD = gettext_lazy(
    "Of the cases of these types opened in the period (not counting duplicates), the share whose first "
    "inspection update — a public note, a move to “in progress”, or closing as resolved or as needing no "
    "action, recorded by staff — came within {days} days of the report. Cases still inside their {days} "
    "days and not yet inspected are counted once they are."
)


def _result(
    case: ServiceRequest, inspected_at: dt.datetime | None, limit_days: Decimal, now: dt.datetime
) -> CaseResult:
    """One case's line: met when first inspected within the limit, missed when later or when
    its days have passed without an inspection, not decided while they have not."""
    limit = dt.timedelta(days=float(limit_days))
    if inspected_at is not None:
        took = inspected_at - case.opened_at
        return CaseResult(case, took <= limit, gettext("Inspected after %(days)s") % {"days": describe_days(took)})
    if now - case.opened_at > limit:
        return CaseResult(
            case,
            False,
            ngettext("Not inspected within %(n)s day", "Not inspected within %(n)s days", int(limit_days))
            % {"n": f"{limit_days:g}"},
        )
    return CaseResult(
        case, None, gettext("Not inspected yet; still within the time allowed"), decides_at=case.opened_at + limit
    )


def compute(*, measure: Measure, period: Period, now: dt.datetime) -> Computation:
    limit_days = parameter_days(measure, 5)
    results: list[CaseResult] = []
    for case in cases_of(measure).filter(opened_at__gte=period.start, opened_at__lt=period.end):
        if is_duplicate(case):
            continue
        inspected = first_event(case, is_inspection)
        results.append(_result(case, None if inspected is None else inspected.at, limit_days, now))
    met = sum(1 for r in results if r.met is True)
    decided = sum(1 for r in results if r.met is not None)
    return Computation(share(met, decided), results)


def _inspected_cases(measure: Measure, period: Period) -> QuerySet[Any]:
    """The period's cases ``compute`` counts (duplicates left out), each with the time of its
    first inspection update (``inspected_at``, a subquery on its log), for ``listing`` and
    ``figure``."""
    return (
        cases_of(measure)
        .prefetch_related(None)
        .filter(opened_at__gte=period.start, opened_at__lt=period.end)
        .exclude(status=Status.CLOSED, resolution=Resolution.DUPLICATE)
        .annotate(inspected_at=first_event_at(inspection_events()))
    )


def listing(*, measure: Measure, period: Period, now: dt.datetime) -> Listing:
    """``compute``'s cases, each marked by the database by ``figure``'s rules (its first
    inspection update a subquery on its log, compared with the limit in whole microseconds),
    for a page to count and read a page of; each line written as ``compute`` writes it."""
    limit_days = parameter_days(measure, 5)
    limit = dt.timedelta(days=float(limit_days))
    inspected = Q(inspected_at__isnull=False)
    took = MicrosecondsBetween(F("inspected_at"), F("opened_at"))
    cases = _inspected_cases(measure, period).annotate(
        outcome=outcome(
            met=inspected & Q(LessThanOrEqual(took, limit // dt.timedelta(microseconds=1))),
            missed=inspected | Q(opened_at__lt=now - limit),
        )
    )
    return Listing(cases, lambda case: _result(case, getattr(case, "inspected_at", None), limit_days, now))


def figure(*, measure: Measure, period: Period, now: dt.datetime) -> Tally:
    """``compute``'s figure, its decided cases and when time alone next decides one, worked
    out by the database in one aggregate over the same cases by the same rules: each case's
    first inspection update is a subquery on its log (``base.inspection_events``, every
    condition of ``is_inspection``), its time since the report compared in whole
    microseconds, as ``compute`` compares the two times. No case or event is read into
    Python. The regional comparison's kept figures are worked out so."""
    limit_days = parameter_days(measure, 5)
    limit = dt.timedelta(days=float(limit_days))
    cases = _inspected_cases(measure, period).values("opened_at", "status", "inspected_at")
    connection = connections[cases.db]
    took = microseconds_sql(connection.vendor, later="inspected_at", earlier="opened_at")
    # Not inspected and opened before ``late``: its days have passed (missed). After: it waits.
    late = connection.ops.adapt_datetimefield_value(now - limit)
    met, decided, first_waiting = tally_of(
        cases,
        f"COUNT(CASE WHEN inspected_at IS NOT NULL AND {took} <= %s THEN 1 END),"
        " COUNT(CASE WHEN inspected_at IS NOT NULL OR opened_at < %s THEN 1 END),"
        # An open case still within its days is decided by time when they end.
        " MIN(CASE WHEN inspected_at IS NULL AND opened_at >= %s AND status <> %s THEN opened_at END)",
        (limit // dt.timedelta(microseconds=1), late, late, Status.CLOSED.value),
    )
    opened = moment_of(first_waiting, cases.db)
    return Tally(share(met, decided), decided, None if opened is None else opened + limit)
