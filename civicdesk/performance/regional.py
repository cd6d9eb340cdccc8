"""The regional comparison: the member cities side by side on measures they define alike.

A ``CommonMeasure`` is one computed definition; each city's ``CommonMeasureMapping`` says
which of its own service types it covers. For a period, each city's figure is computed from
that city's cases by the same definition module its own dashboard uses.

Periods are CALENDAR quarters or months, not fiscal ones: the cities' fiscal years start in
different months, so "Q1" would mean different months in different cities and the figures
would not be comparable. Each city's period runs from local midnight to local midnight on
its own clock (``City.timezone``): a report made at 23:30 on March 31 in a city is in that
city's first quarter wherever the server is.

Rules, written once here and in docs/performance-dashboard.md:

- **Too few cases**: a city whose figure rests on fewer than ``minimum_cases`` cases has no
  figure shown (one case could swing it) and takes no part in the median.
- **Per resident**: for counts marked ``per_resident``, the figure compared is the count per
  ``per_residents`` residents (``City.population``); a city with no population recorded has
  no rate and takes no part in the median.
- **Median**: the median of the compared figures of the cities that have one; none when no
  city has enough cases.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import dateformat
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from civicdesk.core import clock
from civicdesk.performance import drilldown, periods
from civicdesk.performance.formatting import SECONDS_PER, _number, format_value
from civicdesk.performance.measures import DEFINITIONS
from civicdesk.performance.measures.base import Computation, Tally
from civicdesk.performance.models import (
    CommonMeasure,
    CommonMeasureMapping,
    Direction,
    Measure,
    RegionalFigure,
    RegionalFiguresForgotten,
    Source,
    Unit,
)
from civicdesk.tenants.models import City, Region
from civicdesk.tenants.services import city_today

if TYPE_CHECKING:
    from django.db.models import QuerySet


class Standing(models.TextChoices):
    """Whether a city's figure is in the comparison, and if not, why (shown as words)."""

    COUNTED = "counted", _("Counted")
    TOO_FEW = "too_few", _("Too few cases")
    NO_POPULATION = "no_population", _("Population not recorded")
    NOT_MAPPED = "not_mapped", _("Not reported by this city")


class Versus(models.TextChoices):
    ABOVE = "above", _("Above the median")
    BELOW = "below", _("Below the median")
    AT = "at", _("At the median")
    NONE = "", ""


def calendar_of(city: City) -> periods.FiscalCalendar:
    """The plain calendar year on the city's clock: a "fiscal" year starting in January."""
    return periods.FiscalCalendar(start_month=1, timezone=city.timezone, named_by_end=True)


@dataclass(frozen=True)
class CalendarPeriod:
    """A calendar quarter or month, the same for every city (each on its own clock)."""

    year: int
    frequency: str  # periods.QUARTERLY or periods.MONTHLY
    index: int

    def __post_init__(self) -> None:
        periods.Period(periods.FiscalCalendar(), self.year, self.frequency, self.index)  # validates

    def for_city(self, city: City) -> periods.Period:
        """This period on ``city``'s clock."""
        return periods.Period(calendar_of(city), self.year, self.frequency, self.index)

    @property
    def _any(self) -> periods.Period:
        return periods.Period(periods.FiscalCalendar(), self.year, self.frequency, self.index)

    @property
    def first_day(self) -> dt.date:
        return self._any.first_day

    @property
    def last_day(self) -> dt.date:
        return self._any.last_day

    @property
    def key(self) -> str:
        """``2024-q1`` or ``2024-m3``: calendar quarter 1 or March of 2024."""
        return self._any.key

    @property
    def short_label(self) -> str:
        if self.frequency == periods.QUARTERLY:
            return gettext("Q%(n)s %(year)s") % {"n": self.index, "year": self.year}
        return dateformat.format(self.first_day, "F Y")

    @property
    def label(self) -> str:
        """e.g. ``Q1 2024 (Jan 1 – Mar 31, 2024)``."""
        return f"{self.short_label} ({self._any.date_range_label})"

    def previous(self) -> CalendarPeriod:
        p = self._any.previous()
        return CalendarPeriod(p.fiscal_year, p.frequency, p.index)

    def next(self) -> CalendarPeriod:
        p = self._any.next()
        return CalendarPeriod(p.fiscal_year, p.frequency, p.index)

    def __str__(self) -> str:
        return self.label


def parse_period(key: str) -> CalendarPeriod:
    """The calendar period a key names (``2024-q1``, ``2024-m3``); ``ValueError`` in plain words."""
    try:
        p = periods.parse_key(periods.FiscalCalendar(), key)
    except ValueError:
        raise ValueError(
            gettext("“%(key)s” is not a period; write a calendar quarter like 2024-q1 or a month like 2024-m3.")
            % {"key": key}
        ) from None
    return CalendarPeriod(p.fiscal_year, p.frequency, p.index)


def latest_complete_quarter(now: dt.datetime | None = None) -> CalendarPeriod:
    """The last calendar quarter that has ended (on the collaborative's clock)."""
    today = city_today(None, now=now)
    p = periods.period_of(periods.FiscalCalendar(), today, periods.QUARTERLY)
    return CalendarPeriod(p.fiscal_year, p.frequency, p.index).previous()


@dataclass
class CityFigure:
    """One city's line in a comparison. ``value``, ``rate`` and ``compared`` are None unless
    the city is counted: a figure resting on too few cases is never given out."""

    city: City
    standing: Standing
    period: periods.Period | None  # on the city's clock; None when the city does not report it
    cases: int | None = None
    population: int | None = None
    value: Decimal | None = None
    rate: Decimal | None = None
    compared: Decimal | None = None
    versus: Versus = Versus.NONE
    figure_text: str = ""
    rate_text: str = ""
    # The rate alone ("5.1"), under a column or a card label that already says "Per 1,000
    # residents": "Per 1,000 residents: 5.1 per 1,000 residents" would say the unit twice.
    rate_figure: str = ""
    versus_text: str = ""
    computation: Computation | None = field(default=None, repr=False)

    @property
    def is_counted(self) -> bool:
        return self.standing == Standing.COUNTED

    @property
    def standing_text(self) -> str:
        """The city's standing in words, e.g. "Too few cases (3; at least 10 needed)"."""
        if self.standing == Standing.TOO_FEW:
            return gettext("Too few cases (%(n)s; at least %(minimum)s needed)") % {
                "n": self.cases,
                "minimum": self.minimum_cases,
            }
        return str(self.standing.label)

    minimum_cases: int = 0


@dataclass
class Comparison:
    """One common measure for one calendar period, every city of the region beside the median."""

    measure: CommonMeasure
    period: CalendarPeriod
    rows: list[CityFigure]
    median: Decimal | None
    median_text: str
    method: str

    @property
    def counted(self) -> list[CityFigure]:
        return [r for r in self.rows if r.is_counted]

    @property
    def figure_is_case_count(self) -> bool:
        """Whether each city's figure is the number of cases behind it (a count of every case
        its definition lists, such as requests reported): the table then shows that number
        once, as the cases, not twice as "figure" and "cases"."""
        module = DEFINITIONS.get(self.measure.computation)
        return self.measure.unit == Unit.COUNT and bool(getattr(module, "EVERY_CASE_COUNTS", False))

    @property
    def compared_unit_text(self) -> str:
        """What the compared figure is in, for captions and axis labels."""
        m = self.measure
        if m.per_resident:
            return gettext("per %(n)s residents") % {"n": _number(Decimal(m.per_residents), 0)}
        words = {"percent": "%", "days": _("days"), "minutes": _("minutes"), "seconds": _("seconds"), "money": "$"}
        return str(words.get(m.unit, m.unit))


def _proxy_measure(common: CommonMeasure, city: City, codes: Iterable[str]) -> Measure:
    """An unsaved ``Measure`` carrying what a definition module reads (city, codes,
    parameters): the modules stay the single home of each rule, for dashboards and
    comparison alike."""
    return Measure(
        city=city,
        name=common.name,
        definition=common.definition,
        unit=common.unit,
        direction=common.direction or Direction.HIGHER,
        source=Source.COMPUTED,
        computation=common.computation,
        service_codes=list(codes),
        parameters=dict(common.parameters or {}),
    )


def cases_counted(common: CommonMeasure, result: Computation) -> int:
    """How many cases a figure rests on: every listed case for a definition whose figure
    uses them all (a median, a count), else the decided ones (met or missed)."""
    module = DEFINITIONS[common.computation]
    if getattr(module, "EVERY_CASE_COUNTS", False):
        return len(result.results)
    return result.decided


def _format(common: CommonMeasure, value: Decimal | None) -> str:
    decimals = 0 if common.per_resident else common.decimals
    return format_value(value, unit=common.unit, decimals=decimals)


def _rate_text(common: CommonMeasure, rate: Decimal | None) -> str:
    if rate is None:
        return ""
    return gettext("%(rate)s per %(n)s residents") % {
        "rate": _number(rate, common.decimals),
        "n": _number(Decimal(common.per_residents), 0),
    }


def _compared_text(common: CommonMeasure, value: Decimal | None) -> str:
    if common.per_resident:
        return _rate_text(common, value)
    return _format(common, value)


def _difference_text(common: CommonMeasure, diff: Decimal) -> str:
    if common.per_resident:
        return _rate_text(common, diff)
    if common.unit == Unit.PERCENT:
        # "1 point", "2 points"; a figure with decimals takes the plural in both languages
        # ("1.0 points", "1,5 puntos").
        count = int(diff.quantize(Decimal(1), rounding=ROUND_HALF_UP)) if common.decimals == 0 else 2
        return ngettext("%(n)s point", "%(n)s points", count) % {"n": _number(diff, common.decimals)}
    return _format(common, diff)


def _versus(common: CommonMeasure, compared: Decimal, median: Decimal) -> tuple[Versus, str]:
    """Above, below or at the median, in words, with "better"/"worse" when the measure has
    a direction. Compared at the precision shown: the figure and the median are each
    rounded as the page writes them before they are set against each other, so a city
    whose figure reads as the median's ("3.0 days" beside "3.0 days") is at the median, and
    the difference is the one a reader works out from the two ("0.1 days", never 0.0)."""
    scale = Decimal(1) if common.per_resident else SECONDS_PER.get(common.unit, Decimal(1))
    step = scale * Decimal(1).scaleb(-common.decimals)

    def shown(value: Decimal) -> Decimal:
        return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step

    diff = shown(compared) - shown(median)
    if diff == 0:
        return Versus.AT, gettext("At the median")
    side = Versus.ABOVE if diff > 0 else Versus.BELOW
    by = {"difference": _difference_text(common, abs(diff))}
    words = (
        gettext("%(difference)s above the median") if diff > 0 else gettext("%(difference)s below the median")
    ) % by
    if common.direction:
        better = (diff > 0) == (common.direction == Direction.HIGHER)
        words += " " + (gettext("(better)") if better else gettext("(worse)"))
    return side, words


def method_of(common: CommonMeasure) -> str:
    module = DEFINITIONS.get(common.computation)
    if module is None:
        return ""
    return str(module.METHOD).format(days=(common.parameters or {}).get("days", 5))


def region_cities(region: Region) -> QuerySet[City]:
    return City.objects.filter(region=region).order_by("name")


def common_measures(region: Region, *, public_only: bool = True) -> QuerySet[CommonMeasure]:
    qs = CommonMeasure.objects.filter(region=region).order_by("order", "name")
    return qs.filter(is_public=True) if public_only else qs


# A figure as ``comparison`` takes it: (value, cases behind it, the computation if just made).
Figure = tuple[Decimal | None, int, Computation | None]
FigureSource = Callable[[CommonMeasure, City, list[str]], Figure]


def _mapped_codes(common: CommonMeasure, city: City) -> list[str]:
    mapping = CommonMeasureMapping.objects.filter(common_measure=common, city=city).first()
    return list(mapping.service_codes) if mapping is not None else []


def compute_figure(
    common: CommonMeasure, city: City, period: CalendarPeriod, codes: Iterable[str], *, now: dt.datetime | None = None
) -> Computation:
    """Work out one city's figure from its cases of ``codes`` by the measure's definition
    module, with every case behind it."""
    proxy = _proxy_measure(common, city, codes)
    return DEFINITIONS[common.computation].compute(measure=proxy, period=period.for_city(city), now=now or clock.now())


def figure_of_cases(
    common: CommonMeasure, city: City, period: CalendarPeriod, codes: Iterable[str], *, now: dt.datetime | None = None
) -> tuple[Tally, Computation | None]:
    """One city's figure, the number of cases behind it and when time alone changes it, as
    the comparison needs them: by the definition's ``figure`` when it has one (worked out by
    the database: a count, a share, a median at its ranks; no case read into Python), else by
    its ``compute`` (then with the computation)."""
    module = DEFINITIONS[common.computation]
    moment = now or clock.now()
    if hasattr(module, "figure"):
        proxy = _proxy_measure(common, city, codes)
        tally: Tally = module.figure(measure=proxy, period=period.for_city(city), now=moment)
        return tally, None
    result = compute_figure(common, city, period, codes, now=moment)
    return Tally(result.value, cases_counted(common, result), changes_at(result, moment)), result


def _row(
    common: CommonMeasure,
    city: City,
    period: CalendarPeriod,
    *,
    mapped: bool,
    value: Decimal | None = None,
    cases: int | None = None,
    computation: Computation | None = None,
) -> CityFigure:
    """One city's line from its figure and the number of cases behind it (computed now, or
    kept: see ``RegionalFigure``), not yet set against the median."""
    if not mapped:
        return CityFigure(city=city, standing=Standing.NOT_MAPPED, period=None, population=city.population)
    row = CityFigure(
        city=city,
        standing=Standing.COUNTED,
        period=period.for_city(city),
        cases=cases,
        population=city.population,
        computation=computation,
        minimum_cases=common.minimum_cases,
    )
    if row.cases is None or row.cases < common.minimum_cases or value is None:
        row.standing = Standing.TOO_FEW
        row.figure_text = gettext("Too few cases")
        return row
    row.value = value
    row.figure_text = _format(common, value)
    if common.per_resident:
        if not city.population:
            row.standing = Standing.NO_POPULATION
            row.rate_text = gettext("Population not recorded")
            return row
        row.rate = value * Decimal(common.per_residents) / Decimal(city.population)
        row.rate_text = _rate_text(common, row.rate)
        row.rate_figure = _number(row.rate, common.decimals)
        row.compared = row.rate
    else:
        row.compared = value
    return row


def city_cases(
    common: CommonMeasure,
    city: City,
    period: CalendarPeriod,
    pages: Mapping[str, int],
    *,
    size: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[CityFigure, drilldown.DrillDown | None]:
    """One city's figure for a common measure and calendar period (not yet set against the
    median: see ``comparison``), and the page ``pages[group]`` of each group of the cases
    behind it, as a city's own drill-down reads them (``drilldown.drill_down``: marked by the
    database, counted in one aggregate, only the cases of the pages shown read). Where every
    case is in the figure whatever its mark (a median, a count), they are one group,
    ``drilldown.COUNTED``. No drill-down for a city that has not mapped the measure."""
    codes = _mapped_codes(common, city)
    if not codes:
        return _row(common, city, period, mapped=False), None
    every = bool(getattr(DEFINITIONS[common.computation], "EVERY_CASE_COUNTS", False))
    drill = drilldown.drill_down(
        _proxy_measure(common, city, codes), period.for_city(city), pages, size=size, now=now, counted_together=every
    )
    cases = drilldown.counted(drill) if every else drill.decided
    return _row(common, city, period, mapped=True, value=drill.value, cases=cases), drill


def comparison(
    common: CommonMeasure,
    period: CalendarPeriod,
    *,
    cities: Iterable[City] | None = None,
    now: dt.datetime | None = None,
    codes: dict[int, list[str]] | None = None,
    figure_of: FigureSource | None = None,
) -> Comparison:
    """Every city of the measure's region for ``period``, beside the median of the cities
    that have enough cases (and a population, for rates per resident). ``codes`` (city id ->
    its mapped service codes) and ``figure_of`` (a kept figure, see ``regional_comparison``)
    spare a query per city; by default each figure is computed now."""
    members = list(cities) if cities is not None else list(region_cities(common.region))
    members = [city for city in members if city.region_id == common.region_id]
    if codes is None:
        codes = {
            m.city_id: list(m.service_codes)
            for m in CommonMeasureMapping.objects.filter(common_measure=common, city__in=[c.pk for c in members])
        }

    def computed(common: CommonMeasure, city: City, mapped: list[str]) -> Figure:
        tally, computation = figure_of_cases(common, city, period, mapped, now=now)
        return tally.value, tally.cases, computation

    figure = figure_of or computed
    rows = []
    for city in members:
        mapped = codes.get(city.pk) or []
        if not mapped:
            rows.append(_row(common, city, period, mapped=False))
            continue
        value, cases, computation = figure(common, city, mapped)
        rows.append(_row(common, city, period, mapped=True, value=value, cases=cases, computation=computation))
    counted = [r.compared for r in rows if r.is_counted and r.compared is not None]
    median = Decimal(statistics.median(counted)) if counted else None
    for row in rows:
        if row.is_counted and row.compared is not None and median is not None:
            row.versus, row.versus_text = _versus(common, row.compared, median)
        else:
            row.versus_text = gettext("Not compared")
    median_text = (
        _compared_text(common, median) if median is not None else gettext("No median: no city has enough cases")
    )
    return Comparison(
        measure=common, period=period, rows=rows, median=median, median_text=median_text, method=method_of(common)
    )


# How far before a figure's last check a case change still counts as possibly unseen: a
# change is stamped when it is written and read by the refresh only once its transaction has
# committed, a moment later.
LATE_COMMIT = dt.timedelta(minutes=2)
# However quiet a city, its kept figures are worked out again from the cases this often: what
# no case event tells of (an edit made behind the services' back) is seen within the hour.
WORKED_OUT_AT_LEAST_EVERY = dt.timedelta(hours=1)


def changes_at(computation: Computation | None, moment: dt.datetime) -> dt.datetime | None:
    """The soonest moment time alone changes a figure: when the first of its open cases not
    yet decided will be (its due date, its deadline; ``moment`` when a case does not say).
    None when only a change to a case can change it. (A definition's ``figure`` says so
    itself: ``Tally.changes_at``.) A closed case left undecided (its type has no target) is
    undecided for good: time changes nothing about it."""
    if computation is None:
        return None
    pending = [r.decides_at or moment for r in computation.results if r.met is None and r.case.is_open]
    return min(pending) if pending else None


def forgotten_times(city_ids: Iterable[int]) -> dict[int, int]:
    """How many times each city's figures have been forgotten (``RegionalFiguresForgotten``;
    a city never forgotten is absent: 0). Read before any case a computation reads."""
    return dict(RegionalFiguresForgotten.objects.filter(city_id__in=list(city_ids)).values_list("city_id", "times"))


def still_holds(figure: RegionalFigure, forgotten: dict[int, int]) -> bool:
    """Whether a kept figure was worked out after the last change that forgot its city's
    figures (``forgotten``: see ``forgotten_times``). The one rule that throws away a figure
    read from data older than a change to a service type, business days, a measure, a
    mapping, the city or an import, however the computation and the change interleave:
    ``needs_working_out``, the page and ``keep_figures`` all ask it."""
    return figure.forgotten_times >= forgotten.get(figure.city_id, 0)


def forget_figures(city_ids: Iterable[int]) -> None:
    """Forget the kept figures of these cities: a change that makes them wrong was just
    written (``signals``). Counted in the writer's transaction, so no computation can read
    the new count with the old data: one that started before the change (its count read
    earlier) is thrown away when it would be kept, or worked out again if it slipped in."""
    from django.db.models import F

    ids = sorted(set(city_ids))
    if not ids:
        return
    RegionalFiguresForgotten.objects.bulk_create(
        [RegionalFiguresForgotten(city_id=pk) for pk in ids], ignore_conflicts=True
    )
    RegionalFiguresForgotten.objects.filter(city_id__in=ids).update(times=F("times") + 1)
    RegionalFigure.objects.filter(city_id__in=ids).delete()


def work_out_figure(
    common: CommonMeasure,
    city: City,
    period: CalendarPeriod,
    codes: Iterable[str],
    *,
    moment: dt.datetime,
    forgotten: dict[int, int],
) -> tuple[RegionalFigure, Computation | None]:
    """One city's figure worked out from its cases at ``moment``, as a figure to keep
    (``keep_figures``), with its computation when there is one. ``forgotten`` must have been
    read before (``forgotten_times``): the figure carries it, to be thrown away if a change
    forgets the city's figures meanwhile. The page and the task worker's refresh both make
    their figures here."""
    tally, computation = figure_of_cases(common, city, period, codes, now=moment)
    figure = RegionalFigure(
        common_measure=common,
        city=city,
        period=period.key,
        value=tally.value,
        cases=tally.cases,
        computed_at=moment,
        checked_at=moment,
        changes_at=tally.changes_at,
        forgotten_times=forgotten.get(city.pk, 0),
    )
    return figure, computation


def cities_changed_since(since: dt.datetime) -> dict[int, dt.datetime]:
    """Each city whose cases changed after ``since``, with its latest change: every write to a
    case is on the case's log (``cases.invariants.event_write``, from the index of the log's
    times), and a case another city took over changed the city it left too. Imports in bulk
    write no log of today: they forget the city's figures (``signals``)."""
    from django.db.models import Max

    from civicdesk.cases.models import CaseEvent, CaseTransfer, TransferStatus

    changed: dict[int, dt.datetime] = {}
    found = (
        CaseEvent.objects.filter(at__gt=since)
        .order_by()
        .values_list("case__city_id")
        .annotate(latest=Max("at"))
        .values_list("case__city_id", "latest")
    )
    left = (
        CaseTransfer.objects.filter(status=TransferStatus.ACCEPTED, decided_at__gt=since)
        .order_by()
        .values_list("from_city_id")
        .annotate(latest=Max("decided_at"))
        .values_list("from_city_id", "latest")
    )
    for city_id, latest in [*found, *left]:
        if latest is not None and (city_id not in changed or latest > changed[city_id]):
            changed[city_id] = latest
    return changed


def needs_working_out(
    figure: RegionalFigure, latest_change: dt.datetime | None, moment: dt.datetime, forgotten: dict[int, int]
) -> bool:
    """Whether a kept figure may no longer hold at ``moment``: a change forgot its city's
    figures after its computation started (``still_holds``), a case of its city changed
    since it was last checked (``latest_change``, see ``cities_changed_since``), time has
    reached one of its open cases not yet decided, or it was worked out more than
    ``WORKED_OUT_AT_LEAST_EVERY`` ago."""
    if not still_holds(figure, forgotten):
        return True
    if latest_change is not None and latest_change > figure.checked_at - LATE_COMMIT:
        return True
    if figure.changes_at is not None and figure.changes_at <= moment:
        return True
    return figure.computed_at <= moment - WORKED_OUT_AT_LEAST_EVERY


def kept_seconds() -> int:
    """How long a kept figure is used (``REGIONAL_FIGURES_SECONDS``; 0: never kept)."""
    return int(getattr(settings, "REGIONAL_FIGURES_SECONDS", 0) or 0)


def regional_comparison(
    region: Region, period: CalendarPeriod, *, now: dt.datetime | None = None, kept: bool = False
) -> list[Comparison]:
    """Every public common measure of ``region`` for ``period``.

    With ``kept``, each city's figure is the one kept (``RegionalFigure``) when it was last
    checked less than ``kept_seconds()`` ago and no change has forgotten it since its
    computation started (``still_holds``); any other is computed now and kept for the next
    visitor. Without, every figure is computed now (at ``now``, if given)."""
    members = list(region_cities(region))
    measures = list(common_measures(region))
    codes: dict[int, dict[int, list[str]]] = {m.pk: {} for m in measures}
    for mapping in CommonMeasureMapping.objects.filter(common_measure__in=measures):
        codes[mapping.common_measure_id][mapping.city_id] = list(mapping.service_codes)
    seconds = kept_seconds()
    if not kept or seconds <= 0 or now is not None:
        return [comparison(common, period, cities=members, now=now, codes=codes[common.pk]) for common in measures]

    moment = clock.now()
    forgotten = forgotten_times(city.pk for city in members)
    fresh = {
        (f.common_measure_id, f.city_id): f
        for f in RegionalFigure.objects.filter(
            common_measure__in=measures, period=period.key, checked_at__gt=moment - dt.timedelta(seconds=seconds)
        )
        if still_holds(f, forgotten)
    }
    made: list[RegionalFigure] = []

    def figure_of(common: CommonMeasure, city: City, mapped: list[str]) -> Figure:
        found = fresh.get((common.pk, city.pk))
        if found is not None:
            return found.value, found.cases, None
        figure, computation = work_out_figure(common, city, period, mapped, moment=moment, forgotten=forgotten)
        made.append(figure)
        return figure.value, figure.cases, computation

    comparisons = [
        comparison(common, period, cities=members, codes=codes[common.pk], figure_of=figure_of) for common in measures
    ]
    keep_figures(made)
    return comparisons


def keep_figures(figures: list[RegionalFigure]) -> None:
    """Keep freshly computed figures (``work_out_figure``), replacing those kept before (two
    visitors, or a visitor and the task worker, computing the same figure at once keep the
    same one), except any a change has forgotten since its computation started
    (``still_holds``): it was worked out from data read before the change. A cache of
    computed numbers, not a record: written here, beside the one rule that reads it."""
    forgotten = forgotten_times({f.city_id for f in figures})
    figures = [f for f in figures if still_holds(f, forgotten)]
    if not figures:
        return
    RegionalFigure.objects.bulk_create(
        figures,
        update_conflicts=True,
        unique_fields=["common_measure", "city", "period"],
        update_fields=["value", "cases", "computed_at", "checked_at", "changes_at", "forgotten_times"],
    )


def periods_kept_ahead(now: dt.datetime | None = None) -> list[CalendarPeriod]:
    """The periods whose figures the task worker keeps up to date: the current and previous
    calendar quarters (the page opens on the previous one) and months, on the collaborative's
    clock."""
    today = city_today(None, now=now)
    found = []
    for frequency in (periods.QUARTERLY, periods.MONTHLY):
        p = periods.period_of(periods.FiscalCalendar(), today, frequency)
        current = CalendarPeriod(p.fiscal_year, p.frequency, p.index)
        found += [current, current.previous()]
    return found


def default_region() -> Region | None:
    """The region the comparison shows when none is asked for: the first with public
    common measures, else the first region."""
    with_measures = Region.objects.filter(common_measures__is_public=True).distinct().order_by("name").first()
    return with_measures or Region.objects.order_by("name").first()
