"""What every computed measure shares: the result types and the case events they read.

A definition module exposes ``KEY``, ``TITLE``, ``METHOD`` (plain language, shown on the
dashboard), ``UNIT``, ``DIRECTION`` and ``compute(measure=, period=, now=)``, which returns
a ``Computation``: the figure AND every case behind it, each marked met, missed or not yet
decided. The figure is worked out from that same list, so the drill-down can never disagree
with the number.

A definition may also expose ``figure(measure=, period=, now=)``, a ``Tally``: the same
figure, the same count of cases behind it and when time alone next changes it, worked out by
the database (aggregates, a median at its ranks) without reading a case into Python. A
definition that reads the case's log does so with the log's rules as conditions on the
``CaseEvent`` table (``inspection_events``, ``worked_events``: ``is_inspection`` and
``is_worked`` to the letter), each case's first such event a subquery (``first_event_at``),
and counts in one aggregate over them (``tally_of``). The regional comparison's kept figures
use it, and so does the nightly stored value (``services.measure_stored_figure``: the figure
and its count of decided cases, which is ``Tally.cases`` unless the definition has its own
``stored_figure(measure=, period=, now=)``, the median's); tests work every such figure out
both ways on the same cases
(``tests/performance/test_figures_in_the_database.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import NotSupportedError, connections
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import Exact, In
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import ngettext

from civicdesk.cases.models import CaseEvent, EventKind, Resolution, ServiceRequest, Status
from civicdesk.cases.time_to_close import microseconds_sql
from civicdesk.performance.formatting import _number

if TYPE_CHECKING:
    from civicdesk.performance.models import Measure


@dataclass(frozen=True)
class CaseResult:
    """One case behind a figure. ``met`` is None while it cannot be decided yet (the case
    still has time); such cases are listed but not counted. ``decides_at``, for such a case,
    is when time alone decides it if nothing else happens first (its due date, its deadline):
    until then the figure cannot change unless a case does (the regional comparison's kept
    figures rely on it; None: unknown, so the figure is worked out again each time)."""

    case: ServiceRequest
    met: bool | None
    detail: str
    decides_at: dt.datetime | None = None


@dataclass
class Computation:
    value: Decimal | None
    results: list[CaseResult] = field(default_factory=list)
    # What "met" and "missed" mean for this figure, when the drill-down should say more than
    # "Met"/"Missed" (e.g. "Closed within the measure's target (≤ 3.0 days)").
    met_label: str = ""
    missed_label: str = ""

    @property
    def met(self) -> list[CaseResult]:
        return [r for r in self.results if r.met is True]

    @property
    def missed(self) -> list[CaseResult]:
        return [r for r in self.results if r.met is False]

    @property
    def pending(self) -> list[CaseResult]:
        return [r for r in self.results if r.met is None]

    @property
    def decided(self) -> int:
        return len(self.met) + len(self.missed)


@dataclass(frozen=True)
class Tally:
    """A figure worked out by the database (a definition's ``figure``): what ``compute`` gives
    as ``value``, the cases it rests on as the regional comparison counts them (every case for
    a median or a count, else the decided ones), and ``changes_at``, the soonest moment one of
    its open cases not yet decided is decided by time alone (None: none is)."""

    value: Decimal | None
    cases: int
    changes_at: dt.datetime | None = None


def cases_of(measure: Measure) -> QuerySet[ServiceRequest]:
    """The measure's city's cases of the service types it covers (by service code), with
    their audit log in order (a definition that reads no event drops it:
    ``.prefetch_related(None)``). Confidential types are counted like any other; pages that
    list cases leave them out."""
    return (
        ServiceRequest.objects.filter(city_id=measure.city_id, service_type__code__in=list(measure.service_codes))
        .select_related("city", "service_type")
        .defer("city__boundary")  # tens of kB of GeoJSON a row, never read here
        # Only what the definitions read of an event (``is_inspection``, ``is_worked``): a case's
        # log is most of the rows a figure reads, and its texts are never looked at here.
        .prefetch_related(
            Prefetch(
                "events",
                queryset=CaseEvent.objects.only("id", "case_id", "at", "kind", "actor_id", "changes").order_by(
                    "at", "pk"
                ),
            )
        )
        .order_by("opened_at", "pk")
    )


def is_inspection(event: CaseEvent) -> bool:
    """An *inspection update*: a step a staff member records once they have looked at the
    problem — a public note, moving the case to "in progress", or closing it as resolved or
    as needing no action. Assigning, internal notes and closing as duplicate or referred do
    not count: they can be done from a desk."""
    if event.actor_id is None:
        return False
    if event.kind == EventKind.PUBLIC_NOTE:
        return True
    if event.kind == EventKind.STATUS_CHANGED:
        return (event.changes.get("status") or [None, None])[-1] == Status.IN_PROGRESS
    if event.kind == EventKind.CLOSED:
        resolution = (event.changes.get("resolution") or [None, None])[-1]
        return resolution in (Resolution.RESOLVED, Resolution.NO_ACTION)
    return False


def is_worked(event: CaseEvent) -> bool:
    """A call is *worked* once staff have acted on it for the resident: a public note,
    "in progress", or any closing (a duplicate or a referral has been dealt with too)."""
    if event.actor_id is None:
        return False
    if event.kind == EventKind.CLOSED:
        return True
    return is_inspection(event)


def first_event(case: ServiceRequest, test: Callable[[CaseEvent], bool]) -> CaseEvent | None:
    return next((e for e in case.events.all() if test(e)), None)


class LastChangedTo(Func):
    """What an event's ``changes[key]`` (``[before, after]``) says a field became: its last
    element, as text, as ``is_inspection`` reads it (``changes.get(key)[-1]``); NULL when the
    event does not change the field. PostgreSQL and SQLite each read a JSON array from its end."""

    output_field = CharField()

    def __init__(self, key: str) -> None:
        super().__init__(F("changes"))
        self.key = key

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        raise NotSupportedError("LastChangedTo is written for PostgreSQL and SQLite.")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        changes, params = compiler.compile(self.source_expressions[0])
        return f"({changes} -> %s::text ->> -1)", (*params, self.key)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        changes, params = compiler.compile(self.source_expressions[0])
        # A JSON path's [#-1] is an array's last element; the key quoted as a path wants it.
        return f"json_extract({changes}, %s)", (*params, f'$."{self.key}"[#-1]')


def inspection_events() -> Q:
    """``is_inspection`` as a condition on the ``CaseEvent`` table, every part of it: by a
    staff member, and a public note, a change of status to "in progress", or a closing as
    resolved or as needing no action."""
    return Q(actor__isnull=False) & (
        Q(kind=EventKind.PUBLIC_NOTE)
        | (Q(kind=EventKind.STATUS_CHANGED) & Q(Exact(LastChangedTo("status"), Value(Status.IN_PROGRESS.value))))
        | (
            Q(kind=EventKind.CLOSED)
            & Q(In(LastChangedTo("resolution"), [Resolution.RESOLVED.value, Resolution.NO_ACTION.value]))
        )
    )


def worked_events() -> Q:
    """``is_worked`` as a condition on the ``CaseEvent`` table: by a staff member, and any
    closing or an inspection update."""
    return Q(actor__isnull=False) & (Q(kind=EventKind.CLOSED) | inspection_events())


def first_event_at(condition: Q) -> Subquery:
    """The time of a case's first event meeting ``condition`` (``first_event``'s), or NULL: a
    subquery on the case's row that walks the log's index (case, at) in order and stops at the
    first. Events at the same moment need no order between them: only the time is read."""
    return Subquery(CaseEvent.objects.filter(condition, case_id=OuterRef("pk")).order_by("at").values("at")[:1])


def tally_of(cases: QuerySet[Any, Any], select: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """One row of aggregates ``select`` worked out by the database over ``cases``, each case's
    subqueries (``first_event_at``) and expressions worked out once, not once for each
    aggregate that reads them. ``select`` is SQL over the columns of ``cases.values(…)``: a
    field by its column's name, an annotation by its own."""
    connection = connections[cases.db]
    inner, inner_params = cases.order_by().query.sql_with_params()
    # OFFSET 0 keeps the database from merging the inner query into the outer one, which would
    # copy each subquery into every aggregate reading its column (and run it that many times).
    fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    query = f"SELECT {select} FROM ({inner} {fence}) AS counted"  # noqa: S608 (ours: the definition's SQL)
    with connection.cursor() as cursor:
        cursor.execute(query, (*params, *inner_params))  # ``select`` comes first
        row: tuple[Any, ...] = cursor.fetchone()
    return row


def moment_of(value: Any, alias: str) -> dt.datetime | None:
    """A time an aggregate of ``tally_of`` returned as a datetime (SQLite gives its text)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    moment = parse_datetime(str(value))
    if moment is None:
        raise ValueError(f"Not a time: {value!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, connections[alias].timezone)


def is_duplicate(case: ServiceRequest) -> bool:
    return case.status == Status.CLOSED and case.resolution == Resolution.DUPLICATE


def days(delta: dt.timedelta) -> Decimal:
    return Decimal(delta.total_seconds()) / Decimal(86400)


def describe_days(delta: dt.timedelta) -> str:
    """e.g. "2.7 days", "1.0 day", in the reader's language."""
    value = days(delta).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return ngettext("%(n)s day", "%(n)s days", 1 if value == 1 else 2) % {"n": _number(value, 1)}


def share(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a per cent (0–100), or None when there is nothing to count."""
    if whole == 0:
        return None
    return Decimal(100) * Decimal(part) / Decimal(whole)


def parameter_days(measure: Measure, default: int) -> Decimal:
    raw = (measure.parameters or {}).get("days", default)
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return Decimal(default)


# --- the cases behind a figure, marked by the database ---------------------------------------

MET, MISSED = 1, 0


class MicrosecondsBetween(Func):
    """The whole microseconds from ``earlier`` to ``later`` (two times), as
    ``cases.time_to_close.microseconds_sql`` reads them: the very ``later - earlier`` Python
    works out, so a limit compares to the microsecond in a filter as in ``compute``."""

    output_field = BigIntegerField()

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        if connection.vendor not in ("postgresql", "sqlite"):
            raise NotSupportedError("MicrosecondsBetween is written for PostgreSQL and SQLite.")
        return microseconds_sql(connection.vendor, later=later, earlier=earlier), (*later_params, *earlier_params)


def outcome(met: Q, missed: Q) -> Case:
    """A case's mark as an expression: ``MET`` where ``met`` holds, else ``MISSED`` where
    ``missed`` does, else NULL (not decided yet), ``compute``'s order of tests."""
    return Case(When(met, then=Value(MET)), When(missed, then=Value(MISSED)), default=None, output_field=IntegerField())


@dataclass(frozen=True)
class Listing:
    """The cases behind a figure, each marked by the database (a definition's ``listing``):
    ``cases`` are ``compute``'s cases in its order, annotated ``outcome`` (``MET``,
    ``MISSED``, or NULL: not decided yet) by the same rules as its figure, so a page can count
    them, filter them by their mark and read one page of them, never every case. ``result``
    writes one case's line (its mark and why) as ``compute`` writes it."""

    cases: QuerySet[ServiceRequest]
    result: Callable[[ServiceRequest], CaseResult]
    met_label: str = ""
    missed_label: str = ""


def marked(case: ServiceRequest) -> bool | None:
    """A listed case's mark (its ``outcome``) as ``CaseResult.met`` says it."""
    value = getattr(case, "outcome", None)
    return None if value is None else value == MET


def wall_clock_edges(
    tz: dt.tzinfo, start: dt.datetime, end: dt.datetime, times: tuple[dt.time, ...] = ()
) -> list[dt.datetime]:
    """The moments from ``start`` (included) to ``end`` at which a moment's date on the clock
    of ``tz``, or the side of each of ``times`` its hour is on, can change: each moment that
    clock reads midnight or one of ``times`` (both times an hour that comes twice reads it) and
    each moment the clocks change. Between two of them neither changes, so whatever is worked
    out from them (a call's business day, a due date in business days) is for every moment of
    the stretch what it is for its first: the database can then be given it as a ``CASE`` of
    moments, even where the clock goes back past closing time or midnight. In UTC, in order."""
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    found = {start}
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date() + dt.timedelta(days=1)
    while day <= last:
        for time in (dt.time(0), *times):
            for fold in (0, 1):
                found.add(dt.datetime.combine(day, time, tzinfo=tz).replace(fold=fold).astimezone(dt.UTC))
        day += dt.timedelta(days=1)
    # Where the clocks change, an hour may never be read (its moment is then the change itself).
    # The clocks change months apart: a day's two ends differ in offset when it holds a change.
    moment, a_day = start, dt.timedelta(days=1)
    while moment < end:
        following = min(moment + a_day, end)
        if moment.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            before, after = moment, following
            while after - before > dt.timedelta(microseconds=1):
                middle = before + (after - before) // 2
                if middle.astimezone(tz).utcoffset() == before.astimezone(tz).utcoffset():
                    before = middle
                else:
                    after = middle
            found.add(after)
        moment = following
    return sorted(moment for moment in found if start <= moment < end)


def stretches(
    edges: list[dt.datetime], end: dt.datetime, value: Callable[[dt.datetime], Any]
) -> list[tuple[dt.datetime, Any]]:
    """``(until, value)`` of each stretch between ``edges`` up to ``end``, the value worked out
    at its first moment, neighbours of the same value joined: a ``CASE WHEN t < until THEN
    value`` for moments from the first edge to ``end``."""
    found: list[tuple[dt.datetime, Any]] = []
    for begin, until in zip(edges, [*edges[1:], end], strict=True):
        worked_out = value(begin)
        if found and found[-1][1] == worked_out:
            found[-1] = (until, worked_out)
        else:
            found.append((until, worked_out))
    return found
