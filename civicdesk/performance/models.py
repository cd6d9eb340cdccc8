"""The strategic plan and its measures, the targets of each fiscal year and the values
reported for each period.

How history survives a change of plan: a city adopts one ``PlanYear`` per fiscal year, with
its own goals and objectives (copied forward and edited when the plan changes). A
``Measure`` lives outside any one year — it belongs to the city — and an objective lists
the measures it tracks that year (``Objective.measures``). Values and targets hang off the
measure and a fiscal period, so a measure dropped from next year's plan keeps its past
values, and last year's plan still shows what it tracked then.

Numbers are decimals in the measure's stored unit: per cent as 0–100, counts, money in
dollars, and every duration (minutes, seconds, days) in SECONDS; ``formatting`` shows them
the way the city writes them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicdesk.core.models import AppendOnlyModel
from civicdesk.performance.formatting import format_value


class FiscalYearNaming(models.TextChoices):
    ENDING = "ending", _("By the calendar year it ends in (July 2017 – June 2018 is FY2018)")
    STARTING = "starting", _("By the calendar year it starts in (July 2017 – June 2018 is FY2017)")


class DashboardSettings(models.Model):
    """A city's settings for its dashboard that the tenants app does not hold."""

    city = models.OneToOneField(
        "tenants.City", on_delete=models.CASCADE, related_name="performance_settings", verbose_name=_("city")
    )
    fiscal_year_naming = models.CharField(
        _("fiscal year naming"), max_length=10, choices=FiscalYearNaming.choices, default=FiscalYearNaming.ENDING
    )
    introduction = models.TextField(
        _("introduction"), blank=True, help_text=_("Shown at the top of the public dashboard.")
    )
    # The business day of measures such as "calls held over to the following business day"
    # (``core.business_days``): a call after closing or on a closed day belongs to the next one.
    business_day_opens = models.TimeField(
        _("business day opens"), default=dt.time(8), help_text=_("When the offices open, e.g. 8:00.")
    )
    business_day_closes = models.TimeField(
        _("business day closes"),
        default=dt.time(17),
        help_text=_("When the offices close, e.g. 17:00. A call after it belongs to the next business day."),
    )
    business_weekdays = models.CharField(
        _("business weekdays"),
        max_length=7,
        default="12345",
        validators=[RegexValidator(r"^[1-7]{1,7}$", _("Write the days as numbers from 1 (Monday) to 7 (Sunday)."))],
        help_text=_("The days the offices work, Monday = 1 … Sunday = 7: 12345 is Monday to Friday."),
    )
    observes_federal_holidays = models.BooleanField(
        _("observes federal holidays"),
        default=True,
        help_text=_("The offices are closed on the US federal holidays (as observed)."),
    )
    other_closed_days = models.TextField(
        _("other closed days"),
        blank=True,
        help_text=_(
            "Other days the offices are closed, one date a line, e.g. 2026-11-27 (the day after Thanksgiving)."
        ),
    )

    class Meta:
        verbose_name = _("dashboard settings")
        verbose_name_plural = _("dashboard settings")

    def __str__(self) -> str:
        return f"Dashboard settings of {self.city}"

    def closed_days(self) -> list[dt.date]:
        """``other_closed_days`` as dates; a line that is not a date is refused by ``clean``."""
        return [dt.date.fromisoformat(line.strip()) for line in self.other_closed_days.splitlines() if line.strip()]

    def clean(self) -> None:
        super().clean()
        errors = {}
        try:
            self.closed_days()
        except ValueError:
            errors["other_closed_days"] = _("Write one date a line, as 2026-11-27.")
        if self.business_day_opens and self.business_day_closes and self.business_day_closes <= self.business_day_opens:
            errors["business_day_closes"] = _("The offices close after they open.")
        if errors:
            raise ValidationError(errors)


class PlanYear(models.Model):
    """The strategic plan as adopted for one fiscal year."""

    city = models.ForeignKey(
        "tenants.City", on_delete=models.CASCADE, related_name="plan_years", verbose_name=_("city")
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(1990), MaxValueValidator(2200)]
    )
    title = models.CharField(_("title"), max_length=200, help_text=_("e.g. Independence for All"))
    purpose = models.TextField(_("purpose"), blank=True)
    mission = models.TextField(_("mission"), blank=True)

    class Meta:
        verbose_name = _("plan year")
        verbose_name_plural = _("plan years")
        ordering = ["city", "-fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["city", "fiscal_year"], name="one_plan_per_city_and_year")]

    def __str__(self) -> str:
        return f"{self.title} (FY{self.fiscal_year})"

    @property
    def fiscal_year_label(self) -> str:
        """``FY2027`` in the reader's language (``AF2027`` in Spanish), as the periods say it."""
        return gettext("FY%(year)s") % {"year": self.fiscal_year}


class Goal(models.Model):
    plan_year = models.ForeignKey(PlanYear, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan year"))
    name = models.CharField(_("name"), max_length=200)
    statement = models.CharField(
        _("statement"), max_length=300, blank=True, help_text=_("e.g. Improve customer service")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["plan_year", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["plan_year", "name"], name="goal_name_unique_in_plan")]

    def __str__(self) -> str:
        return self.name


class Unit(models.TextChoices):
    PERCENT = "percent", _("Percent")
    COUNT = "count", _("Count")
    MONEY = "money", _("Money (dollars)")
    SECONDS = "seconds", _("Duration shown in seconds")
    MINUTES = "minutes", _("Duration shown in minutes")
    DAYS = "days", _("Duration shown in days")


DURATION_UNITS = {Unit.SECONDS, Unit.MINUTES, Unit.DAYS}


class DisplayFormat(models.TextChoices):
    DECIMAL = "decimal", _("Decimal, e.g. 7.78 min, 81%, 342")
    CLOCK = "clock", _("Minutes and seconds, e.g. 7:47 (durations only)")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Frequency(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly (fiscal quarters)")
    MONTHLY = "monthly", _("Monthly (fiscal months)")


class Source(models.TextChoices):
    ENTERED = "entered", _("Entered by a department")
    COMPUTED = "computed", _("Computed from the service requests")


class ToleranceKind(models.TextChoices):
    ABSOLUTE = "absolute", _("In the measure's unit")
    PERCENT = "percent", _("Percent of the target")


class Measure(models.Model):
    """One thing the city measures. It outlives any one year's plan (see the module doc)."""

    city = models.ForeignKey("tenants.City", on_delete=models.CASCADE, related_name="measures", verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=300)
    definition = models.TextField(_("definition"), help_text=_("What is measured, in plain language."))
    method = models.TextField(_("method"), blank=True, help_text=_("How it is measured: where the figures come from."))
    department = models.ForeignKey(
        "tenants.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
        help_text=_("The department that reports it; its staff enter and submit values."),
        verbose_name=_("department"),
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    display_format = models.CharField(
        _("display format"), max_length=10, choices=DisplayFormat.choices, default=DisplayFormat.DECIMAL
    )
    target_display_format = models.CharField(
        _("target display format"),
        max_length=10,
        choices=DisplayFormat.choices,
        blank=True,
        help_text=_(
            'How the target is written, if not like the values (the fire target is "6:20", its values "7.78 min").'
        ),
    )
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=0, validators=[MaxValueValidator(4)])
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    target_is_strict = models.BooleanField(
        _("target is strict"),
        default=False,
        help_text=_('Strict: the value must beat the target ("< 6:20"). Otherwise equal counts as met ("≤ 5 min").'),
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.QUARTERLY)
    tolerance_kind = models.CharField(
        _("tolerance kind"), max_length=10, choices=ToleranceKind.choices, default=ToleranceKind.ABSOLUTE
    )
    tolerance = models.DecimalField(
        _("tolerance"),
        max_digits=14,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_('Width of the "Under Goal" band on the wrong side of the target (0: no band).'),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ENTERED)
    computation = models.CharField(
        _("computation"), max_length=60, blank=True, help_text=_("For computed measures: which definition computes it.")
    )
    service_codes = models.JSONField(
        _("service codes"),
        default=list,
        blank=True,
        help_text=_('For computed measures: the service codes it covers, e.g. ["pothole"].'),
    )
    parameters = models.JSONField(
        _("parameters"), default=dict, blank=True, help_text=_('For computed measures: settings such as {"days": 5}.')
    )
    is_public = models.BooleanField(_("is public"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # A measure computed from the cases that has a hand-reported twin (the department's own
    # figure for the same benchmark): the dashboard says on each card how the two relate.
    department_report = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="computed_versions",
        help_text=_(
            "For a measure computed from the 311 cases: the department's own report of the same measure, if it "
            "has one. The dashboard says how the two relate."
        ),
        verbose_name=_("department report"),
    )

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["city", "order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        clock = DisplayFormat.CLOCK in (self.display_format, self.target_display_format)
        if clock and self.unit not in DURATION_UNITS:
            errors["display_format"] = _("Minutes and seconds only suit durations.")
        if self.source == Source.COMPUTED:
            from civicdesk.performance.measures import DEFINITIONS

            if self.computation not in DEFINITIONS:
                errors["computation"] = _("Choose the definition that computes this measure.")
        elif self.computation:
            errors["computation"] = _("Only computed measures have a definition.")
        if not isinstance(self.service_codes, list) or not all(isinstance(c, str) for c in self.service_codes):
            errors["service_codes"] = _('Write the service codes as a list of strings, e.g. ["pothole"].')
        if not isinstance(self.parameters, dict):
            errors["parameters"] = _('Write the settings as an object, e.g. {"days": 5}.')
        if self.department_id and self.department and self.department.city_id != self.city_id:
            errors["department"] = _("The department must belong to the same city.")
        if self.department_report_id:
            report = self.department_report
            if self.source != Source.COMPUTED:
                errors["department_report"] = _("Only a measure computed from the cases has a department's report.")
            elif report is None or report.city_id != self.city_id or report.is_computed or report.pk == self.pk:
                errors["department_report"] = _("Choose a measure of the same city that the department reports.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_computed(self) -> bool:
        return self.source == Source.COMPUTED


class Objective(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("goal"))
    name = models.CharField(_("name"), max_length=300)
    is_top_priority = models.BooleanField(
        _("is top priority"), default=False, help_text=_("One of the year's top priorities.")
    )
    measures = models.ManyToManyField(Measure, blank=True, related_name="objectives", verbose_name=_("measures"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["goal", "order", "name"]

    def __str__(self) -> str:
        return self.name


class SplitRule(models.TextChoices):
    EVERY_PERIOD = "every_period", _("The same target every period (rates, averages, percentages)")
    EVEN = "even", _("Annual target split evenly (965 a year is 241.25 a quarter)")
    CUMULATIVE = "cumulative", _("Annual target, cumulative year to date (compared with the year-to-date total)")


class MeasureTarget(models.Model):
    """A measure's target for one fiscal year, and how it applies to each period."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="targets", verbose_name=_("measure"))
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    value = models.DecimalField(
        _("value"), max_digits=14, decimal_places=4, help_text=_("In the measure's stored unit.")
    )
    split_rule = models.CharField(
        _("split rule"), max_length=12, choices=SplitRule.choices, default=SplitRule.EVERY_PERIOD
    )

    class Meta:
        verbose_name = _("measure target")
        verbose_name_plural = _("measure targets")
        ordering = ["measure", "-fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "fiscal_year"], name="one_target_per_measure_and_year")
        ]

    def __str__(self) -> str:
        # As the dashboard writes it ("5:00", "75%"), not the stored number (300.0000 s).
        measure = self.measure
        shown = format_value(
            self.value,
            unit=measure.unit,
            display=measure.target_display_format or measure.display_format,
            decimals=measure.decimals,
            exact=True,
        )
        return f"{measure} FY{self.fiscal_year}: {shown}"


class ValueState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class MeasureValue(models.Model):
    """The value of a measure for one fiscal period (quarter or month)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="values", verbose_name=_("measure"))
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    period = models.PositiveSmallIntegerField(
        _("period"), validators=[MinValueValidator(1), MaxValueValidator(12)], help_text=_("Quarter 1–4 or month 1–12.")
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ValueState.choices, default=ValueState.DRAFT)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ENTERED)
    # Computed values: how many cases were decided, and when the figure was last worked out.
    case_count = models.PositiveIntegerField(_("case count"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    correction_note = models.TextField(_("correction note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("measure value")
        verbose_name_plural = _("measure values")
        ordering = ["measure", "fiscal_year", "period"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "fiscal_year", "period"], name="one_value_per_measure_period")
        ]

    def __str__(self) -> str:
        return f"{self.measure} FY{self.fiscal_year} #{self.period}"

    @property
    def is_published(self) -> bool:
        return self.state == ValueState.PUBLISHED


class ValueAction(models.TextChoices):
    ENTERED = "entered", _("Entered")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    CORRECTED = "corrected", _("Corrected")
    COMPUTED = "computed", _("Computed")


class MeasureValueEvent(AppendOnlyModel):
    """One step of a value's life: who did what, when, and the value before and after."""

    measure_value = models.ForeignKey(
        MeasureValue, on_delete=models.PROTECT, related_name="events", verbose_name=_("measure value")
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=12, choices=ValueAction.choices)
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True, help_text=_("field: [before, after]"))

    class Meta:
        verbose_name = _("measure value event")
        verbose_name_plural = _("measure value events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class CommonMeasure(models.Model):
    """A measure the cities of a region define the same way, for the regional comparison.

    The rule is one computed definition (``computation``, a module of ``measures``) and its
    ``parameters``; each member city maps its own service types onto it
    (``CommonMeasureMapping``), since one city's "CE - Trash/Rubbish" is another's "Trash".
    A figure resting on fewer than ``minimum_cases`` cases is shown as "too few cases"
    instead of a rate that one case could swing.
    """

    region = models.ForeignKey(
        "tenants.Region", on_delete=models.CASCADE, related_name="common_measures", verbose_name=_("region")
    )
    key = models.SlugField(
        _("key"), max_length=80, help_text=_("Stable name in URLs and exports, e.g. potholes-median-days.")
    )
    name = models.CharField(_("name"), max_length=300)
    definition = models.TextField(
        _("definition"), help_text=_("What is measured, in plain language, as every city agreed it.")
    )
    computation = models.CharField(
        _("computation"), max_length=60, help_text=_("Which computed definition works it out.")
    )
    parameters = models.JSONField(
        _("parameters"), default=dict, blank=True, help_text=_('Settings such as {"days": 5}.')
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=0, validators=[MaxValueValidator(4)])
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction.choices,
        blank=True,
        help_text=_("Leave blank when neither a higher nor a lower figure is better (e.g. requests per resident)."),
    )
    per_resident = models.BooleanField(
        _("per resident"),
        default=False,
        help_text=_("Compare the figure per resident (for counts, where a city's size matters)."),
    )
    per_residents = models.PositiveIntegerField(
        _("per residents"),
        default=1000,
        validators=[MinValueValidator(1)],
        help_text=_("Per how many residents: 1,000 by default."),
    )
    minimum_cases = models.PositiveIntegerField(
        _("minimum cases"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_('Below this many cases a city\'s figure is shown as "too few cases" and left out of the median.'),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_public = models.BooleanField(_("is public"), default=True)

    class Meta:
        verbose_name = _("common measure")
        verbose_name_plural = _("common measures")
        ordering = ["region", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "key"], name="common_measure_key_unique_in_region")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from civicdesk.performance.measures import DEFINITIONS

        errors: dict[str, Any] = {}
        if self.computation not in DEFINITIONS:
            errors["computation"] = _("Choose the definition that computes this measure.")
        if not isinstance(self.parameters, dict):
            errors["parameters"] = _('Write the settings as an object, e.g. {"days": 5}.')
        if self.per_resident and self.unit != Unit.COUNT:
            errors["per_resident"] = _("Only a count can be turned into a rate per resident.")
        if errors:
            raise ValidationError(errors)


class CommonMeasureMapping(models.Model):
    """Which of one city's service types a common measure covers in that city."""

    common_measure = models.ForeignKey(
        CommonMeasure, on_delete=models.CASCADE, related_name="mappings", verbose_name=_("common measure")
    )
    city = models.ForeignKey(
        "tenants.City", on_delete=models.CASCADE, related_name="common_measure_mappings", verbose_name=_("city")
    )
    service_codes = models.JSONField(
        _("service codes"), default=list, help_text=_('The city\'s service codes, e.g. ["pothole"].')
    )

    class Meta:
        verbose_name = _("common measure mapping")
        verbose_name_plural = _("common measure mappings")
        ordering = ["common_measure", "city"]
        constraints = [
            models.UniqueConstraint(fields=["common_measure", "city"], name="one_mapping_per_common_measure_and_city")
        ]

    def __str__(self) -> str:
        return f"{self.common_measure} in {self.city}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        codes = self.service_codes
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) and c for c in codes):
            errors["service_codes"] = _('List at least one service code, e.g. ["pothole"].')
        if self.common_measure_id and self.city_id and self.city.region_id != self.common_measure.region_id:
            errors["city"] = _("The city must belong to the measure's region.")
        if errors:
            raise ValidationError(errors)


class RegionalFigure(models.Model):
    """One city's figure for a common measure and calendar period, as last computed, kept so
    that the regional comparison page need not work it out from every case on each visit.

    The task worker keeps the current and previous quarters' (and months') up to date
    (``tasks.regional_figures_refresh``): it works a figure out again only when something
    that feeds it may have changed (a case of the city, time reaching a case not yet decided,
    a change that forgot the city's figures: ``regional.needs_working_out``) and otherwise
    marks it checked. The page uses a kept figure while it was checked less than
    ``REGIONAL_FIGURES_SECONDS`` ago and still holds (``regional.still_holds``), and otherwise
    computes it live and keeps it. A change to the measure, its mappings, a member city, its
    service types or business days, or an import, forgets the city's figures
    (``RegionalFiguresForgotten``, written by ``signals``). Only the figure and the number of
    cases behind it are kept: the standing, the rate and the words are worked out from them
    on each visit by ``regional``."""

    common_measure = models.ForeignKey(
        CommonMeasure, on_delete=models.CASCADE, related_name="kept_figures", verbose_name=_("common measure")
    )
    city = models.ForeignKey(
        "tenants.City", on_delete=models.CASCADE, related_name="regional_figures", verbose_name=_("city")
    )
    period = models.CharField(_("period"), max_length=10)  # a calendar period's key: 2026-q4, 2026-m12
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=10, null=True, blank=True)
    cases = models.PositiveIntegerField(_("cases"))
    computed_at = models.DateTimeField(_("computed at"))  # when it was worked out from the cases
    # When it was last known to hold: worked out, or found with nothing that feeds it changed.
    checked_at = models.DateTimeField(_("checked at"))
    # The soonest moment time alone changes it (a case not yet decided reaching its due date or
    # deadline); None when only a change to a case can.
    changes_at = models.DateTimeField(_("changes at"), null=True, blank=True)
    # How many times its city's figures had been forgotten (``RegionalFiguresForgotten``) when
    # its computation started: fewer than now means it was worked out from data read before a
    # change, and it no longer holds.
    forgotten_times = models.PositiveBigIntegerField(_("forgotten times"), default=0)

    class Meta:
        verbose_name = _("regional figure")
        verbose_name_plural = _("regional figures")
        constraints = [
            models.UniqueConstraint(
                fields=["common_measure", "city", "period"], name="one_regional_figure_per_measure_city_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.common_measure} in {self.city}, {self.period}"


class RegionalFiguresForgotten(models.Model):
    """How many times a city's kept regional figures have been forgotten: a change that makes
    them wrong (its service types, business days, population, a measure or mapping of its,
    an import) adds one, in the writer's own transaction (``signals``). A computation reads
    the count before it reads any case and stamps its figure with it
    (``RegionalFigure.forgotten_times``), so a figure worked out from data read before a
    change is known for what it is however the two interleave, and is never kept or served
    as holding (``regional.still_holds``). A count, not a time: no clock (the frozen clock of
    an import, two servers' clocks) can make an old figure look newer than the change."""

    city = models.OneToOneField(
        "tenants.City",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="regional_figures_forgotten",
        verbose_name=_("city"),
    )
    times = models.PositiveBigIntegerField(_("times"), default=0)

    class Meta:
        verbose_name = _("regional figures forgotten")
        verbose_name_plural = _("regional figures forgotten")

    def __str__(self) -> str:
        return f"{self.city}: figures forgotten {self.times} times"
