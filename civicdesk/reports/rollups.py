"""Roll-ups of the cases (``CaseTally``), kept current inside the case services' transactions.

Why: on a year of a million cases, even an index-only scan of the cases takes ~200 ms per
``GROUP BY`` on this machine; the reports need a dozen. Tallies per local day *and* per local
month make a year about 12 month rows plus the edge days per key, whatever the volume.

How they stay right: a case's contribution to the tallies is a pure function of a few of its
fields (``Snapshot``). Every service that changes one of them calls ``snapshot`` before and
``record`` after its write; ``record`` applies the difference. Bulk writers (the history
importer) call ``rebuild`` for the cities and days they touched. ``verify`` recomputes the
tallies from the cases and lists every difference (``manage.py rollups_verify``).

Days are the city's days (``zoneinfo``); a case closed after 2 days and 23 hours took 2 whole
days to close.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Max, Min, Q, QuerySet

from civicdesk.cases.models import ServiceRequest
from civicdesk.core.querylog import forget_queries
from civicdesk.reports.models import OPENED, CaseTally, Dimension, Grain
from civicdesk.tenants.models import City

COUNTERS = ("opened", "closed", "closed_on_time", "closed_with_target")
# Dimensions that also count closings (the ones time to close is reported by).
CLOSING_DIMENSIONS = (Dimension.ALL, Dimension.TYPE, Dimension.DEPARTMENT, Dimension.DISTRICT)

Key = tuple[int, str, str, dt.date, str, int]  # city, dimension, grain, start, key, days
Tallies = dict[Key, Counter[str]]


@dataclass(frozen=True)
class Snapshot:
    """The fields of a case the tallies depend on."""

    city_id: int
    timezone: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    due_at: dt.datetime | None
    service_type_id: int
    department_id: int | None
    district_id: int | None
    channel: str


def snapshot(case: ServiceRequest) -> Snapshot:
    """What ``case`` contributes now; take it before a write, pass it to ``record`` after."""
    return Snapshot(
        city_id=case.city_id,
        timezone=case.city.timezone,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        due_at=case.due_at,
        service_type_id=case.service_type_id,
        department_id=case.department_id,
        district_id=case.district_id,
        channel=case.channel,
    )


def _key(value: int | None) -> str:
    return "" if value is None else str(value)


def days_to_close(opened_at: dt.datetime, closed_at: dt.datetime) -> int:
    """Whole days from opening to closing (a case closed the same hour took 0 days)."""
    return max(0, (closed_at - opened_at) // dt.timedelta(days=1))


def _zone(name: str, cache: dict[str, zoneinfo.ZoneInfo] = {}) -> zoneinfo.ZoneInfo:  # noqa: B006 - a cache
    if name not in cache:
        cache[name] = zoneinfo.ZoneInfo(name)
    return cache[name]


def contributions(snap: Snapshot) -> Iterator[tuple[Key, dict[str, int]]]:
    """Every tally row the case adds to, with what it adds."""
    tz = _zone(snap.timezone)
    opened_day = snap.opened_at.astimezone(tz).date()
    opened_keys = (
        (Dimension.ALL, ""),
        (Dimension.TYPE, str(snap.service_type_id)),
        (Dimension.DEPARTMENT, _key(snap.department_id)),
        (Dimension.DISTRICT, _key(snap.district_id)),
        (Dimension.CHANNEL, snap.channel),
        (Dimension.DISTRICT_TYPE, f"{_key(snap.district_id)}:{snap.service_type_id}"),
    )
    for grain, start in ((Grain.DAY, opened_day), (Grain.MONTH, opened_day.replace(day=1))):
        for dimension, key in opened_keys:
            yield (snap.city_id, dimension, grain, start, key, OPENED), {"opened": 1}
    if snap.closed_at is None:
        return
    closed_day = snap.closed_at.astimezone(tz).date()
    days = days_to_close(snap.opened_at, snap.closed_at)
    counts = {"closed": 1}
    if snap.due_at is not None:
        counts["closed_with_target"] = 1
        if snap.closed_at <= snap.due_at:
            counts["closed_on_time"] = 1
    for grain, start in ((Grain.DAY, closed_day), (Grain.MONTH, closed_day.replace(day=1))):
        for dimension, key in opened_keys:
            if dimension in CLOSING_DIMENSIONS:
                yield (snap.city_id, dimension, grain, start, key, days), counts


def _add(tallies: Tallies, snap: Snapshot, sign: int) -> None:
    for key, counts in contributions(snap):
        row = tallies[key]
        for name, n in counts.items():
            row[name] += sign * n


_COUNTERS = ("opened", "closed", "closed_on_time", "closed_with_target")
_KEY_COLUMNS = ("city_id", "dimension", "grain", "start", "key", "days")


def _apply(changes: Sequence[tuple[Key, dict[str, int]]]) -> None:
    """Add each delta to its tally row, making the rows that do not exist yet: one
    ``INSERT … ON CONFLICT DO UPDATE`` for all of a change's rows (PostgreSQL and SQLite).

    One statement instead of an UPDATE (and maybe an INSERT) per row: a new case touches a
    dozen tallies, and every round trip is time the city's rows stay locked while other
    reports to the same city wait. Rows come in key order, so two writers lock them in the
    same order and never wait on each other crosswise."""
    if not changes:
        return
    q = connection.ops.quote_name
    table = q(CaseTally._meta.db_table)
    columns = (*_KEY_COLUMNS, *_COUNTERS)
    names = ", ".join(q(c) for c in columns)
    add = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in _COUNTERS)
    conflict = f"ON CONFLICT ({', '.join(q(c) for c in _KEY_COLUMNS)}) DO UPDATE SET {add}"
    # Only our own table's and columns' quoted names go into the text; every value is a parameter.
    if connection.vendor == "postgresql":
        # One array per column: the same statement text and ten parameters whatever the number
        # of rows. A dozen rows as a VALUES list were 120 parameters, past what the driver keeps
        # parsed (50), so each new case parsed its own text again, on both sides of the wire.
        values = [(*key, *(delta.get(name, 0) for name in _COUNTERS)) for key, delta in changes]
        arrays = [list(column) for column in zip(*values, strict=True)]
        sql = (
            f"INSERT INTO {table} ({names}) "  # noqa: S608
            "SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::date[], %s::varchar[],"
            f" %s::integer[], %s::integer[], %s::integer[], %s::integer[], %s::integer[]) {conflict}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, arrays)
        return
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params: list[Any] = []
    for (city_id, dimension, grain, start, value, days), delta in changes:
        params += [city_id, dimension, grain, connection.ops.adapt_datefield_value(start), value, days]
        params += [delta.get(name, 0) for name in _COUNTERS]
    sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(changes))} {conflict}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def record(*, before: Snapshot | None, case: ServiceRequest | None) -> None:
    """Apply to the tallies the change of one case from ``before`` (None: it is new) to its
    current state (``case`` None: it is gone). Call inside the service's transaction."""
    tallies: Tallies = defaultdict(Counter)
    if before is not None:
        _add(tallies, before, -1)
    if case is not None:
        _add(tallies, snapshot(case), +1)
    changes = [(key, dict(tallies[key])) for key in sorted(tallies) if any(tallies[key].values())]
    _apply(changes)


# --- rebuilding and verifying --------------------------------------------------------------


def _month_floor(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _snapshots(cases: Iterable[tuple]) -> Iterator[Snapshot]:  # type: ignore[type-arg]
    for row in cases:
        yield Snapshot(*row)


SNAPSHOT_FIELDS = (
    "city_id",
    "city__timezone",
    "opened_at",
    "closed_at",
    "due_at",
    "service_type_id",
    "department_id",
    "district_id",
    "channel",
)


def fresh_tallies(*, cities: list[City], start: dt.date | None = None, end: dt.date | None = None) -> Tallies:
    """The tallies recomputed from the cases (rows whose period starts in ``start``..``end``)."""
    tallies: Tallies = defaultdict(Counter)
    cases = ServiceRequest.objects.filter(city__in=cities)
    if start is not None and end is not None:
        # A day or two of slack on each side covers every time zone; rows are filtered below.
        lo = dt.datetime.combine(start - dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)
        hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)
        cases = cases.filter(Q(opened_at__gte=lo, opened_at__lt=hi) | Q(closed_at__gte=lo, closed_at__lt=hi))
    rows = cases.order_by().values_list(*SNAPSHOT_FIELDS).iterator(chunk_size=20_000)
    for snap in _snapshots(rows):
        for key, counts in contributions(snap):
            if start is not None and end is not None and not start <= key[3] <= end:
                continue
            row = tallies[key]
            for name, n in counts.items():
                row[name] += n
    return tallies


def _scope(cities: list[City], start: dt.date | None, end: dt.date | None) -> Q:
    where = Q(city__in=cities)
    if start is not None and end is not None:
        where &= Q(start__gte=start, start__lte=end)
    return where


def _widen(start: dt.date | None, end: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    # Month rows cover whole months: a rebuild of some days rebuilds their months.
    if start is None or end is None:
        return None, None
    return _month_floor(start), month_end(end)


@transaction.atomic
def rebuild(*, city: City | None = None, start: dt.date | None = None, end: dt.date | None = None) -> int:
    """Recompute the tallies of ``city`` (None: every city) for the local days ``start`` ..
    ``end`` (None: all time) from the cases, replacing what was there. Returns the number
    of rows written.

    For bulk writers that bypass the case services (the history importer): call it once
    after loading, with the cities and the range of days the loaded cases were opened *or
    closed* on. The range is widened to whole months.
    """
    cities = [city] if city is not None else list(City.objects.defer("boundary"))
    start, end = _widen(start, end)
    CaseTally.objects.filter(_scope(cities, start, end)).delete()
    if connection.vendor == "postgresql":
        return _rebuild_in_postgresql(cities, start, end)
    # A year at a time: every tally row belongs to one month (a day's, or the month's), so
    # spans of whole months are independent, and memory holds one year's tallies whatever the
    # length of the history (each span reads the cases once: a year keeps the reads few).
    written = 0
    for month_start, month_last in _spans(cities, start, end):
        tallies = fresh_tallies(cities=cities, start=month_start, end=month_last)
        rows = [
            CaseTally(city_id=k[0], dimension=k[1], grain=k[2], start=k[3], key=k[4], days=k[5], **counts)
            for k, counts in tallies.items()
            if any(counts.values())
        ]
        del tallies
        CaseTally.objects.bulk_create(rows, batch_size=5_000)
        written += len(rows)
        forget_queries()
    return written


def _spans(
    cities: list[City], start: dt.date | None, end: dt.date | None, months: int = 12
) -> Iterator[tuple[dt.date, dt.date]]:
    """Spans of ``months`` whole months from ``start`` to ``end`` (all time: the first to the
    last day the cases touch)."""
    if start is None or end is None:
        bounds = ServiceRequest.objects.filter(city__in=cities).aggregate(
            first=Min("opened_at"), last_opened=Max("opened_at"), last_closed=Max("closed_at")
        )
        if bounds["first"] is None:
            return
        last = max(t for t in (bounds["last_opened"], bounds["last_closed"]) if t is not None)
        # A day of slack either side covers every zone a city may be in.
        start = (bounds["first"] - dt.timedelta(days=1)).date()
        end = (last + dt.timedelta(days=1)).date()
    first = _month_floor(start)
    while first <= end:
        last = first
        for _ in range(months - 1):
            if month_end(last) >= end:
                break
            last = month_end(last) + dt.timedelta(days=1)
        yield first, month_end(last)
        first = month_end(last) + dt.timedelta(days=1)


# The same contributions as ``contributions``, computed by PostgreSQL in two statements: a
# million cases take seconds instead of minutes of Python. Tests check it against ``verify``
# (which recomputes in Python) on PostgreSQL.
_PG_REBUILD = """
WITH base AS (
    SELECT c.city_id, (c.opened_at AT TIME ZONE city.timezone)::date AS opened_day,
           (c.closed_at AT TIME ZONE city.timezone)::date AS closed_day,
           GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (c.closed_at - c.opened_at)) / 86400))::int AS days,
           c.closed_at, c.due_at,
           c.service_type_id::text AS type_key, COALESCE(c.department_id::text, '') AS department_key,
           COALESCE(c.district_id::text, '') AS district_key, c.channel
    FROM cases_servicerequest c JOIN tenants_city city ON city.id = c.city_id
    WHERE c.city_id = ANY(%(cities)s) AND (%(lo)s::timestamptz IS NULL OR
          (c.opened_at >= %(lo)s AND c.opened_at < %(hi)s) OR (c.closed_at >= %(lo)s AND c.closed_at < %(hi)s))
), opened AS (
    SELECT g.grain, g.start, b.city_id, k.dimension, k.key, -1 AS days,
           COUNT(*) AS opened, 0 AS closed, 0 AS on_time, 0 AS with_target
    FROM base b
    CROSS JOIN LATERAL (VALUES ('all', ''), ('type', b.type_key), ('department', b.department_key),
        ('district', b.district_key), ('channel', b.channel),
        ('district_type', b.district_key || ':' || b.type_key)) AS k(dimension, key)
    CROSS JOIN LATERAL (VALUES ('D', b.opened_day), ('M', date_trunc('month', b.opened_day)::date)) AS g(grain, start)
    GROUP BY 1, 2, 3, 4, 5
), closed AS (
    SELECT g.grain, g.start, b.city_id, k.dimension, k.key, b.days,
           0 AS opened, COUNT(*) AS closed,
           COUNT(*) FILTER (WHERE b.due_at IS NOT NULL AND b.closed_at <= b.due_at) AS on_time,
           COUNT(*) FILTER (WHERE b.due_at IS NOT NULL) AS with_target
    FROM base b
    CROSS JOIN LATERAL (VALUES ('all', ''), ('type', b.type_key), ('department', b.department_key),
        ('district', b.district_key)) AS k(dimension, key)
    CROSS JOIN LATERAL (VALUES ('D', b.closed_day), ('M', date_trunc('month', b.closed_day)::date)) AS g(grain, start)
    WHERE b.closed_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
)
INSERT INTO reports_casetally
    (grain, start, city_id, dimension, key, days, opened, closed, closed_on_time, closed_with_target)
SELECT * FROM (SELECT * FROM opened UNION ALL SELECT * FROM closed) AS t
WHERE %(start)s::date IS NULL OR t.start BETWEEN %(start)s AND %(end)s
-- In the order of the unique index (and of the covering one): each row goes to the right
-- edge of both instead of a random page, a quarter faster on an import of 100,000 cases.
ORDER BY t.city_id, t.dimension, t.grain, t.start, t.key, t.days
"""


def _rebuild_in_postgresql(cities: list[City], start: dt.date | None, end: dt.date | None) -> int:
    lo = hi = None
    if start is not None and end is not None:
        lo = dt.datetime.combine(start - dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)
        hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)
    params = {"cities": [c.pk for c in cities], "lo": lo, "hi": hi, "start": start, "end": end}
    with connection.cursor() as cursor:
        cursor.execute(_PG_REBUILD, params)
        return int(cursor.rowcount)


@dataclass(frozen=True)
class Difference:
    key: Key
    stored: dict[str, int]
    fresh: dict[str, int]


def verify(*, city: City | None = None, start: dt.date | None = None, end: dt.date | None = None) -> list[Difference]:
    """Every tally row that differs from a fresh count over the cases (empty: all agree)."""
    cities = [city] if city is not None else list(City.objects.all())
    start, end = _widen(start, end)
    fresh = {
        k: {n: v for n, v in c.items() if v} for k, c in fresh_tallies(cities=cities, start=start, end=end).items()
    }
    stored: dict[Key, dict[str, int]] = {}
    for row in CaseTally.objects.filter(_scope(cities, start, end)).values(
        "city_id", "dimension", "grain", "start", "key", "days", *COUNTERS
    ):
        key = (row["city_id"], row["dimension"], row["grain"], row["start"], row["key"], row["days"])
        stored[key] = {n: row[n] for n in COUNTERS if row[n]}
    differences = []
    for key in sorted(set(fresh) | set(stored)):
        a, b = stored.get(key, {}), fresh.get(key, {})
        if a != b:
            differences.append(Difference(key=key, stored=a, fresh=b))
    return differences


# --- reading ---------------------------------------------------------------------------------


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def period_spans(date_from: dt.date, date_to: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The tally rows that together cover the local days ``date_from`` .. ``date_to`` exactly
    once, as (grain, first start, last start): the month rows of the whole months inside, and
    the day rows of each stretch of remaining days (at most two)."""
    months: list[dt.date] = []
    stretches: list[tuple[dt.date, dt.date]] = []
    day = date_from
    while day <= date_to:
        last_of_month = month_end(day)
        if day.day == 1 and last_of_month <= date_to:
            months.append(day)
            day = last_of_month + dt.timedelta(days=1)
            continue
        last = min(last_of_month, date_to)
        if stretches and stretches[-1][1] + dt.timedelta(days=1) == day:
            stretches[-1] = (stretches[-1][0], last)  # the end of one month and the start of the next
        else:
            stretches.append((day, last))
        day = last + dt.timedelta(days=1)
    spans = [(str(Grain.DAY), first, last) for first, last in stretches]
    if months:
        spans.append((str(Grain.MONTH), months[0], months[-1]))
    return spans


def period_pieces(date_from: dt.date, date_to: dt.date) -> list[Q]:
    """``period_spans`` as conditions on tally rows."""
    return [
        Q(grain=grain, start__gte=first, start__lte=last) for grain, first, last in period_spans(date_from, date_to)
    ]


def periods(date_from: dt.date, date_to: dt.date) -> Q:
    """``period_pieces`` as one condition."""
    condition = Q(pk__in=[])
    for piece in period_pieces(date_from, date_to):
        condition |= piece
    return condition


def tallies(*, cities: Iterable[City], dimension: str, date_from: dt.date, date_to: dt.date) -> QuerySet[CaseTally]:
    """The tally rows of ``dimension`` for the cities over the local days given."""
    return CaseTally.objects.filter(periods(date_from, date_to), city__in=list(cities), dimension=dimension)


def summed(
    *,
    cities: Iterable[City],
    dimension: str,
    date_from: dt.date,
    date_to: dt.date,
    by: Sequence[str],
    counters: Sequence[str] = COUNTERS,
    **filters: Any,
) -> dict[tuple[Any, ...], list[int]]:
    """The sums of ``counters`` over the tally rows of the range, per value of the ``by`` fields
    (and only the rows whose ``filters`` fields equal the values given).

    Each piece of the range (``period_spans``) is summed on its own, the pieces joined by
    ``UNION ALL`` rather than one condition with an ``OR``: PostgreSQL then reads each piece
    from the covering index alone (reports migration 0002), about twice as fast on a year of a
    million cases; Python adds up the pieces. Written as plain SQL and read as the database
    gives it (the fields are ids, keys and counts, which need no conversion): a year's report
    reads tens of thousands of these rows, which Django's conversion of each value slowed.
    """
    ids = [int(c.pk) for c in cities]
    out: dict[tuple[Any, ...], list[int]] = {}
    if not ids:
        return out
    meta = CaseTally._meta

    def column(name: str) -> str:
        field = meta.get_field(name)
        assert isinstance(field, Field) and field.column, name
        return str(connection.ops.quote_name(field.column))

    group = ", ".join(column(name) for name in by)
    sums = ", ".join(f"SUM({column(name)})" for name in counters)
    # Every piece is ours: the model's column names and ids; the values are parameters.
    where = f"city_id IN ({', '.join(map(str, ids))}) AND dimension = %s" + "".join(
        f" AND {column(name)} = %s" for name in filters
    )
    pieces, params = [], []
    for grain, first, last in period_spans(date_from, date_to):
        pieces.append(
            f"SELECT {group}, {sums} FROM {connection.ops.quote_name(meta.db_table)}"  # noqa: S608
            f" WHERE grain = %s AND start >= %s AND start <= %s AND {where} GROUP BY {group}"
        )
        params += [grain, connection.ops.adapt_datefield_value(first), connection.ops.adapt_datefield_value(last)]
        params += [dimension, *filters.values()]
    if not pieces:
        return out
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(pieces), params)
        rows = cursor.fetchall()
    width = len(by)
    for row in rows:
        key, values = tuple(row[:width]), row[width:]
        if key in out:
            total = out[key]
            for i, n in enumerate(values):
                total[i] += n or 0
        else:
            out[key] = [n or 0 for n in values]
    return out


# --- the hook the case services call ---------------------------------------------------------

_TRACKED = "_rollup_snapshot"
_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("civicdesk_rollups_deferred", default=False)


@contextlib.contextmanager
def deferred(*, city: City | None = None) -> Iterator[None]:
    """Skip the per-write tally updates inside the block and rebuild the tallies of ``city``
    (None: every city) once at its end — for replaying a long history through the case
    services (the demo loader), where one rebuild is far cheaper than thousands of updates.
    The rebuild runs only if the block finished without error, in the caller's transaction.
    """
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)
    rebuild(city=city)


def track(case: ServiceRequest) -> ServiceRequest:
    """Remember what ``case`` contributes before a service changes it (see ``sync``)."""
    setattr(case, _TRACKED, snapshot(case))
    return case


def sync(case: ServiceRequest) -> None:
    """After a service saved ``case``: apply its change since ``track`` (or since it was new)."""
    if _deferred.get():
        return
    record(before=getattr(case, _TRACKED, None), case=case)
    track(case)
