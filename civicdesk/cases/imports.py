"""Import of case history in bulk: ``cases_import``.

``case_create`` records one new case at a time (≈10 ms each, with its emails); an import of
a city's history is hundreds of thousands of cases that happened long ago. ``cases_import``
applies the same rules as ``case_create`` to a batch at once — city and district from the
point (``geo.covering_many``), department from the type (``routing.department_for``), due
date from the type's target days, numbers taken as one block under the city's row lock, a
CREATED audit event per case (and a CLOSED one when the source says it was closed) — and
writes no outbox rows: an imported case emails nobody.

Rows come from any reader (``civicdesk.reports.importers``) as ``ImportedCase`` or, for a
row the reader could not understand, ``BadRow``. The import streams: it holds one batch at
a time whatever the size of the input. Each batch is its own transaction, so a failure at
row 900,000 keeps the 899,000 before it, and running the same import again skips every case
already present (same city, same ``external_id``): re-importing a file changes nothing.

On PostgreSQL the batches are written with ``COPY`` (psycopg's ``cursor.copy()``), which is
3–4 times the rate of ``bulk_create``; elsewhere with ``bulk_create``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from queue import Full, Queue
from typing import Any

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from civicdesk.cases.invariants import case_numbers_take, city_lock
from civicdesk.cases.models import (
    CaseEvent,
    Channel,
    EventKind,
    Priority,
    Resolution,
    ServiceRequest,
    Status,
    new_tracking_token,
)
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.routing import department_for
from civicdesk.tenants import geo
from civicdesk.tenants.models import City, Department, District

DEFAULT_BATCH_SIZE = 5000
MAX_ADDRESS = 300
MAX_EXTERNAL_ID = 100
MAX_TEXT = 10_000
IMPORT_ACTOR = "Import"

# Plain strings, not enum members: computed once (``Status.values`` builds a list per call)
# and rendered by COPY without a detour through ``str()``.
_STATUSES = frozenset(str(v) for v in Status.values)
_RESOLUTIONS = frozenset(str(v) for v in Resolution.values)
_PRIORITIES = frozenset(str(v) for v in Priority.values)
_IMPORT_CHANNEL = str(Channel.IMPORT.value)
_NEW, _CLOSED = str(Status.NEW.value), str(Status.CLOSED.value)
_CREATED, _CLOSED_EVENT = str(EventKind.CREATED.value), str(EventKind.CLOSED.value)


@dataclass(slots=True)
class ImportedCase:
    """One case of history as a reader understood it, before the city's rules are applied.

    Times are aware. ``service_code`` is the code of one of the target city's service types.
    ``district_number`` is the district the source recorded: used only when the row has no
    point, since a point decides the district as it does for a new case.
    """

    line: int
    external_id: str
    service_code: str
    opened_at: dt.datetime
    source: str = ""
    description: str = ""
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    status: str = Status.NEW
    resolution: str = ""
    closed_at: dt.datetime | None = None
    closing_note: str = ""
    updated_at: dt.datetime | None = None
    district_number: int | None = None
    priority: str = Priority.NORMAL
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that was not imported, where it is (file and line) and why, in the user's words."""

    source: str
    line: int
    reason: str
    external_id: str = ""

    def __str__(self) -> str:
        where = f"{self.source}, line {self.line}" if self.source else f"line {self.line}"
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: rows read, cases imported, already present (skipped), bad rows.

    ``bad_rows`` and ``warnings`` keep the first few examples (``examples`` of each); every
    bad row goes to the ``on_bad_row`` callback, which can write them all to a file.
    """

    read: int = 0
    imported: int = 0
    already_present: int = 0
    bad: int = 0
    warned: int = 0
    dry_run: bool = False
    elapsed: float = 0.0
    bad_rows: list[BadRow] = field(default_factory=list)
    warnings: list[BadRow] = field(default_factory=list)
    examples: int = 20

    @property
    def rate(self) -> float:
        """Rows read per second."""
        return self.read / self.elapsed if self.elapsed > 0 else 0.0

    def add_bad(self, row: BadRow) -> None:
        self.bad += 1
        if len(self.bad_rows) < self.examples:
            self.bad_rows.append(row)

    def add_warning(self, row: BadRow) -> None:
        self.warned += 1
        if len(self.warnings) < self.examples:
            self.warnings.append(row)


@dataclass(frozen=True, slots=True)
class _Ready:
    """A row that passed every rule, with what the city's rules decided for it."""

    row: ImportedCase
    service_type: ServiceType
    department: Department | None
    district: District | None
    closed_at: dt.datetime | None
    updated_at: dt.datetime


class _CityRules:
    """The target city's types, departments, districts and area indexes, read once per
    import on the calling thread (the preparing thread never touches the database)."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.types = {t.code.lower(): t for t in ServiceType.objects.filter(city=city).select_related("department")}
        self.departments = {t.pk: department_for(t) for t in self.types.values()}
        self.districts = {d.pk: d for d in District.objects.filter(city=city).defer("boundary")}
        self.district_by_number = {d.number: d for d in self.districts.values() if d.number is not None}
        self.city_names = dict(City.objects.values_list("pk", "name"))
        self.city_index = geo.city_index()
        self.district_index = geo.district_index(city.pk)


def _chunks(rows: Iterable[ImportedCase | BadRow], size: int) -> Iterator[list[ImportedCase | BadRow]]:
    batch: list[ImportedCase | BadRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(slots=True)
class _Prepared:
    """One batch after the city's rules, ready for the database."""

    read: int
    bad: list[BadRow]  # in the order of the file
    warnings: list[BadRow]
    ready: list[_Ready]
    first_day: dt.date | None  # the first and last local day its cases were opened or closed
    last_day: dt.date | None
    text: _CopyText | None  # PostgreSQL: the rows as COPY lines, ids and numbers left out


def _prepare(batch: list[ImportedCase | BadRow], rules: _CityRules, render: _Renderer | None) -> _Prepared:
    """Apply the rules to a batch (and render it for COPY): all the import's Python work."""
    # Bad rows are reported in the order of the file, whichever step found them.
    position = {id(item): n for n, item in enumerate(batch)}
    found: list[tuple[int, BadRow]] = []
    candidates: list[ImportedCase] = []
    for n, item in enumerate(batch):
        if isinstance(item, BadRow):
            found.append((n, item))
        else:
            candidates.append(item)

    def note_bad(row: BadRow, case: ImportedCase) -> None:
        found.append((position[id(case)], row))

    ready = _apply_rules(candidates, rules, note_bad)
    found.sort(key=lambda pair: pair[0])
    warnings = [
        BadRow(item.row.source, item.row.line, warning, item.row.external_id)
        for item in ready
        for warning in item.row.warnings
    ]
    first_day = last_day = None
    if ready:
        # A closing is never before its opening (``_closing_time``): the earliest moment is
        # an opening, the latest a closing or, for an open case, an opening.
        tz = rules.city.tz
        first_day = min(item.row.opened_at for item in ready).astimezone(tz).date()
        last_day = max(item.closed_at or item.row.opened_at for item in ready).astimezone(tz).date()
    return _Prepared(
        read=len(batch),
        bad=[row for _n, row in found],
        warnings=warnings,
        ready=ready,
        first_day=first_day,
        last_day=last_day,
        text=render.batch(ready) if render is not None and ready else None,
    )


_DONE = object()


def _prepared_ahead(
    batches: Iterator[list[ImportedCase | BadRow]], prepare: Callable[[list[ImportedCase | BadRow]], _Prepared]
) -> Iterator[_Prepared]:
    """The batches, read and prepared by a thread up to two batches ahead of the writes.

    Reading the file, the rules and rendering the COPY text are the import's Python work;
    writing is the database's. While the database takes in one batch (the calling thread
    waits in libpq, without the GIL) the next is prepared: on two cores the halves overlap
    instead of taking turns. Memory stays bounded by the queue's depth. The thread never
    touches the database (tests run the import inside their own transaction, which another
    thread's connection could not see). A reader's exception is raised here.
    """
    queue: Queue[Any] = Queue(maxsize=2)
    stop = threading.Event()
    language = translation.get_language()

    def work() -> None:
        try:
            # Reasons are written in the caller's language, which is per thread.
            with translation.override(language):
                for batch in batches:
                    prepared = prepare(batch)
                    while not stop.is_set():
                        try:
                            queue.put(prepared, timeout=0.2)
                            break
                        except Full:
                            continue
                    if stop.is_set():
                        return
            queue.put(_DONE)
        except BaseException as exc:  # handed to the importing thread, which raises it
            queue.put(exc)

    thread = threading.Thread(target=work, name="cases-import-prepare", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def cases_import(
    *,
    city: City,
    rows: Iterable[ImportedCase | BadRow],
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    on_bad_row: Callable[[BadRow], None] | None = None,
    examples: int = 20,
) -> ImportReport:
    """Import case history into ``city``: every good row becomes an imported case, every bad
    one is reported with its line and reason, and nothing already present is changed.

    Each batch of ``batch_size`` rows is one transaction (see the module docstring). With
    ``dry_run`` every rule is applied and counted but nothing is written.
    """
    started = time.perf_counter()
    report = ImportReport(dry_run=dry_run, examples=examples)
    rules = _CityRules(city)
    copy = connection.vendor == "postgresql" and not dry_run
    render = _Renderer(city, rules) if copy else None
    days: list[dt.date] = []  # the first and last local day the written cases touch
    try:
        for prepared in _prepared_ahead(_chunks(rows, batch_size), lambda batch: _prepare(batch, rules, render)):
            report.read += prepared.read
            for row in prepared.bad:
                report.add_bad(row)
                if on_bad_row is not None:
                    on_bad_row(row)
            for row in prepared.warnings:
                report.add_warning(row)
            if not prepared.ready:
                continue
            imported, present = _write_batch(city, prepared, dry_run=dry_run)
            if imported and not dry_run:
                assert prepared.first_day is not None and prepared.last_day is not None
                days[:] = [min([prepared.first_day, *days]), max([prepared.last_day, *days])]
            report.imported += imported
            report.already_present += present
    finally:
        if days:
            # The report roll-ups are kept by the case services; a bulk writer rebuilds
            # them for the days it touched, even when it stopped part-way.
            from civicdesk.reports import rollups

            rollups.rebuild(city=city, start=days[0], end=days[1])
    report.elapsed = time.perf_counter() - started
    return report


def _clean(value: str, limit: int) -> str | None:
    value = (value or "").replace("\x00", "").strip()
    return value if len(value) <= limit else None


def _apply_rules(
    rows: list[ImportedCase], rules: _CityRules, bad: Callable[[BadRow, ImportedCase], None]
) -> list[_Ready]:
    """The rules of ``case_create`` for a batch: what is wrong with a row makes it a bad row."""

    def reject(row: ImportedCase, reason: str) -> None:
        bad(BadRow(row.source, row.line, reason, row.external_id), row)

    checked: list[tuple[ImportedCase, ServiceType]] = []
    for row in rows:
        reason = _row_problem(row)
        service_type = rules.types.get(row.service_code.lower()) if reason is None else None
        if reason is None and service_type is None:
            reason = _("%(city)s has no problem type with the code “%(code)s”.") % {
                "city": rules.city.name,
                "code": row.service_code,
            }
        if reason is not None:
            reject(row, reason)
            continue
        assert service_type is not None
        checked.append((row, service_type))

    # Where each point lies, in two bulk lookups: the city, then the district.
    located = [i for i, (row, _t) in enumerate(checked) if row.lat is not None]
    city_of: dict[int, int | None] = {}
    district_of: dict[int, int | None] = {}
    if located:
        lats = [checked[i][0].lat for i in located]
        lngs = [checked[i][0].lng for i in located]
        city_of = dict(zip(located, rules.city_index.covering_many(lats, lngs), strict=True))
        inside = [i for i in located if city_of[i] == rules.city.pk]
        if inside:
            hits = rules.district_index.covering_many(
                [checked[i][0].lat for i in inside], [checked[i][0].lng for i in inside]
            )
            district_of = dict(zip(inside, hits, strict=True))

    ready: list[_Ready] = []
    seen: dict[str, int] = {}
    for i, (row, service_type) in enumerate(checked):
        district = None
        if row.lat is not None:
            found = city_of[i]
            if found is None:
                reject(
                    row,
                    _("The point %(lat)s, %(lng)s is outside the service area: it is inside no member city.")
                    % {"lat": row.lat, "lng": row.lng},
                )
                continue
            if found != rules.city.pk:
                # An import names its city; moving a row into another city's history would
                # be a surprise. The row is reported so it can be imported into that city.
                reject(
                    row,
                    _("The point %(lat)s, %(lng)s is in %(other)s, not in %(city)s.")
                    % {
                        "lat": row.lat,
                        "lng": row.lng,
                        "other": rules.city_names.get(found, "?"),
                        "city": rules.city.name,
                    },
                )
                continue
            district_id = district_of.get(i)
            district = rules.districts.get(district_id) if district_id is not None else None
        elif row.district_number is not None:
            district = rules.district_by_number.get(row.district_number)
        if row.external_id in seen:
            reject(
                row,
                _("The case id %(id)s appears twice; line %(first)s was kept.")
                % {"id": row.external_id, "first": seen[row.external_id]},
            )
            continue
        seen[row.external_id] = row.line
        closed_at = _closing_time(row)
        updated_at = max(t for t in (row.updated_at, closed_at, row.opened_at) if t is not None)
        ready.append(_Ready(row, service_type, rules.departments[service_type.pk], district, closed_at, updated_at))
    return ready


def _row_problem(row: ImportedCase) -> str | None:
    """What makes a row impossible to import, or None; normalises its text fields in place."""
    external_id = _clean(row.external_id, MAX_EXTERNAL_ID)
    if not external_id:
        # Without the source's id a second run could not know the case is already here.
        return (
            _("The case id is longer than %(n)s characters.") % {"n": MAX_EXTERNAL_ID}
            if external_id is None
            else _("The case id is empty: without it a re-import would duplicate the case.")
        )
    row.external_id = external_id
    if not row.service_code:
        return _("The problem type is empty.")
    if row.opened_at is None or row.opened_at.tzinfo is None:
        return _("The date opened is missing or has no time zone.")
    for name, limit in (("description", MAX_TEXT), ("address", MAX_ADDRESS), ("closing_note", MAX_TEXT)):
        value = _clean(getattr(row, name), limit)
        if value is None:
            return _("The %(field)s is longer than %(n)s characters.") % {
                "field": name.replace("_", " "),
                "n": f"{limit:,}",
            }
        setattr(row, name, value)
    if (row.lat is None) != (row.lng is None):
        return _("Give both latitude and longitude, or neither.")
    if row.lat is not None and row.lng is not None:
        if not (math.isfinite(row.lat) and -90 <= row.lat <= 90):
            return _("The latitude %(v)s is not between -90 and 90.") % {"v": row.lat}
        if not (math.isfinite(row.lng) and -180 <= row.lng <= 180):
            return _("The longitude %(v)s is not between -180 and 180.") % {"v": row.lng}
    elif not row.address and not row.description:
        return _("The row says neither where the problem is (no point, no address) nor what it is.")
    if row.status not in _STATUSES:
        return _("Unknown status %(s)s.") % {"s": row.status}
    if row.resolution and row.resolution not in _RESOLUTIONS:
        return _("Unknown resolution %(r)s.") % {"r": row.resolution}
    if row.priority not in _PRIORITIES:
        return _("Unknown priority %(p)s.") % {"p": row.priority}
    return None


def _closing_time(row: ImportedCase) -> dt.datetime | None:
    """The moment a closed row was closed; warnings for what had to be assumed."""
    if row.status != Status.CLOSED:
        row.resolution = ""
        return None
    if not row.resolution:
        row.resolution = Resolution.RESOLVED
    closed_at = row.closed_at
    if closed_at is None:
        closed_at = row.updated_at or row.opened_at
        row.warnings.append(_("Closed without a closing date: the last update is taken as the closing time."))
    if closed_at < row.opened_at:
        # Real exports have a few of these (a clock or a data-entry slip); the case is
        # kept, as closed the moment it was opened, and the row is reported as a warning.
        row.warnings.append(
            _("Closed (%(closed)s) before it was opened (%(opened)s): kept as closed when opened.")
            % {"closed": closed_at.isoformat(), "opened": row.opened_at.isoformat()}
        )
        closed_at = row.opened_at
    return closed_at


def _present(city: City, external_ids: list[str]) -> set[str]:
    """Which of these case ids the city already has: one query per batch."""
    if connection.vendor == "postgresql":
        # One array parameter instead of thousands of placeholders (a fifth of a second a
        # batch); "<> ''" repeats the partial unique index's predicate so the index is used.
        # First one look at the range the batch's ids span: on a first import it is empty
        # and the thousands of lookups of the ids one by one (a twentieth of the import's
        # time) are not needed. The range's ends are the database's (its collation's order,
        # which need not be Python's), so no id of the batch can fall outside it.
        table = ServiceRequest._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(x), max(x) FROM unnest(%s::text[]) AS x", [external_ids])
            low, high = cursor.fetchone()
            cursor.execute(
                f'SELECT EXISTS (SELECT 1 FROM "{table}" '  # noqa: S608 (the model's table)
                "WHERE city_id = %s AND external_id <> '' AND external_id BETWEEN %s AND %s)",
                [city.pk, low, high],
            )
            (any_in_range,) = cursor.fetchone()
            if not any_in_range:
                return set()
            cursor.execute(
                f'SELECT external_id FROM "{table}" '  # noqa: S608 (the model's table)
                "WHERE city_id = %s AND external_id <> '' AND external_id = ANY(%s)",
                [city.pk, external_ids],
            )
            return {external_id for (external_id,) in cursor.fetchall()}
    return set(
        ServiceRequest.objects.filter(city=city, external_id__in=external_ids).values_list("external_id", flat=True)
    )


def _write_batch(city: City, prepared: _Prepared, *, dry_run: bool) -> tuple[int, int]:
    """Insert the cases of a batch not already present; (imported, already present)."""
    ready = prepared.ready
    with transaction.atomic():
        # The city's row lock first: numbers are taken as one block, and two imports of the
        # same file into the same city queue here instead of racing on the external ids.
        city_lock(city=city)
        present = _present(city, [r.row.external_id for r in ready])
        new = [n for n, r in enumerate(ready) if r.row.external_id not in present]
        if dry_run or not new:
            return len(new), len(ready) - len(new)
        _, first = case_numbers_take(city=city, count=len(new))
        if prepared.text is not None:
            _copy_batch(prepared.text, new, first)
        else:
            _bulk_create_batch(city, [ready[n] for n in new], first, _Changes())
    return len(new), len(ready) - len(new)


def _case_values(city: City, item: _Ready, number: int) -> dict[str, Any]:
    row, service_type = item.row, item.service_type
    due_at = row.opened_at + dt.timedelta(days=service_type.target_days) if service_type.target_days else None
    return {
        "city_id": city.pk,
        "number": number,
        "district_id": item.district.pk if item.district else None,
        "service_type_id": service_type.pk,
        "department_id": item.department.pk if item.department else None,
        "status": row.status,
        "resolution": row.resolution,
        "priority": row.priority,
        "description": row.description,
        "address": row.address,
        "lat": row.lat,
        "lng": row.lng,
        "channel": _IMPORT_CHANNEL,
        "notify_reporter": False,
        "opened_at": row.opened_at,
        "due_at": due_at,
        "closed_at": item.closed_at,
        "closing_note": row.closing_note,
        "updated_at": item.updated_at,
        "tracking_token": new_tracking_token(),
        "is_imported": True,
        "external_id": row.external_id,
    }


class _Changes:
    """The ``changes`` of the events, made once per distinct value (an import has a few
    hundred distinct ones among its millions of events), as dicts and as JSON text."""

    def __init__(self) -> None:
        self.created: dict[tuple[int, int | None, int | None], tuple[dict[str, Any], str]] = {}
        self.closed: dict[str, tuple[dict[str, Any], str]] = {}

    def of_created(self, item: _Ready) -> tuple[dict[str, Any], str]:
        key = (
            item.service_type.pk,
            item.department.pk if item.department else None,
            item.district.pk if item.district else None,
        )
        found = self.created.get(key)
        if found is None:
            changes = {
                "service_type": [None, item.service_type.name],
                "department": [None, item.department.name if item.department else None],
                "district": [None, item.district.name if item.district else None],
            }
            found = self.created[key] = (changes, json.dumps(changes))
        return found

    def of_closed(self, resolution: str) -> tuple[dict[str, Any], str]:
        found = self.closed.get(resolution)
        if found is None:
            changes = {"status": [_NEW, _CLOSED], "resolution": [None, resolution]}
            found = self.closed[resolution] = (changes, json.dumps(changes))
        return found


def _events(case_id: int, item: _Ready, changes: _Changes, *, as_json: bool) -> list[dict[str, Any]]:
    """The audit events of an imported case: as it was reported, and its closing."""
    made = changes.of_created(item)
    events = [
        {
            "case_id": case_id,
            "at": item.row.opened_at,
            "actor_label": IMPORT_ACTOR,
            "kind": _CREATED,
            "is_public": True,
            "text": item.row.description,
            "changes": made[1] if as_json else made[0],
        }
    ]
    if item.closed_at is not None:
        made = changes.of_closed(item.row.resolution)
        events.append(
            {
                "case_id": case_id,
                "at": item.closed_at,
                "actor_label": IMPORT_ACTOR,
                "kind": _CLOSED_EVENT,
                "is_public": True,
                "text": item.row.closing_note,
                "changes": made[1] if as_json else made[0],
            }
        )
    return events


def _bulk_create_batch(city: City, new: Sequence[_Ready], first: int, changes: _Changes) -> None:
    cases = ServiceRequest.objects.bulk_create(
        [ServiceRequest(**_case_values(city, item, first + n)) for n, item in enumerate(new)]
    )
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(**event)
            for case, item in zip(cases, new, strict=True)
            for event in _events(case.pk, item, changes, as_json=False)
        ]
    )


# --- COPY ----------------------------------------------------------------------------------
# psycopg's ``write_row`` adapts each value through its type registry (≈40 µs a row); the
# rows are rendered to COPY's text format directly instead, by the preparing thread, with
# everything that is the same for many rows (a type's ids, the constant columns, a change's
# JSON) rendered once. Only the id and number are added on the writing thread: they are
# known once the batch's already-present cases are left out.


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _render(value: Any) -> str:
    """A Python value in COPY's text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return _escape(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is float:
        return repr(value)
    if kind is dt.datetime:
        return value.isoformat()
    if kind is dict or kind is list:
        return _escape(json.dumps(value))
    if hasattr(value, "dumps") and hasattr(value, "obj"):  # psycopg's Json/Jsonb wrappers
        return _escape(json.dumps(value.obj))
    return _escape(str(value))


# The columns each row gives, in the order ``_Renderer`` writes them; every other column
# (but the id) takes a value that is the same for the whole import.
_CASE_COLUMNS = (
    "district_id",
    "service_type_id",
    "department_id",
    "status",
    "resolution",
    "priority",
    "description",
    "address",
    "lat",
    "lng",
    "opened_at",
    "due_at",
    "closed_at",
    "closing_note",
    "updated_at",
    "tracking_token",
    "external_id",
)
_EVENT_COLUMNS = ("case_id", "at", "actor_label", "kind", "is_public", "text", "changes")
_TOKEN_BYTES = 24  # as ``new_tracking_token``: secrets.token_urlsafe(24), 32 characters


def _constant_columns(model: Any, given: Sequence[str], fixed: dict[str, Any]) -> tuple[list[str], str]:
    """The model's other columns and their values rendered once, as COPY text: the value in
    ``fixed`` or the field's default (Django keeps defaults in Python, not in the table, so
    COPY must write every column but the serial id)."""
    columns: list[str] = []
    values: list[str] = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in given:
            continue
        columns.append(f.column)
        value = fixed[f.attname] if f.attname in fixed else f.get_default()
        values.append(_render(f.get_db_prep_save(value, connection)))
    return columns, "".join("\t" + v for v in values)


def _column(model: Any, attname: str) -> str:
    return next(f.column for f in model._meta.concrete_fields if f.attname == attname)


def _copy_sql(model: Any, columns: list[str]) -> str:
    quoted = ", ".join(f'"{c}"' for c in columns)
    return f'COPY "{model._meta.db_table}" ({quoted}) FROM STDIN'


@dataclass(slots=True)
class _CopyText:
    """A batch as COPY text: per case, its line without the leading id and number, and the
    lines of its events without the leading case id."""

    cases: list[str]
    events: list[tuple[str, ...]]
    copy_cases: str  # the COPY statements, the same for the whole import
    copy_events: str


class _Renderer:
    """Renders the cases of one import and their events as lines of COPY's text format."""

    def __init__(self, city: City, rules: _CityRules) -> None:
        others, self.case_tail = _constant_columns(
            ServiceRequest,
            ("id", "number", *_CASE_COLUMNS),
            {"city_id": city.pk, "channel": _IMPORT_CHANNEL, "notify_reporter": False, "is_imported": True},
        )
        columns = [_column(ServiceRequest, name) for name in ("id", "number", *_CASE_COLUMNS)] + others
        self.copy_cases = _copy_sql(ServiceRequest, columns)
        others, self.event_tail = _constant_columns(CaseEvent, _EVENT_COLUMNS, {})
        columns = [_column(CaseEvent, name) for name in _EVENT_COLUMNS] + others
        self.copy_events = _copy_sql(CaseEvent, columns)
        # "<type>\t<department>" and the target of each type, the id of each district.
        self.of_type: dict[int, tuple[str, dt.timedelta | None]] = {}
        for t in rules.types.values():
            department = rules.departments[t.pk]
            self.of_type[t.pk] = (
                f"{t.pk}\t{_render(department.pk if department is not None else None)}",
                dt.timedelta(days=t.target_days) if t.target_days else None,
            )
        self.changes = _Changes()

    def batch(self, ready: list[_Ready]) -> _CopyText:
        """The COPY text of a batch (all of it: which cases are already present is known
        only in the writing transaction)."""
        escape = _escape
        of_type = self.of_type
        case_tail, event_tail = self.case_tail, self.event_tail
        created_of, closed_of = self.changes.of_created, self.changes.of_closed
        # Tracking tokens drawn in one call, then cut: the same 32 characters
        # ``secrets.token_urlsafe(24)`` makes (24 bytes are exactly 32 base64 characters).
        tokens = base64.urlsafe_b64encode(secrets.token_bytes(_TOKEN_BYTES * len(ready))).decode("ascii")
        cases: list[str] = []
        events: list[tuple[str, ...]] = []
        for n, item in enumerate(ready):
            row = item.row
            type_ids, target = of_type[item.service_type.pk]
            opened = row.opened_at.isoformat()
            closed = item.closed_at.isoformat() if item.closed_at is not None else "\\N"
            due = (row.opened_at + target).isoformat() if target is not None else "\\N"
            lat = "\\N" if row.lat is None else repr(row.lat)
            lng = "\\N" if row.lng is None else repr(row.lng)
            district = "\\N" if item.district is None else str(item.district.pk)
            description = escape(row.description)
            token = tokens[32 * n : 32 * n + 32]
            cases.append(
                f"{district}\t{type_ids}\t{row.status}\t{row.resolution}\t{row.priority}\t{description}"
                f"\t{escape(row.address)}\t{lat}\t{lng}\t{opened}\t{due}\t{closed}\t{escape(row.closing_note)}"
                f"\t{item.updated_at.isoformat()}\t{token}\t{escape(row.external_id)}{case_tail}"
            )
            created = (
                f"{opened}\t{IMPORT_ACTOR}\t{_CREATED}\tt\t{description}\t{escape(created_of(item)[1])}{event_tail}"
            )
            if item.closed_at is None:
                events.append((created,))
            else:
                closing = escape(closed_of(row.resolution)[1])
                events.append(
                    (
                        created,
                        f"{closed}\t{IMPORT_ACTOR}\t{_CLOSED_EVENT}\tt\t{escape(row.closing_note)}\t{closing}{event_tail}",
                    )
                )
        return _CopyText(cases=cases, events=events, copy_cases=self.copy_cases, copy_events=self.copy_events)


def _copy_batch(text: _CopyText, new: list[int], first: int) -> None:
    """Write the cases ``new`` (positions in the batch) and their events with PostgreSQL's
    COPY; ids are drawn from the table's sequence first so the events can name their case
    without reading anything back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [ServiceRequest._meta.db_table, len(new)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        lines = text.cases
        with raw.copy(text.copy_cases) as copy:
            copy.write(
                "".join([f"{pk}\t{first + n}\t{lines[i]}\n" for n, (pk, i) in enumerate(zip(ids, new, strict=True))])
            )
        of_case = text.events
        with raw.copy(text.copy_events) as copy:
            copy.write("".join([f"{pk}\t{event}\n" for pk, i in zip(ids, new, strict=True) for event in of_case[i]]))
