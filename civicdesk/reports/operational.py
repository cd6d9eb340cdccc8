"""Operational reports: how the work is going, for one city or the whole collaborative.

For a range of the city's days: time to close (median and 90th percentile: hours under a
day, days above) and the share closed within target, by type, department and district; intake by channel;
trends by week and by month; and a comparison with the previous period of the same length.
As of now: the backlog (open cases by age) and, for staff, the overdue cases.

Range figures are read from the roll-ups (``CaseTally``: a year is ~12 month rows plus the
edge days per key, whatever the number of cases). Percentiles are exact, as PostgreSQL's
``percentile_cont`` over the cases' own times to close gives them, on SQLite and PostgreSQL
alike: the roll-ups' histograms of whole days to close say in which whole day each rank a
percentile needs lies, and only the case at that rank within its day is read
(``_exact_closings``: one query per table, each row's cell read alone from an index of the
closed cases by city, type, department or district and whole days, sorted only as far as its
rank), so a median reads "4.2 hours" or "2.8 days", not "0 days" or "2.0 days". The backlog
and overdue lists read the open cases themselves (few, and indexed by city and status).
docs/reports.md says what each figure means.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicdesk.cases.models import OPEN_STATUSES, Channel, ServiceRequest
from civicdesk.cases.time_to_close import quantile_ranks
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.core.svgchart import number
from civicdesk.reports.models import OPENED, CaseTally, Dimension, Grain
from civicdesk.reports.rollups import month_end, summed
from civicdesk.reports.service_request_report import (
    CONFIDENTIAL,
    NO_DEPARTMENT,
    NO_DISTRICT,
    ReportRangeError,
    largest_remainder_tenths,
    product_words,
)
from civicdesk.tenants.models import City, Department, District
from civicdesk.tenants.services import city_today

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)
DAY_US = 86_400_000_000  # a day in microseconds
# The whole days to close as the closings indexes (reports migration 0005) key them: the days
# of the interval ``closed_at - opened_at`` (whose time PostgreSQL keeps under 24 hours), 0 for
# a case closed before it was opened, as the roll-ups count it.
WHOLE_DAYS_SQL = "GREATEST(date_part('day', closed_at - opened_at), 0)"
# On SQLite, where Django writes a time as UTC text, "2026-12-07 01:23:45[.678901]": the whole
# microseconds to close from the text's whole seconds and its microseconds (none: 0), with
# SQLite's own functions only, so that an index can hold them (reports migration 0006; Django's
# ``django_timestamp_diff`` is a Python function of the connection, unknown to any other program
# that writes the file). SQLite's julianday() and unixepoch() keep milliseconds only.
# Written for a statement with parameters, in which Django reads "%%" as one "%".
SQLITE_TOOK = (
    "((CAST(strftime('%%s', substr(closed_at, 1, 19)) AS INTEGER)"
    " - CAST(strftime('%%s', substr(opened_at, 1, 19)) AS INTEGER)) * 1000000"
    " + CAST(substr(closed_at, 21) AS INTEGER) - CAST(substr(opened_at, 21) AS INTEGER))"
)
# Its whole days, as the closings indexes of SQLite key them (0 for a case closed before it was
# opened, as the roll-ups count it).
SQLITE_WHOLE_DAYS = f"max({SQLITE_TOOK} / {86_400_000_000}, 0)"
# Backlog age buckets in whole local days since the case was opened: (label, first, last).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    (gettext_noop("0–7 days"), 0, 7),
    (gettext_noop("8–30 days"), 8, 30),
    (gettext_noop("31–90 days"), 31, 90),
    (gettext_noop("More than 90 days"), 91, None),
)
OVERDUE_LIMIT = 500


# --- figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseRow:
    """One row of a time-to-close table."""

    label: str
    opened: int
    closed: int
    median_days: float | None
    p90_days: float | None
    closed_on_time: int
    closed_with_target: int

    @property
    def on_time_percent(self) -> float | None:
        """Share of the closed cases that had a target and met it, in %, one decimal."""
        if not self.closed_with_target:
            return None
        return round(100 * self.closed_on_time / self.closed_with_target, 1)


@dataclass(frozen=True)
class Count_:
    label: str
    count: int
    tenths: int = 0

    @property
    def percent(self) -> float:
        return self.tenths / 10


@dataclass(frozen=True)
class TrendPoint:
    """One week or month of a trend, clipped to the report's range: ``partial`` when the
    range holds only some of its days (the first or last week or month, or the one still
    running), so its figures are not set beside whole ones unmarked."""

    start: dt.date
    end: dt.date
    opened: int
    closed: int
    partial: bool = False


def days_to_close(value: float | None) -> str:
    """A time to close (in days) as the page writes it: "—" when nothing was closed, hours
    with one decimal under a day ("4.2 hours"), else days with one decimal ("2.5 days"), in
    the page's language. A time that would read "24.0 hours" reads "1.0 days"."""
    if value is None:
        return "—"
    hours = number(value * 24, 1)
    if Decimal(repr(value * 24)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) < 24:
        return _("%(hours)s hours") % {"hours": hours}
    return _("%(days)s days") % {"days": number(value, 1)}


def change_in_time(delta: float | None, scale: float = 0.0) -> str:
    """A change of a time to close (in days), signed, as ``days_to_close`` writes a time:
    "+1.5 hours", "-0.5 days" (a hyphen, as the counts beside it). No change reads "0.0
    hours", or "0.0 days" when the times compared (``scale``: the larger) are a day or more."""
    if delta is None:
        return "—"
    if Decimal(repr(abs(delta) * 24)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) == 0:
        if scale >= 1:
            return _("%(days)s days") % {"days": number(0, 1)}
        return _("%(hours)s hours") % {"hours": number(0, 1)}
    return ("+" if delta > 0 else "-") + days_to_close(abs(delta))


@dataclass(frozen=True)
class Comparison:
    """A figure of the period against the previous period (``previous_period``)."""

    label: str
    current: float | None
    previous: float | None
    # A time to close, in days: written in hours under a day, else days (``days_to_close``),
    # and so is its change (``change_in_time``).
    in_days: bool = False

    @property
    def delta(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        if self.in_days:
            # Not rounded to a tenth of a day: a change of hours would read "0.0".
            return self.current - self.previous
        return round(self.current - self.previous, 1)

    @property
    def percent(self) -> float | None:
        """Change in % of the previous value; None when there is nothing to compare with."""
        if self.delta is None or not self.previous:
            return None
        return round(100 * self.delta / self.previous, 1)


@dataclass(frozen=True)
class OperationalReport:
    city: City | None
    date_from: dt.date
    date_to: dt.date
    previous_from: dt.date
    previous_to: dt.date
    as_of: dt.datetime
    overall: CloseRow
    by_type: list[CloseRow]
    by_department: list[CloseRow]
    by_district: list[CloseRow]
    channels: list[Count_]
    weekly: list[TrendPoint]
    monthly: list[TrendPoint]
    comparison: list[Comparison]
    backlog: list[Count_] = field(default_factory=list)
    # What the previous period is (operational.comparison_kind): "month", "quarter", "year",
    # "months" or "days".
    compared_with: str = "days"
    # Whether the period runs to today or beyond (its closings may still come), and whether
    # the cities have any case at all (a city just onboarded has none): what the page says in
    # place of a chart with nothing to draw.
    to_date: bool = False
    any_cases: bool = True

    @property
    def nothing_in_period(self) -> bool:
        """No case was opened or closed in the period: no time to close, channel or trend."""
        return not self.overall.opened and not self.overall.closed

    @property
    def no_closings(self) -> bool:
        """No case was closed in the period: the time-to-close tables have openings only."""
        return not self.overall.closed

    @property
    def scope_label(self) -> str:
        return self.city.name if self.city is not None else _("All member cities")

    @property
    def backlog_total(self) -> int:
        return sum(b.count for b in self.backlog)

    @property
    def has_partial_week(self) -> bool:
        return any(p.partial for p in self.weekly)

    @property
    def has_partial_month(self) -> bool:
        return any(p.partial for p in self.monthly)


# --- percentiles --------------------------------------------------------------------------


Cell = tuple[int, int]  # (whole days to close, rank among the cases of those whole days)


def _ranks(histogram: Mapping[int, int], p: Fraction) -> tuple[Fraction, Cell, Cell] | None:
    """Where the ``p`` quantile lies: the fraction between its two nearest ranks and each
    rank's cell; None for no values."""
    ranks = quantile_ranks(sum(n for n in histogram.values() if n > 0), p)
    if ranks is None:
        return None
    lower, upper, fraction = ranks
    cells: dict[int, Cell] = {}
    seen = 0
    for value in sorted(v for v, n in histogram.items() if n > 0):
        nxt = seen + histogram[value]
        for rank in (lower, upper):
            if seen <= rank < nxt:
                cells[rank] = (value, rank - seen)
        seen = nxt
        if upper in cells:
            break
    return fraction, cells[lower], cells[upper]


Ranks = tuple[Fraction, Cell, Cell] | None  # what ``_ranks`` says


def _cells(ranks: Ranks) -> list[Cell]:
    if ranks is None:
        return []
    _fraction, lower, upper = ranks
    return [lower] if upper == lower else [lower, upper]


def _value(ranks: Ranks, exact: Mapping[Cell, Fraction] | None) -> float | None:
    if ranks is None:
        return None
    fraction, lower, upper = ranks
    exact = exact or {}
    low = exact.get(lower, Fraction(lower[0]))
    high = exact.get(upper, Fraction(upper[0]))
    return float(low + (high - low) * fraction)


def needed_cells(histogram: Mapping[int, int], p: Fraction) -> list[Cell]:
    """The cells whose exact times the ``p`` quantile needs: its lower rank's, and its upper
    rank's when the quantile lies between two ranks."""
    return _cells(_ranks(histogram, p))


def percentile(histogram: Mapping[int, int], p: Fraction, exact: Mapping[Cell, Fraction] | None = None) -> float | None:
    """The ``p`` quantile of the values counted in ``histogram`` ({whole days: count}), with
    linear interpolation between the two nearest ranks: PostgreSQL's ``percentile_cont``.
    None for no values.

    Each rank's value is its exact time to close, ``exact`` ({cell: days}; ``needed_cells``
    says which), so 2 days 20 hours is 2.83 days, not 2; a rank whose exact time is not
    given counts as its whole days (what the histogram alone says)."""
    return _value(_ranks(histogram, p), exact)


# --- reading the roll-ups -------------------------------------------------------------------


@dataclass
class _Group:
    opened: int = 0
    closed: int = 0
    on_time: int = 0
    with_target: int = 0
    histogram: Counter[int] = field(default_factory=Counter)
    keys: set[str] = field(default_factory=set)  # the roll-ups' keys it adds up
    exact: dict[Cell, Fraction] = field(default_factory=dict)  # ``_exact_closings``
    ranks: dict[Fraction, Ranks] = field(default_factory=dict)  # ``at``, once the histogram is whole

    def at(self, p: Fraction) -> Ranks:
        """Where the ``p`` quantile lies (``_ranks``), worked out once for the cells it needs
        and again for its value."""
        if p not in self.ranks:
            self.ranks[p] = _ranks(self.histogram, p)
        return self.ranks[p]

    def row(self, label: str) -> CloseRow:
        return CloseRow(
            label=label,
            opened=self.opened,
            closed=self.closed,
            median_days=_value(self.at(MEDIAN), self.exact),
            p90_days=_value(self.at(P90), self.exact),
            closed_on_time=self.on_time,
            closed_with_target=self.with_target,
        )


def _groups(cities: list[City], dimension: str, date_from: dt.date, date_to: dt.date) -> dict[str, _Group]:
    """Per key: openings, closings, on-time counts and the histogram of days to close.

    Keys are ids (types, departments, districts), unique across cities, so the database
    adds up the cities' rows itself."""
    groups: dict[str, _Group] = defaultdict(_Group)
    rows = summed(cities=cities, dimension=dimension, date_from=date_from, date_to=date_to, by=("key", "days"))
    for (key, days), (opened, closed, on_time, target) in rows.items():
        group = groups[key]
        group.keys.add(key)
        if days == OPENED:
            group.opened += opened
        else:
            group.closed += closed
            group.on_time += on_time
            group.with_target += target
            group.histogram[days] += closed
    return groups


def _merge(into: _Group, other: _Group) -> None:
    into.opened += other.opened
    into.closed += other.closed
    into.on_time += other.on_time
    into.with_target += other.with_target
    into.histogram.update(other.histogram)
    into.keys |= other.keys
    into.ranks.clear()


_COLUMNS: dict[str, str] = {
    Dimension.TYPE: "service_type_id",
    Dimension.DEPARTMENT: "department_id",
    Dimension.DISTRICT: "district_id",
}


# A table whose rows' percentiles need exact times: its cities, dimension, range and groups.
Table = tuple[list[City], str, dt.date, dt.date, Mapping[str, _Group]]


def _exact_closings(tables: Iterable[Table]) -> None:
    """Give each group of the ``tables`` the exact times to close (``_Group.exact``) of the
    ranks its median and 90th percentile need (``needed_cells``). A table's dimension says
    which column its groups' keys are ids of (``Dimension.ALL``: one group of every case).

    Each cell is read on its own from the index of the closed cases whose leading columns are
    the group's column (or the city) and the whole days, sorted by time to close only as far as
    its rank, and only the cases at the wanted ranks come back: on PostgreSQL in one query for
    every table (``_at_ranks``, reports migration 0005), on SQLite in one query per table
    (``_at_ranks_sqlite``, reports migration 0006)."""
    wanted: dict[int, tuple[_Group, set[Cell]]] = {}
    parts: list[tuple[str | None, list[Zone], dict[int, tuple[_Group, set[Cell]]]]] = []
    for cities, dimension, date_from, date_to, groups in tables:
        table: dict[int, tuple[_Group, set[Cell]]] = {}
        for group in groups.values():
            cells = set(_cells(group.at(MEDIAN))) | set(_cells(group.at(P90)))
            if cells:
                table[len(wanted)] = wanted[len(wanted)] = (group, cells)
        if not table:
            continue
        by_zone: dict[str, list[int]] = defaultdict(list)
        for city in cities:
            by_zone[city.timezone].append(int(city.pk))
        zones = []
        for zone_name, ids in by_zone.items():
            tz = zoneinfo.ZoneInfo(zone_name)
            zones.append((ids, _local_midnight(tz, date_from), _local_midnight(tz, date_to + dt.timedelta(days=1))))
        parts.append((_COLUMNS.get(dimension), zones, table))
    if not parts:
        return
    if connection.vendor == "postgresql":
        found = _at_ranks(parts)
    else:
        found = [row for column, zones, table in parts for row in _at_ranks_sqlite(column, zones, table)]
    for index, b, rank, us in found:
        group, cells = wanted[int(index)]
        if (int(b), int(rank)) in cells:
            group.exact[(int(b), int(rank))] = Fraction(max(int(us), 0), DAY_US)


Zone = tuple[list[int], dt.datetime, dt.datetime]  # the cities of a time zone, the range's bounds


def _runs(ranks: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive ranks as (first, how many): a quantile's two ranks are read together."""
    runs: list[tuple[int, int]] = []
    for rank in sorted(ranks):
        if runs and runs[-1][0] + runs[-1][1] == rank:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((rank, 1))
    return runs


def _at_ranks(
    parts: list[tuple[str | None, list[Zone], dict[int, tuple[_Group, set[Cell]]]]],
) -> list[tuple[int, int, int, int]]:
    """PostgreSQL: (group, whole days, rank, microseconds to close) of the wanted cells of
    every table (its groups' column, its zones, its wanted cells), in one query.

    Each run of ranks of a cell is one ``ORDER BY took OFFSET first LIMIT n`` over that cell's
    cases alone: the index of the closed cases by the table's column (the group's keys) or
    the city, and whole days to close (``WHOLE_DAYS_SQL``), then the closing time (reports
    migration 0005) holds exactly the cell's cases of the range, and only as many of them are
    kept in the sort as the rank needs, never the cases of the other keys or days."""
    table = ServiceRequest._meta.db_table
    took = "closed_at - opened_at"
    ctes, selects, params = [], [], []
    for n, (column, zones, wanted) in enumerate(parts):
        rows = []
        for index, (group, cells) in wanted.items():
            keys = ",".join(str(k) for k in sorted({int(k) for k in group.keys if k})) if column is not None else ""
            none = "true" if column is not None and any(not k for k in group.keys) else "false"
            for b in sorted({b for b, _rank in cells}):
                rows += [
                    f"({index}, {b}, {first}, {count}, '{{{keys}}}'::bigint[], {none})"
                    for first, count in _runs(rank for day, rank in cells if day == b)
                ]
        ctes.append(f"wanted{n} (g, b, first, n, ids, none) AS (VALUES {', '.join(rows)})")
        branches = []
        for city_ids, start, end in zones:
            cases = (
                f"SELECT {took} AS took FROM {table} WHERE city_id IN ({', '.join(map(str, city_ids))})"  # noqa: S608
                f" AND {WHOLE_DAYS_SQL} = wanted{n}.b::float8 AND closed_at >= %s AND closed_at < %s"
            )
            if column is None:
                branches.append(cases)
                params += [start, end]
            else:
                # A group's cases of no department (no district) are those whose column is NULL.
                branches += [
                    f"{cases} AND {column} = ANY(wanted{n}.ids)",
                    f"{cases} AND {column} IS NULL AND wanted{n}.none",
                ]
                params += [start, end, start, end]
        selects.append(
            f"SELECT wanted{n}.g, wanted{n}.b, wanted{n}.first + at.i,"  # noqa: S608
            " (EXTRACT(EPOCH FROM at.took) * 1000000)::bigint"
            f" FROM wanted{n} CROSS JOIN LATERAL ("
            "  SELECT took, ROW_NUMBER() OVER (ORDER BY took) - 1 AS i FROM ("
            f"   SELECT took FROM ({' UNION ALL '.join(branches)}) cell"
            f"   ORDER BY took OFFSET wanted{n}.first LIMIT wanted{n}.n"
            "  ) kept"
            " ) at"
        )
    # Every piece is ours: ids, days and ranks are ints, the dates are parameters.
    query = f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return list(cursor.fetchall())


def _at_ranks_sqlite(
    column: str | None, zones: list[Zone], wanted: Mapping[int, tuple[_Group, set[Cell]]]
) -> list[tuple[int, int, int, int]]:
    """SQLite: (group, whole days, rank, microseconds to close) of the wanted cells of one table
    (its groups' column, its zones, its wanted cells), in one query.

    As on PostgreSQL (``_at_ranks``), each run of ranks of a cell is one ``ORDER BY took LIMIT n
    OFFSET first`` over that cell's cases alone, read from the index of the closed cases by the
    table's column or the city, whole days to close (``SQLITE_WHOLE_DAYS``) and closing time
    (reports migration 0006). SQLite has no ``LATERAL`` and takes no column in an ``OFFSET``:
    each run is a scalar subquery of its own, which gives its ranks' times as one text."""
    table = ServiceRequest._meta.db_table
    bounds = [[connection.ops.adapt_datetimefield_value(b) for b in (start, end)] for _ids, start, end in zones]
    rows, params = [], []
    for index, (group, cells) in wanted.items():
        keys = ", ".join(str(k) for k in sorted({int(k) for k in group.keys if k}))
        for b in sorted({b for b, _rank in cells}):
            branches, branch_params = [], []
            for (city_ids, _start, _end), zone_bounds in zip(zones, bounds, strict=True):
                cases = (
                    f"SELECT {SQLITE_TOOK} AS took FROM {table} WHERE city_id IN ({', '.join(map(str, city_ids))})"  # noqa: S608
                    f" AND {SQLITE_WHOLE_DAYS} = {b} AND closed_at >= %s AND closed_at < %s"
                )
                if column is None:
                    branches.append(cases)
                    branch_params += zone_bounds
                    continue
                # A group's cases of no department (no district) are those whose column is NULL.
                if keys:
                    branches.append(f"{cases} AND {column} IN ({keys})")
                    branch_params += zone_bounds
                if any(not k for k in group.keys):
                    branches.append(f"{cases} AND {column} IS NULL")
                    branch_params += zone_bounds
            for first, count in _runs(rank for day, rank in cells if day == b):
                rows.append(
                    f"({index}, {b}, {first}, (SELECT group_concat(took) FROM ("  # noqa: S608
                    f"{' UNION ALL '.join(branches)} ORDER BY took LIMIT {count} OFFSET {first})))"
                )
                params += branch_params
    # Every piece is ours: ids, days and ranks are ints, the dates are parameters.
    query = f"SELECT * FROM (VALUES {', '.join(rows)})"  # noqa: S608
    found = []
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for index, b, first, times in cursor.fetchall():
            # The run's ranks in order: its times sorted (group_concat keeps no promised order).
            for i, us in enumerate(sorted(int(t) for t in (times or "").split(",") if t)):
                found.append((index, b, first + i, us))
    return found


def _rows(labelled: dict[str, _Group], last: str | None = None) -> list[CloseRow]:
    """Rows by closings then openings (most first), then label; ``last`` at the end."""
    rows = [g.row(label) for label, g in labelled.items() if label != last]
    rows.sort(key=lambda r: (-r.closed, -r.opened, r.label))
    if last is not None and last in labelled:
        rows.append(labelled[last].row(last))
    return rows


def _type_groups(
    cities: list[City], date_from: dt.date, date_to: dt.date, groups: dict[str, _Group] | None = None
) -> dict[str, _Group]:
    if groups is None:
        groups = _groups(cities, Dimension.TYPE, date_from, date_to)
    types = ServiceType.objects.filter(pk__in={int(k) for k in groups}).only("name", "name_es", "is_confidential")
    language = translation.get_language() or ""
    names = {str(t.pk): (product_words(CONFIDENTIAL) if t.is_confidential else t.local_name(language)) for t in types}
    labelled: dict[str, _Group] = defaultdict(_Group)
    # Grouped by the name the public reads, as in the Service Request Report; a confidential
    # programme is never named.
    for key, group in groups.items():
        _merge(labelled[names.get(key, key)], group)
    return labelled


def _by_type(
    cities: list[City], date_from: dt.date, date_to: dt.date, groups: dict[str, _Group] | None = None
) -> list[CloseRow]:
    labelled = _type_groups(cities, date_from, date_to, groups)
    _exact_closings([(cities, Dimension.TYPE, date_from, date_to, labelled)])
    return _rows(labelled)


def _place_groups(
    cities: list[City], dimension: str, model: type[Department] | type[District], none_label: str, **dates: dt.date
) -> dict[str, _Group]:
    groups = _groups(cities, dimension, dates["date_from"], dates["date_to"])
    collaborative = len(cities) > 1
    ids = {int(k) for k in groups if k}
    # Boundaries (tens of kB of GeoJSON each) are never needed for a label.
    boundaries = ["city__boundary", "boundary"] if model is District else ["city__boundary"]
    objects = {str(o.pk): o for o in model.objects.filter(pk__in=ids).select_related("city").defer(*boundaries)}
    labelled: dict[str, _Group] = defaultdict(_Group)
    for key, group in groups.items():
        obj = objects.get(key)
        label = none_label if obj is None else (f"{obj.city.name} — {obj.name}" if collaborative else obj.name)
        _merge(labelled[label], group)
    return labelled


def _by_place(
    cities: list[City], dimension: str, model: type[Department] | type[District], none_label: str, **dates: dt.date
) -> list[CloseRow]:
    labelled = _place_groups(cities, dimension, model, none_label, **dates)
    _exact_closings([(cities, dimension, dates["date_from"], dates["date_to"], labelled)])
    return _rows(labelled, last=none_label)


def _total(cities: list[City], date_from: dt.date, date_to: dt.date, groups: dict[str, _Group] | None = None) -> _Group:
    """Every case; from the per-type ``groups`` when they are at hand (every case has a type)."""
    total = _Group()
    for group in (groups if groups is not None else _groups(cities, Dimension.ALL, date_from, date_to)).values():
        _merge(total, group)
    return total


def _overall(
    cities: list[City], date_from: dt.date, date_to: dt.date, groups: dict[str, _Group] | None = None
) -> CloseRow:
    total = _total(cities, date_from, date_to, groups)
    _exact_closings([(cities, Dimension.ALL, date_from, date_to, {"": total})])
    return total.row(_("All cases"))


def _channels(cities: list[City], date_from: dt.date, date_to: dt.date) -> list[Count_]:
    rows = summed(
        cities=cities,
        dimension=Dimension.CHANNEL,
        date_from=date_from,
        date_to=date_to,
        by=("key",),
        counters=("opened",),
        days=OPENED,
    )
    counts = {key: n for (key,), (n,) in rows.items()}
    labels = dict(Channel.choices)
    ranked = sorted(((str(labels.get(k, k)), n) for k, n in counts.items() if n), key=lambda r: (-r[1], r[0]))
    tenths = largest_remainder_tenths([n for _label, n in ranked])
    return [Count_(label=label, count=n, tenths=t) for (label, n), t in zip(ranked, tenths, strict=True)]


def _daily(cities: list[City], date_from: dt.date, date_to: dt.date) -> dict[dt.date, tuple[int, int]]:
    rows = (
        CaseTally.objects.filter(
            city__in=cities, dimension=Dimension.ALL, grain=Grain.DAY, start__gte=date_from, start__lte=date_to
        )
        .values_list("start")
        .annotate(opened=Sum("opened"), closed=Sum("closed"))
        .order_by()
    )
    return {start: (opened, closed) for start, opened, closed in rows}


def _trends(cities: list[City], date_from: dt.date, date_to: dt.date) -> tuple[list[TrendPoint], list[TrendPoint]]:
    """Openings and closings per week (Monday to Sunday) and per month, clipped to the range."""
    daily = _daily(cities, date_from, date_to)
    weekly: dict[dt.date, list[int]] = {}
    monthly: dict[dt.date, list[int]] = {}
    day = date_from
    while day <= date_to:
        opened, closed = daily.get(day, (0, 0))
        for bucket, start in ((weekly, day - dt.timedelta(days=day.weekday())), (monthly, day.replace(day=1))):
            sums = bucket.setdefault(start, [0, 0])
            sums[0] += opened
            sums[1] += closed
        day += dt.timedelta(days=1)
    week_points = [
        TrendPoint(
            start=max(s, date_from),
            end=min(s + dt.timedelta(days=6), date_to),
            opened=o,
            closed=c,
            partial=s < date_from or s + dt.timedelta(days=6) > date_to,
        )
        for s, (o, c) in sorted(weekly.items())
    ]
    month_points = [
        TrendPoint(
            start=max(s, date_from),
            end=min(month_end(s), date_to),
            opened=o,
            closed=c,
            partial=s < date_from or month_end(s) > date_to,
        )
        for s, (o, c) in sorted(monthly.items())
    ]
    return week_points, month_points


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The report's period when none is asked for: the last four weeks, Monday to Sunday,
    the current one to ``today``. Starting on a Monday, the weekly trend opens with a whole
    week, not with a stub of the days before the first Monday."""
    return today - dt.timedelta(days=today.weekday() + 21), today


# --- backlog and overdue (the open cases themselves) ----------------------------------------


def _local_midnight(tz: zoneinfo.ZoneInfo, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def backlog(*, cities: Iterable[City], now: dt.datetime | None = None) -> list[Count_]:
    """Open cases now, by age in whole local days since the day they were opened (a case
    opened today is 0 days old)."""
    now = now or clock.now()
    # The cities of one time zone share a today: one query a zone.
    by_zone: dict[str, list[City]] = defaultdict(list)
    for city in cities:
        by_zone[city.timezone].append(city)
    totals = [0] * len(AGE_BUCKETS)
    for zone_name, zone_cities in by_zone.items():
        tz = zoneinfo.ZoneInfo(zone_name)
        today = city_today(zone_cities[0], now=now)
        ids = [c.pk for c in zone_cities]
        aggregates = {}
        for i, (_label, first, last) in enumerate(AGE_BUCKETS):
            # Opened on a local day d with first <= today - d <= last.
            condition = Q(opened_at__lt=_local_midnight(tz, today - dt.timedelta(days=first - 1)))
            if last is not None:
                condition &= Q(opened_at__gte=_local_midnight(tz, today - dt.timedelta(days=last)))
            # COUNT(opened_at), not COUNT(id): the partial index of open cases (city, opened_at)
            # then answers alone (cases migration 0003).
            aggregates[f"b{i}"] = Count("opened_at", filter=condition)
        counts = ServiceRequest.objects.filter(city_id__in=ids, status__in=OPEN_STATUSES).aggregate(**aggregates)
        for i in range(len(AGE_BUCKETS)):
            totals[i] += counts[f"b{i}"] or 0
    return [Count_(label=_(label), count=n) for (label, _f, _l), n in zip(AGE_BUCKETS, totals, strict=True)]


def overdue_cases(
    *, city: City, now: dt.datetime | None = None, limit: int = OVERDUE_LIMIT
) -> QuerySet[ServiceRequest]:
    """Open cases of ``city`` past their due date, the longest overdue first. Staff only:
    the list shows addresses. Confidential programmes are left out (their investigators
    work them in the console)."""
    now = now or clock.now()
    return (
        ServiceRequest.objects.filter(
            city=city, status__in=OPEN_STATUSES, due_at__lt=now, service_type__is_confidential=False
        )
        .select_related("city", "service_type", "department", "district", "assignee")
        .defer("city__boundary", "district__boundary")
        .order_by("due_at", "pk")[:limit]
    )


# --- the report ------------------------------------------------------------------------------


def whole_months(date_from: dt.date, date_to: dt.date) -> int:
    """How many calendar months the range is, when it is whole months (from a 1st to a
    month's last day); 0 otherwise."""
    if date_from.day != 1 or (date_to + dt.timedelta(days=1)).day != 1:
        return 0
    return (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1


def _months_before(day: dt.date, months: int) -> dt.date:
    """The 1st of the month ``months`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def comparison_kind(date_from: dt.date, date_to: dt.date) -> str:
    """What the period is compared with: "month", "quarter" or "year" (the calendar one just
    before), "months" (as many calendar months just before), or "days" (as many days)."""
    months = whole_months(date_from, date_to)
    if months == 1:
        return "month"
    if months == 3 and date_from.month in (1, 4, 7, 10):
        return "quarter"
    if months == 12 and date_from.month == 1:
        return "year"
    return "months" if months else "days"


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period a report's figures are compared with: for whole calendar months (a month, a
    quarter, a year), as many calendar months just before (November: October, however many
    days each has); for any other range, the same number of days just before ``date_from``."""
    months = whole_months(date_from, date_to)
    if months:
        return _months_before(date_from, months), date_from - dt.timedelta(days=1)
    length = (date_to - date_from).days + 1
    return date_from - dt.timedelta(days=length), date_from - dt.timedelta(days=1)


def _comparison(current: CloseRow, previous: CloseRow) -> list[Comparison]:
    return [
        Comparison(_("New requests"), current.opened, previous.opened),
        Comparison(_("Closed requests"), current.closed, previous.closed),
        Comparison(_("Median time to close"), current.median_days, previous.median_days, in_days=True),
        Comparison(_("90th percentile time to close"), current.p90_days, previous.p90_days, in_days=True),
        Comparison(_("Closed within target (%)"), current.on_time_percent, previous.on_time_percent),
    ]


def scope_cities(city: City | None) -> list[City]:
    """The cities a report covers: one, or every member city."""
    return [city] if city is not None else list(City.objects.defer("boundary").order_by("name"))


def operational_report(
    *, city: City | None, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None
) -> OperationalReport:
    """The operational report of ``city`` (None: every member city) for the local days
    ``date_from`` .. ``date_to``, both included; the backlog is as of ``now``.

    Openings count on the day a case was opened, closings (and their time to close) on the
    day it was closed. Raises ``ReportRangeError`` when the end comes before the start.
    """
    if date_to < date_from:
        raise ReportRangeError(
            _("The end date %(to)s is before the start date %(from)s.") % {"to": date_to, "from": date_from}
        )
    cities = scope_cities(city)
    prev_from, prev_to = previous_period(date_from, date_to)
    type_groups = _groups(cities, Dimension.TYPE, date_from, date_to)
    total = _total(cities, date_from, date_to, type_groups)
    by_type = _type_groups(cities, date_from, date_to, type_groups)
    no_department, no_district = product_words(NO_DEPARTMENT), product_words(NO_DISTRICT)
    dates = {"date_from": date_from, "date_to": date_to}
    by_department = _place_groups(cities, Dimension.DEPARTMENT, Department, no_department, **dates)
    by_district = _place_groups(cities, Dimension.DISTRICT, District, no_district, **dates)
    previous = _total(cities, prev_from, prev_to)
    # Every table's exact times in one query.
    _exact_closings(
        [
            (cities, Dimension.ALL, date_from, date_to, {"": total}),
            (cities, Dimension.TYPE, date_from, date_to, by_type),
            (cities, Dimension.DEPARTMENT, date_from, date_to, by_department),
            (cities, Dimension.DISTRICT, date_from, date_to, by_district),
            (cities, Dimension.ALL, prev_from, prev_to, {"": previous}),
        ]
    )
    overall = total.row(_("All cases"))
    weekly, monthly = _trends(cities, date_from, date_to)
    now = now or clock.now()
    return OperationalReport(
        city=city,
        date_from=date_from,
        date_to=date_to,
        previous_from=prev_from,
        previous_to=prev_to,
        as_of=now,
        overall=overall,
        by_type=_rows(by_type),
        by_department=_rows(by_department, last=no_department),
        by_district=_rows(by_district, last=no_district),
        channels=_channels(cities, date_from, date_to),
        weekly=weekly,
        monthly=monthly,
        comparison=_comparison(overall, previous.row(_("All cases"))),
        backlog=backlog(cities=cities, now=now),
        compared_with=comparison_kind(date_from, date_to),
        to_date=date_to >= city_today(city, now=now),
        # Only asked when the period is empty: whether to suggest a wider one.
        any_cases=bool(total.opened or total.closed)
        or ServiceRequest.objects.filter(city__in=[c.pk for c in cities]).exists(),
    )
