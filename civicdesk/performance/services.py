"""Every write of the performance app: the value workflow, the computed measures and the
regional comparison's kept figures.

An entered value moves draft → submitted → approved → published. A reviewer may return a
submitted or approved value to draft with a note. A published value is never edited
silently: ``measure_value_correct`` changes it with a note the public page shows. Every
step writes one ``MeasureValueEvent`` (append-only), in the same transaction.

A computed value is worked out from the cases by its definition and published at once: no
one typed it, so there is nothing to review; its audit event records each change of figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from civicdesk.accounts.models import User
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.core.errors import InvalidTransition
from civicdesk.performance import periods
from civicdesk.performance.measures import DEFINITIONS
from civicdesk.performance.measures.base import Computation, Listing
from civicdesk.performance.models import (
    CommonMeasure,
    CommonMeasureMapping,
    Measure,
    MeasureValue,
    MeasureValueEvent,
    RegionalFigure,
    Source,
    ValueAction,
    ValueState,
)
from civicdesk.performance.permissions import Step, require
from civicdesk.tenants.models import City, Region
from civicdesk.tenants.services import city_today

MAX_TEXT = 5000


def _text(value: str, *, field: str, required: bool = False) -> str:
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("Write a note: it is what the public reads.")})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("Keep it under %(n)s characters.") % {"n": f"{MAX_TEXT:,}"}})
    return value


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _event(
    measure_value: MeasureValue,
    action: str,
    *,
    actor: User | None,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> MeasureValueEvent:
    return MeasureValueEvent.objects.create(
        measure_value=measure_value, at=clock.now(), actor=actor, action=action, note=note, changes=changes or {}
    )


def _locked(measure_value: MeasureValue) -> MeasureValue:
    return MeasureValue.objects.select_for_update().select_related("measure").get(pk=measure_value.pk)


def _move(measure_value: MeasureValue, *, to: str, action: str, actor: User | None, note: str = "") -> MeasureValue:
    before = measure_value.state
    measure_value.state = to
    measure_value.updated_at = clock.now()
    fields = ["state", "updated_at"]
    if to == ValueState.PUBLISHED:
        measure_value.published_at = clock.now()
        fields.append("published_at")
    measure_value.save(update_fields=fields)
    _event(measure_value, action, actor=actor, note=note, changes={"state": [before, to]})
    return measure_value


# What a step refuses when the value is in another state: one whole sentence a step, so that
# each language words it its own way; %(state)s is the value's state ("submitted for review").
REFUSED_IN_STATE = {
    "change": gettext_noop("This value is %(state)s; it cannot be changed now (a reviewer can return it to draft)."),
    "submit": gettext_noop("This value is %(state)s; it cannot be submitted now."),
    "return": gettext_noop("This value is %(state)s; it cannot be returned now."),
    "approve": gettext_noop("This value is %(state)s; it cannot be approved now."),
    "publish": gettext_noop("This value is %(state)s; it cannot be published now (approve it first)."),
    "correct": gettext_noop("This value is %(state)s; it cannot be corrected now (only published values are)."),
}


def _require_state(measure_value: MeasureValue, *states: str, doing: str) -> None:
    if measure_value.state not in states:
        raise InvalidTransition(_(REFUSED_IN_STATE[doing]) % {"state": measure_value.get_state_display().lower()})


def _check_period(measure: Measure, fiscal_year: int, period: int) -> None:
    count = periods.PERIODS_PER_YEAR.get(measure.frequency, 0)
    if not 1 <= period <= count:
        raise ValidationError(
            {"period": _("Give a period from 1 to %(n)s: this measure has %(n)s a year.") % {"n": count}}
        )
    try:
        periods.Period(periods.calendar_for(measure.city), fiscal_year, measure.frequency, period)
    except ValueError as exc:
        raise ValidationError({"period": _("This period cannot be placed in the city's fiscal year.")}) from exc


@transaction.atomic
def measure_value_enter(
    *,
    measure: Measure,
    fiscal_year: int,
    period: int,
    value: Decimal | None,
    narrative: str = "",
    actor: User | None,
) -> MeasureValue:
    """Enter (or change) a draft value for one period, with its narrative."""
    require(actor, Step.ENTER, measure)
    if measure.is_computed:
        raise InvalidTransition(
            _("“%(measure)s” is computed from the service requests; it cannot be typed in.") % {"measure": measure.name}
        )
    _check_period(measure, fiscal_year, period)
    narrative = _text(narrative, field="narrative")
    now = clock.now()
    measure_value, created = MeasureValue.objects.select_for_update().get_or_create(
        measure=measure,
        fiscal_year=fiscal_year,
        period=period,
        defaults={"value": value, "narrative": narrative, "updated_at": now, "source": Source.ENTERED},
    )
    if created:
        _event(measure_value, ValueAction.ENTERED, actor=actor, changes={"value": [None, _number(value)]})
        return measure_value
    _require_state(measure_value, ValueState.DRAFT, doing="change")
    changes: dict[str, Any] = {}
    if measure_value.value != value:
        changes["value"] = [_number(measure_value.value), _number(value)]
    if measure_value.narrative != narrative:
        changes["narrative"] = [measure_value.narrative, narrative]
    if changes:
        measure_value.value, measure_value.narrative, measure_value.updated_at = value, narrative, now
        measure_value.save(update_fields=["value", "narrative", "updated_at"])
        _event(measure_value, ValueAction.ENTERED, actor=actor, changes=changes)
    return measure_value


@transaction.atomic
def measure_value_submit(*, measure_value: MeasureValue, actor: User | None) -> MeasureValue:
    """Send a draft for review."""
    measure_value = _locked(measure_value)
    require(actor, Step.SUBMIT, measure_value.measure)
    _require_state(measure_value, ValueState.DRAFT, doing="submit")
    if measure_value.value is None:
        raise ValidationError({"value": _("Enter the value before submitting it.")})
    return _move(measure_value, to=ValueState.SUBMITTED, action=ValueAction.SUBMITTED, actor=actor)


@transaction.atomic
def measure_value_return(*, measure_value: MeasureValue, actor: User | None, note: str) -> MeasureValue:
    """Send a submitted or approved value back to draft, saying what to change."""
    measure_value = _locked(measure_value)
    require(actor, Step.RETURN, measure_value.measure)
    _require_state(measure_value, ValueState.SUBMITTED, ValueState.APPROVED, doing="return")
    note = _text(note, field="note", required=True)
    return _move(measure_value, to=ValueState.DRAFT, action=ValueAction.RETURNED, actor=actor, note=note)


@transaction.atomic
def measure_value_approve(*, measure_value: MeasureValue, actor: User | None) -> MeasureValue:
    """A reviewer accepts a submitted value."""
    measure_value = _locked(measure_value)
    require(actor, Step.APPROVE, measure_value.measure)
    _require_state(measure_value, ValueState.SUBMITTED, doing="approve")
    return _move(measure_value, to=ValueState.APPROVED, action=ValueAction.APPROVED, actor=actor)


@transaction.atomic
def measure_value_publish(*, measure_value: MeasureValue, actor: User | None) -> MeasureValue:
    """Show an approved value on the public dashboard."""
    measure_value = _locked(measure_value)
    require(actor, Step.PUBLISH, measure_value.measure)
    _require_state(measure_value, ValueState.APPROVED, doing="publish")
    return _move(measure_value, to=ValueState.PUBLISHED, action=ValueAction.PUBLISHED, actor=actor)


@transaction.atomic
def measure_value_correct(
    *,
    measure_value: MeasureValue,
    actor: User | None,
    value: Decimal | None,
    note: str,
    narrative: str | None = None,
) -> MeasureValue:
    """Change a published value. The note is required and shown on the public page."""
    measure_value = _locked(measure_value)
    require(actor, Step.CORRECT, measure_value.measure)
    _require_state(measure_value, ValueState.PUBLISHED, doing="correct")
    if measure_value.source == Source.COMPUTED:
        raise InvalidTransition(_("A computed value is corrected by fixing the cases, not by typing over it."))
    note = _text(note, field="note", required=True)
    changes: dict[str, Any] = {}
    if value != measure_value.value:
        changes["value"] = [_number(measure_value.value), _number(value)]
    if narrative is not None:
        narrative = _text(narrative, field="narrative")
        if narrative != measure_value.narrative:
            changes["narrative"] = [measure_value.narrative, narrative]
            measure_value.narrative = narrative
    if not changes:
        raise ValidationError({"value": _("Nothing changed: there is nothing to correct.")})
    now = clock.now()
    measure_value.value, measure_value.corrected_at, measure_value.correction_note = value, now, note
    measure_value.updated_at = now
    measure_value.save(update_fields=["value", "narrative", "corrected_at", "correction_note", "updated_at"])
    _event(measure_value, ValueAction.CORRECTED, actor=actor, note=note, changes=changes)
    return measure_value


def measure_compute(*, measure: Measure, period: periods.Period, now: dt.datetime | None = None) -> Computation:
    """Work out a computed measure for a period (nothing is stored)."""
    if not measure.is_computed or measure.computation not in DEFINITIONS:
        raise ValidationError(
            {"computation": _("“%(measure)s” is not a computed measure.") % {"measure": measure.name}}
        )
    return DEFINITIONS[measure.computation].compute(measure=measure, period=period, now=now or clock.now())


def measure_listing(*, measure: Measure, period: periods.Period, now: dt.datetime | None = None) -> Listing | None:
    """The cases behind a computed measure's figure for a period, each marked met, missed or
    not decided yet by the database (the definition's ``listing``), for the drill-down to
    count and page without reading every case; nothing is stored. None for a definition
    without a ``listing`` (every definition has one today): the drill-down then works the list
    out by ``measure_compute``."""
    if not measure.is_computed or measure.computation not in DEFINITIONS:
        raise ValidationError(
            {"computation": _("“%(measure)s” is not a computed measure.") % {"measure": measure.name}}
        )
    module = DEFINITIONS[measure.computation]
    if not hasattr(module, "listing"):
        return None
    listing: Listing | None = module.listing(measure=measure, period=period, now=now or clock.now())
    return listing


def measure_stored_figure(*, measure: Measure, period: periods.Period, now: dt.datetime) -> tuple[Decimal | None, int]:
    """What a computed measure's stored value keeps for a period: its figure and how many
    cases were decided behind it (met or missed: ``Computation.decided``). Worked out by the
    database, so the nightly run over a city's whole history does not walk every case and its
    log: by the definition's ``stored_figure`` when its count of decided cases is not its
    figure's count of cases (the median's cases are marked against targets the median does
    not read), else by its ``figure`` (one aggregate, no case or event read into Python);
    by ``compute`` for a definition with neither."""
    if not measure.is_computed or measure.computation not in DEFINITIONS:
        raise ValidationError(
            {"computation": _("“%(measure)s” is not a computed measure.") % {"measure": measure.name}}
        )
    module = DEFINITIONS[measure.computation]
    if hasattr(module, "stored_figure"):
        stored: tuple[Decimal | None, int] = module.stored_figure(measure=measure, period=period, now=now)
        return stored
    if hasattr(module, "figure"):
        tally = module.figure(measure=measure, period=period, now=now)
        return tally.value, tally.cases
    result = module.compute(measure=measure, period=period, now=now)
    return result.value, result.decided


@transaction.atomic
def measure_value_compute(*, measure: Measure, period: periods.Period, now: dt.datetime | None = None) -> MeasureValue:
    """Compute and store (published) a computed measure's value for one period: its figure and
    the count of cases decided behind it (``measure_stored_figure``). The list of those cases
    is not stored: the drill-down page works it out live (``measure_compute``)."""
    now = now or clock.now()
    figure, decided = measure_stored_figure(measure=measure, period=period, now=now)
    value = None if figure is None else figure.quantize(Decimal("0.0001"))
    measure_value, created = MeasureValue.objects.select_for_update().get_or_create(
        measure=measure,
        fiscal_year=period.fiscal_year,
        period=period.index,
        defaults={
            "value": value,
            "case_count": decided,
            "source": Source.COMPUTED,
            "state": ValueState.PUBLISHED,
            "computed_at": now,
            "published_at": now,
            "updated_at": now,
        },
    )
    if created:
        _event(measure_value, ValueAction.COMPUTED, actor=None, changes={"value": [None, _number(value)]})
        return measure_value
    before = measure_value.value
    measure_value.case_count, measure_value.computed_at = decided, now
    fields = ["case_count", "computed_at"]
    if before != value:
        measure_value.value, measure_value.updated_at = value, now
        fields += ["value", "updated_at"]
        # Only a change of figure is worth a line in the audit trail; nightly runs that
        # find the same figure would bury the real changes.
        _event(measure_value, ValueAction.COMPUTED, actor=None, changes={"value": [_number(before), _number(value)]})
    measure_value.save(update_fields=fields)
    return measure_value


def performance_compute(*, cities: Iterable[City], since: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Recompute every computed measure of ``cities`` for every period from the one holding
    ``since`` (default: the start of the previous fiscal year) to the current one. Returns
    how many values were stored. Each period is its own transaction, so a long back-fill
    does not hold one lock for minutes."""
    now = now or clock.now()
    stored = 0
    for city in cities:
        calendar = periods.calendar_for(city)
        today = city_today(city, now=now)
        first = since or calendar.first_day(calendar.fiscal_year_of(today) - 1)
        for measure in Measure.objects.filter(city=city, source=Source.COMPUTED).select_related("city"):
            for period in periods.periods_between(calendar, measure.frequency, first, today):
                measure_value_compute(measure=measure, period=period, now=now)
                stored += 1
    return stored


@transaction.atomic
def common_measure_define(
    *,
    region: Region,
    key: str,
    name: str,
    definition: str,
    computation: str,
    unit: str,
    direction: str = "",
    parameters: dict[str, Any] | None = None,
    decimals: int = 0,
    per_resident: bool = False,
    per_residents: int = 1000,
    minimum_cases: int = 10,
    order: int = 0,
) -> CommonMeasure:
    """Create or update a region's common measure (found by ``key``), validated as a whole."""
    common = CommonMeasure.objects.select_for_update().filter(region=region, key=key).first() or CommonMeasure(
        region=region, key=key
    )
    common.name, common.definition, common.computation = name, definition, computation
    common.unit, common.direction, common.parameters = unit, direction, dict(parameters or {})
    common.decimals, common.per_resident, common.per_residents = decimals, per_resident, per_residents
    common.minimum_cases, common.order = minimum_cases, order
    common.full_clean()
    common.save()
    return common


def unknown_codes_message(city: City, unknown: list[str]) -> str:
    """The refusal of the service codes ``city`` has no type for, in the reader's language: a
    typo in a mapping would silently count nothing."""
    return ngettext(
        "%(city)s has no service type with the code %(codes)s.",
        "%(city)s has no service types with the codes %(codes)s.",
        len(unknown),
    ) % {"city": city.name, "codes": ", ".join(f"“{code}”" for code in unknown)}


@transaction.atomic
def common_measure_map(
    *, common_measure: CommonMeasure, city: City, service_codes: Iterable[str]
) -> CommonMeasureMapping:
    """Say which of ``city``'s service types a common measure covers there (replacing any
    earlier mapping). Every code must be one of the city's types: a typo would silently
    count nothing."""
    codes = sorted({str(c).strip() for c in service_codes if str(c).strip()})
    known = set(ServiceType.objects.filter(city=city, code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"service_codes": unknown_codes_message(city, unknown)})
    mapping = CommonMeasureMapping.objects.select_for_update().filter(common_measure=common_measure, city=city).first()
    mapping = mapping or CommonMeasureMapping(common_measure=common_measure, city=city)
    mapping.service_codes = codes
    mapping.full_clean()
    mapping.save()
    return mapping


def regional_figures_refresh(*, now: dt.datetime | None = None) -> int:
    """Keep up to date every city's figure of every public common measure for the periods
    the regional comparison is read for most (``regional.periods_kept_ahead``: the current
    and previous quarters and months), so no visitor waits for them; forget kept figures not
    checked for a day (no page uses them). Run by the task worker
    (``tasks.regional_figures_refresh``) every few minutes.

    A figure is worked out again from the cases only when it is missing or
    ``regional.needs_working_out`` says something that feeds it may have changed: a change
    that forgot its city's figures (its measure, mapping, service types, business days, the
    city, an import: ``signals``), a case of its city, time reaching one of its open cases not
    yet decided. Every other figure is only marked checked (one ``UPDATE``), so a quiet region
    costs a few small queries, not a pass over every case of the quarter. Returns the
    figures worked out."""
    from civicdesk.performance import regional

    moment = now or clock.now()
    worked_out = 0
    for region in Region.objects.filter(common_measures__is_public=True).distinct().order_by("pk"):
        measures = list(regional.common_measures(region))
        # The cities' boundaries (tens of kB of GeoJSON each) are never read here.
        cities = {city.pk: city for city in regional.region_cities(region).defer("boundary")}
        mappings = [
            m
            for m in CommonMeasureMapping.objects.filter(common_measure__in=measures).order_by("pk")
            if m.city_id in cities and m.service_codes
        ]
        commons = {common.pk: common for common in measures}
        # Read before any kept figure or case: see ``regional.still_holds``.
        forgotten = regional.forgotten_times(cities)
        ahead = regional.periods_kept_ahead(moment)
        kept = {
            (f.common_measure_id, f.city_id, f.period): f
            for f in RegionalFigure.objects.filter(common_measure__in=measures, period__in=[p.key for p in ahead])
        }
        oldest = min((f.checked_at for f in kept.values()), default=None)
        changed = regional.cities_changed_since(oldest - regional.LATE_COMMIT) if oldest is not None else {}
        still: list[int] = []
        figures = []
        for period in ahead:
            for mapping in mappings:
                found = kept.get((mapping.common_measure_id, mapping.city_id, period.key))
                if found is not None and not regional.needs_working_out(
                    found, changed.get(mapping.city_id), moment, forgotten
                ):
                    still.append(found.pk)
                    continue
                figure, _ = regional.work_out_figure(
                    commons[mapping.common_measure_id],
                    cities[mapping.city_id],
                    period,
                    mapping.service_codes,
                    moment=moment,
                    forgotten=forgotten,
                )
                figures.append(figure)
        regional.keep_figures(figures)
        if still:
            RegionalFigure.objects.filter(pk__in=still).update(checked_at=moment)
        worked_out += len(figures)
    RegionalFigure.objects.filter(checked_at__lt=moment - dt.timedelta(days=1)).delete()
    return worked_out
