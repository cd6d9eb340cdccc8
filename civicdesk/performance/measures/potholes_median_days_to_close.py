"""Median days to close (lower is better), e.g. of potholes.

Cases: the city's cases of the measure's service types CLOSED in the period (their latest
closing, for a reopened case), leaving out those closed as duplicates (they took no work of
their own). The figure is the median of the time from report to closing; stored in seconds,
shown in days.

Each case in the drill-down is marked met when it closed within the measure's
``{"days": N}`` if set, else within the measure's own target for the period (the figure's
target: "≤ 3.0 days"), else within its service type's target, counted as a new case's due
date counts it, in calendar or business days (unmarked when none is known). The
drill-down's groups say which of these it is, so a case closed in 3.4 days is never listed
as meeting a 3-day goal.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.db.models import BigIntegerField, Case, DateTimeField, F, Q, Value, When
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext, gettext_lazy, pgettext

from civicdesk.cases.models import Resolution, Status
from civicdesk.cases.time_to_close import median_ranks
from civicdesk.catalog import targets
from civicdesk.catalog.models import ServiceType
from civicdesk.core.business_days import BusinessCalendar
from civicdesk.performance.formatting import comparator, format_value
from civicdesk.performance.measures.base import (
    CaseResult,
    Computation,
    Listing,
    MicrosecondsBetween,
    Tally,
    cases_of,
    days,
    describe_days,
    is_duplicate,
    marked,
    outcome,
    stretches,
    wall_clock_edges,
)
from civicdesk.performance.periods import business_calendar_for
from civicdesk.performance.targets import period_target

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from civicdesk.cases.models import ServiceRequest
    from civicdesk.performance.models import Measure
    from civicdesk.performance.periods import Period

KEY = "potholes_median_days_to_close"
TITLE = "Median days to close"
UNIT = "days"
DIRECTION = "lower"
# Every listed case is in the median, whether or not it can be marked met or missed.
EVERY_CASE_COUNTS = True
METHOD = gettext_lazy(
    "The median time from the report to its closing, over the cases of these types closed in the period "
    "(duplicates left out). Half the cases closed faster, half slower."
)


def measure_target(measure: Measure, period: Period) -> Decimal | None:
    """The measure's own target for ``period`` (seconds), or None when it has none (the
    regional comparison's stand-in measures have none)."""
    from civicdesk.performance.models import MeasureTarget

    if measure.pk is None:
        return None
    yearly = MeasureTarget.objects.filter(measure_id=measure.pk, fiscal_year=period.fiscal_year).first()
    if yearly is None:
        return None
    return period_target(
        annual=yearly.value, rule=yearly.split_rule, index=period.index, periods_per_year=period.periods_per_year
    )


def _closed_in(measure: Measure, period: Period) -> QuerySet[ServiceRequest]:
    """The cases in the median: closed in the period (latest closing), duplicates left out."""
    return (
        cases_of(measure)
        .prefetch_related(None)
        .filter(status=Status.CLOSED, closed_at__gte=period.start, closed_at__lt=period.end)
        .exclude(resolution=Resolution.DUPLICATE)
    )


def _labels(measure: Measure, fixed: Any, target: Decimal | None, strict: bool) -> tuple[str, str]:
    """What met and missed mean, by the rule the cases are marked by."""
    if fixed is not None:
        limit_text = format_value(Decimal(str(fixed)) * 86400, unit="days", decimals=measure.decimals, exact=True)
        return (
            gettext("Closed within %(days)s") % {"days": limit_text},
            gettext("Closed in more than %(days)s") % {"days": limit_text},
        )
    if target is not None:
        sign = comparator(higher_is_better=False, strict=strict)
        shown = f"{sign} {format_value(target, unit='days', decimals=measure.decimals, exact=True)}"
        return (
            gettext("Within the measure's target (%(target)s)") % {"target": shown},
            gettext("Over the measure's target (%(target)s)") % {"target": shown},
        )
    return (
        pgettext("cases closed", "Within their type's target time"),
        pgettext("cases closed", "After their type's target time"),
    )


def compute(*, measure: Measure, period: Period, now: dt.datetime) -> Computation:
    fixed = (measure.parameters or {}).get("days")
    target = None if fixed is not None else measure_target(measure, period)
    strict = target is not None and measure.target_is_strict
    met_label, missed_label = _labels(measure, fixed, target, strict)
    calendar: BusinessCalendar | None = None  # read once, if a type counts business days
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
        met: bool | None
        if target is not None:
            # At the precision the case's line shows ("Closed in 3.0 days" is within "≤ 3.0 days").
            seconds = days(took).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) * 86400
            met = seconds < target if strict else seconds <= target
        elif fixed is not None:
            met = took <= dt.timedelta(days=float(fixed))
        else:
            # The type's target as a new case's due date counts it (calendar or business days).
            if calendar is None and case.service_type.target_in_business_days:
                calendar = business_calendar_for(measure.city)
            due = targets.due_at(case.service_type, case.opened_at, calendar=calendar)
            met = None if due is None else case.closed_at <= due
        results.append(CaseResult(case, met, gettext("Closed in %(days)s") % {"days": describe_days(took)}))
    value = Decimal(statistics.median(durations)) if durations else None
    return Computation(value, results, met_label=met_label, missed_label=missed_label)


# A tenth of a day, and half of one, in microseconds: a case's line rounds its days to a tenth.
TENTH_US, HALF_TENTH_US = 8_640_000_000, 4_320_000_000


def tenths_of_a_day(took: Any) -> Case:
    """``took`` (whole microseconds) in tenths of a day, rounded half away from zero, as
    ``describe_days`` rounds it (``ROUND_HALF_UP``): integer arithmetic on both databases."""
    return Case(
        When(GreaterThanOrEqual(took, 0), then=(took + HALF_TENTH_US) / TENTH_US),
        default=-((HALF_TENTH_US - took) / TENTH_US),
        output_field=BigIntegerField(),
    )


def business_due(calendar: BusinessCalendar, counts: list[int], period: Period) -> Case:
    """The due date ``targets.due_at`` gives a case of a type counting ``N`` business days (N
    one of ``counts``), as a ``CASE`` of its opening and its type's days, for the cases closed
    in ``period``. The due date is the calendar's (``end_of_business_days``) for the date the
    case was opened on the city's clock, which changes only at midnight or when the clocks
    change (``base.wall_clock_edges``): it is worked out at the first moment of each stretch
    between those. It never falls earlier for a later date, so only the openings whose due
    date can fall in the period need a stretch each: a case opened a day or more before the
    first of them was due before the period began (given the period's start less a
    microsecond: missed, since it closed in the period), one opened a day or more after the
    last is due after the period ends (given its end: met, as it closed before that)."""
    tz, when_due = calendar.tz, []
    for count in counts:

        def due(moment: dt.datetime, count: int = count) -> dt.datetime:
            return calendar.end_of_business_days(moment, count).astimezone(dt.UTC)

        early = period.start - dt.timedelta(days=1)
        while due(early) >= period.start:
            early -= dt.timedelta(days=1)
        late = period.end
        while due(late) < period.end:
            late += dt.timedelta(days=1)
        # A day either side: the clocks never go back a whole day.
        early, late = early - dt.timedelta(days=1), late + dt.timedelta(days=1)
        typed = Q(service_type__target_days=count)
        when_due.append(When(typed & Q(opened_at__lt=early), then=Value(period.start - dt.timedelta(microseconds=1))))
        edges = wall_clock_edges(tz, early, late)
        when_due += [When(typed & Q(opened_at__lt=until), then=Value(at)) for until, at in stretches(edges, late, due)]
        when_due.append(When(typed, then=Value(period.end)))
    return Case(*when_due, output_field=DateTimeField())


def listing(*, measure: Measure, period: Period, now: dt.datetime) -> Listing:
    """``compute``'s cases in its order, each marked by the database by the same rule, for a
    page to count and read a page of: within the measure's ``{"days": N}`` (whole
    microseconds), its own target (the days rounded to the tenth the line shows, compared as
    whole tenths: n tenths meet a target T when n × 8,640 s ≤ T, or < T when strict), or its
    type's target, in calendar days (whole microseconds) or in business days (its due date
    ``targets.due_at`` gives it, a CASE of its opening: ``business_due``)."""
    fixed = (measure.parameters or {}).get("days")
    target = None if fixed is not None else measure_target(measure, period)
    strict = target is not None and measure.target_is_strict
    took = MicrosecondsBetween(F("closed_at"), F("opened_at"))
    cases = _closed_in(measure, period).order_by("closed_at", "pk")
    if target is not None:
        # The most tenths that meet it: n × 8,640 ≤ T (or < T), worked out exactly.
        ratio = Fraction(target) / 8640
        most = math.floor(ratio) if not strict else math.ceil(ratio) - 1
        met, missed = Q(LessThanOrEqual(tenths_of_a_day(took), most)), Q(pk__isnull=False)
    elif fixed is not None:
        limit = dt.timedelta(days=float(fixed))
        met, missed = Q(LessThanOrEqual(took, limit // dt.timedelta(microseconds=1))), Q(pk__isnull=False)
    else:
        typed = Q(service_type__target_days__gt=0)
        met = typed & Q(
            Q(service_type__target_in_business_days=False)
            & Q(LessThanOrEqual(took, F("service_type__target_days") * 86_400_000_000))
        )
        by_business_days = ServiceType.objects.filter(
            code__in=list(measure.service_codes), target_in_business_days=True, target_days__gt=0
        )
        counts = sorted({days for days in by_business_days.values_list("target_days", flat=True) if days})
        if counts:
            due = business_due(business_calendar_for(measure.city), counts, period)
            met |= typed & Q(service_type__target_in_business_days=True) & Q(LessThanOrEqual(F("closed_at"), due))
        missed = typed
    met_label, missed_label = _labels(measure, fixed, target, strict)

    def result(case: ServiceRequest) -> CaseResult:
        assert case.closed_at is not None  # every case listed is closed
        took = case.closed_at - case.opened_at
        return CaseResult(case, marked(case), gettext("Closed in %(days)s") % {"days": describe_days(took)})

    return Listing(cases.annotate(outcome=outcome(met=met, missed=missed)), result, met_label, missed_label)


def figure(*, measure: Measure, period: Period, now: dt.datetime) -> Tally:
    """``compute``'s median and the cases behind it (every case closed in the period but
    duplicates), worked out by the database: it counts the cases and returns only the one or
    two at the median's ranks (``cases.time_to_close.median_ranks``), whose times are then
    taken and averaged exactly as ``compute`` does (the same seconds, the same
    ``statistics.median``), so the two never differ. Whether a case met a target does not
    enter the median, and every case in it is closed, so time alone never changes it."""
    count, middle = median_ranks(_closed_in(measure, period))
    if not count:
        return Tally(None, 0)
    seconds = [Decimal(dt.timedelta(microseconds=us).total_seconds()) for us in middle]
    return Tally(Decimal(statistics.median(seconds)), count)


def stored_figure(*, measure: Measure, period: Period, now: dt.datetime) -> tuple[Decimal | None, int]:
    """What the nightly stores (``services.measure_stored_figure``): ``compute``'s median and
    its count of decided cases (marked met or missed), worked out by the database. The median
    is ``figure``'s. Which cases are decided depends on the rule ``compute`` marks them by, not
    on when they closed: against the measure's ``{"days": N}`` or its own target for the
    period every case in the median is met or missed; against its type's target only a case of
    a type with target days is (``targets.due_at`` gives the others no due date), a count of
    the same cases by their type. Whether a decided case met its target never changes the
    count, so the business-day due dates ``compute`` works out are not needed here."""
    fixed = (measure.parameters or {}).get("days")
    if fixed is not None:
        Decimal(str(fixed))  # refused as ``compute`` refuses it, when it is not a number
    every_case_decided = fixed is not None or measure_target(measure, period) is not None
    tally = figure(measure=measure, period=period, now=now)
    if every_case_decided or not tally.cases:
        return tally.value, tally.cases
    return tally.value, _closed_in(measure, period).filter(service_type__target_days__gt=0).count()
