"""Reads of the performance app, always for one city: what the public dashboard shows.

Only published values of public measures reach the public. Each row carries its period's
target (from the year's target and split rule), the figure compared with it (the
year-to-date total under the cumulative rule), and the status from ``status.status_of``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from civicdesk.core import clock
from civicdesk.core.written import Written
from civicdesk.performance import periods
from civicdesk.performance.formatting import comparator, count_target, format_value
from civicdesk.performance.models import (
    Direction,
    Goal,
    Measure,
    MeasureTarget,
    MeasureValue,
    MeasureValueEvent,
    Objective,
    PlanYear,
    SplitRule,
    ToleranceKind,
    Unit,
    ValueAction,
    ValueState,
)
from civicdesk.performance.status import Status, status_of
from civicdesk.performance.targets import compared_value, period_target
from civicdesk.reports.charts import Chart
from civicdesk.tenants.models import City
from civicdesk.tenants.services import city_today


@dataclass(frozen=True)
class Correction:
    at: object
    note: str


@dataclass
class Row:
    """One period of one measure, as the public sees it."""

    period: periods.Period
    value: Decimal | None
    target: Decimal | None
    compared: Decimal | None
    status: Status
    value_text: str
    target_text: str
    compared_text: str
    narrative: str = ""
    case_count: int | None = None
    corrections: list[Correction] = field(default_factory=list)
    # The period has not ended: its figure is the one so far, and its status provisional.
    in_progress: bool = False
    # Where a split target comes from, e.g. "965 a year, 242 a quarter"; "" when the
    # year's target applies to each period as it is.
    target_origin: str = ""

    @property
    def is_cumulative(self) -> bool:
        return self.compared is not None and self.compared != self.value


@dataclass
class MeasureView:
    measure: Measure
    rows: list[Row]
    method: str
    split_rule: str = SplitRule.EVERY_PERIOD
    chart: Chart | None = None  # set by the page that draws it
    # The fiscal year of the plan it is shown under: a figure of an earlier year is history,
    # not this year's result.
    plan_year: int | None = None
    # The first period with a figure, when periods before it (a computed measure's first
    # quarters, before it had any case) were left out: the card says "No data before …" once.
    no_data_before: periods.Period | None = None
    # Periods were published, none of them with a figure: the card says so, with no chart of
    # targets alone and no table of "No data".
    no_figure_yet: bool = False
    # The other measure of the same benchmark: for a measure computed from the cases, the
    # department's own report of it; for a department's report, those computed from the cases.
    department_report: Measure | None = None
    computed_versions: list[Measure] = field(default_factory=list)

    @property
    def current(self) -> Row | None:
        """The latest period with a published value; None when nothing is published yet."""
        return self.rows[-1] if self.rows else None

    @property
    def last_figure(self) -> Row | None:
        """The latest period that has a figure: when the latest period has none, the card
        says so and shows this one as the last reported."""
        return next((row for row in reversed(self.rows) if row.compared is not None), None)

    @property
    def is_stale(self) -> bool:
        """Whether its latest figure is of a fiscal year before the plan's: nothing is
        reported for the plan's year yet (the demo's FY2018 figures under the FY2027 plan)."""
        row = self.current
        return row is not None and self.plan_year is not None and row.period.fiscal_year < self.plan_year

    @property
    def status(self) -> Status:
        """The headline: the latest figure's status, or "No data" when there is none for the
        plan's year (the last one is still shown, as history)."""
        if self.current is None or self.is_stale:
            return Status.NO_DATA
        return self.current.status


@dataclass
class ObjectiveView:
    objective: Objective
    measures: list[MeasureView]


@dataclass
class GoalView:
    goal: Goal
    objectives: list[ObjectiveView]


@dataclass
class Dashboard:
    city: City
    plan: PlanYear | None
    goals: list[GoalView]
    plan_years: list[PlanYear]

    def measure_views(self) -> list[MeasureView]:
        seen: dict[int, MeasureView] = {}
        for goal in self.goals:
            for objective in goal.objectives:
                for view in objective.measures:
                    seen.setdefault(view.measure.pk, view)
        return list(seen.values())


def format_for(measure: Measure, value: Decimal | None, *, target: bool = False) -> str:
    display = (measure.target_display_format or measure.display_format) if target else measure.display_format
    return format_value(value, unit=measure.unit, display=display, decimals=measure.decimals, exact=target)


def target_text(measure: Measure, target: Decimal | None) -> str:
    """e.g. "≥ 75%", "≤ 5.00 min"; "No target" when none is set. The target is written
    in the same form as the figures, so the two compare at a glance; when the plan writes it
    another way, that follows in brackets: "< 6.33 min (6:20)" beside "7.78 min"."""
    if target is None:
        return gettext("No target")
    sign = comparator(higher_is_better=measure.direction == Direction.HIGHER, strict=measure.target_is_strict)
    if measure.unit == Unit.COUNT:
        # Counts come whole (or at the measure's decimals): "≥ 242 jobs", not "≥ 241.25".
        return f"{sign} {format_for(measure, count_target(target, decimals=measure.decimals, sign=sign))}"
    as_figures = format_value(
        target, unit=measure.unit, display=measure.display_format, decimals=measure.decimals, exact=True
    )
    as_planned = format_for(measure, target, target=True)
    if as_planned != as_figures:
        return f"{sign} {as_figures} ({as_planned})"
    return f"{sign} {as_figures}"


def target_origin(measure: Measure, *, annual: Decimal, rule: str, period: periods.Period, target: Decimal) -> str:
    """How a period's target follows from the year's, when it is not the year's as is:
    "965 a year, 242 a quarter" (split evenly), "965 a year, 483 by the end of Q2"
    (cumulative)."""
    if rule == SplitRule.EVERY_PERIOD:
        return ""
    sign = comparator(higher_is_better=measure.direction == Direction.HIGHER, strict=measure.target_is_strict)
    shown = count_target(target, decimals=measure.decimals, sign=sign) if measure.unit == Unit.COUNT else target
    words = {"year": format_for(measure, annual, target=True), "period": format_for(measure, shown, target=True)}
    if rule == SplitRule.CUMULATIVE:
        words["when"] = period.short_label
        return gettext("%(year)s a year, %(period)s by the end of %(when)s") % words
    if period.frequency == periods.MONTHLY:
        return gettext("%(year)s a year, %(period)s a month") % words
    return gettext("%(year)s a year, %(period)s a quarter") % words


def measure_rows(measure: Measure, *, published_only: bool = True) -> tuple[list[Row], str]:
    """Every period with a value, oldest first, and the split rule of the latest target."""
    calendar = periods.calendar_for(measure.city)
    values = MeasureValue.objects.filter(measure=measure).order_by("fiscal_year", "period")
    if published_only:
        values = values.filter(state=ValueState.PUBLISHED)
    targets = {t.fiscal_year: t for t in MeasureTarget.objects.filter(measure=measure)}
    corrections: dict[int, list[Correction]] = defaultdict(list)
    for event in MeasureValueEvent.objects.filter(
        measure_value__measure=measure, action=ValueAction.CORRECTED
    ).order_by("at", "pk"):
        corrections[event.measure_value_id].append(Correction(at=event.at, note=event.note))
    by_year: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    value_list = list(values)
    for v in value_list:
        by_year[v.fiscal_year][v.period] = v.value
    rows = []
    higher = measure.direction == Direction.HIGHER
    now = clock.now()
    for v in value_list:
        period = periods.Period(calendar, v.fiscal_year, measure.frequency, v.period)
        yearly = targets.get(v.fiscal_year)
        rule = yearly.split_rule if yearly else SplitRule.EVERY_PERIOD
        target = (
            period_target(annual=yearly.value, rule=rule, index=v.period, periods_per_year=period.periods_per_year)
            if yearly
            else None
        )
        to_date = [by_year[v.fiscal_year].get(i) for i in range(1, v.period + 1)]
        compared = compared_value(rule=rule, values_to_date=to_date)
        status = status_of(
            compared,
            target=target,
            higher_is_better=higher,
            strict=measure.target_is_strict,
            tolerance=measure.tolerance,
            tolerance_is_percent=measure.tolerance_kind == ToleranceKind.PERCENT,
        )
        origin = (
            target_origin(measure, annual=yearly.value, rule=rule, period=period, target=target)
            if yearly and target is not None
            else ""
        )
        rows.append(
            Row(
                period=period,
                value=v.value,
                target=target,
                compared=compared,
                status=status,
                value_text=format_for(measure, v.value),
                target_text=target_text(measure, target),
                compared_text=format_for(measure, compared),
                narrative=v.narrative,
                case_count=v.case_count,
                corrections=corrections.get(v.pk, []),
                in_progress=period.end > now,
                target_origin=origin,
            )
        )
    latest = max(targets.values(), key=lambda t: t.fiscal_year, default=None)
    return rows, latest.split_rule if latest else SplitRule.EVERY_PERIOD


def method_of(measure: Measure) -> str:
    """The plain-language method: the measure's own (as the city wrote it), else its computed
    definition's (in the page's language: ``Written`` says which, for ``as_written``)."""
    if measure.method:
        return Written(measure.method, settings.LANGUAGE_CODE)
    if measure.is_computed:
        from civicdesk.performance.measures import DEFINITIONS

        module = DEFINITIONS.get(measure.computation)
        if module is not None:
            days = (measure.parameters or {}).get("days", 5)
            return Written(str(module.METHOD).format(days=days), translation.get_language() or settings.LANGUAGE_CODE)
    return ""


def measure_view(measure: Measure, *, plan_year: int | None = None) -> MeasureView:
    rows, rule = measure_rows(measure)
    # Periods before the first figure (a computed measure's quarters before it had any case)
    # are not listed one by one as "No data": the card says once where its figures begin.
    first = next((i for i, row in enumerate(rows) if row.value is not None), None)
    no_data_before = None
    no_figure_yet = first is None and bool(rows)
    if first is None:
        rows = []
    elif first > 0:
        rows, no_data_before = rows[first:], rows[first].period
    return MeasureView(
        measure=measure,
        rows=rows,
        method=method_of(measure),
        split_rule=rule,
        plan_year=plan_year,
        no_data_before=no_data_before,
        no_figure_yet=no_figure_yet,
        department_report=(
            measure.department_report
            if measure.department_report_id and measure.department_report and measure.department_report.is_public
            else None
        ),
        # Read from the dashboard's prefetch where there is one (no query a measure).
        computed_versions=sorted(
            (m for m in measure.computed_versions.all() if m.is_public), key=lambda m: (m.order, m.name)
        ),
    )


def plan_years(city: City) -> list[PlanYear]:
    return list(PlanYear.objects.filter(city=city).order_by("-fiscal_year"))


def current_plan(city: City, years: list[PlanYear]) -> PlanYear | None:
    """The plan of the current fiscal year, else the latest before it, else the first."""
    calendar = periods.calendar_for(city)
    this_year = calendar.fiscal_year_of(city_today(city))
    for plan in years:  # newest first
        if plan.fiscal_year <= this_year:
            return plan
    return years[-1] if years else None


def public_measure(city: City, measure_id: int) -> Measure | None:
    return Measure.objects.filter(city=city, pk=measure_id, is_public=True).select_related("city").first()


def dashboard(
    city: City, *, fiscal_year: int | None = None, goal_id: int | None = None, priorities_only: bool = False
) -> Dashboard:
    """The public dashboard of ``city``: the plan's goals, objectives and public measures."""
    years = plan_years(city)
    plan = next((p for p in years if p.fiscal_year == fiscal_year), None) if fiscal_year else None
    plan = plan or current_plan(city, years)
    goals: list[GoalView] = []
    views: dict[int, MeasureView] = {}
    if plan is not None:
        goal_qs = plan.goals.all()
        if goal_id is not None:
            goal_qs = goal_qs.filter(pk=goal_id)
        for goal in goal_qs:
            objectives = goal.objectives.all()
            if priorities_only:
                objectives = objectives.filter(is_top_priority=True)
            objective_views = []
            for objective in objectives:
                measures = (
                    objective.measures.filter(is_public=True, city=city)
                    .select_related("city", "department_report")
                    .prefetch_related("computed_versions")
                )
                mviews = []
                for measure in measures.order_by("order", "name"):
                    if measure.pk not in views:
                        views[measure.pk] = measure_view(measure, plan_year=plan.fiscal_year)
                    mviews.append(views[measure.pk])
                objective_views.append(ObjectiveView(objective=objective, measures=mviews))
            if objective_views or not priorities_only:
                goals.append(GoalView(goal=goal, objectives=objective_views))
    return Dashboard(city=city, plan=plan, goals=goals, plan_years=years)
