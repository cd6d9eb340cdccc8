"""Cases written in bulk: the one way another app inserts many cases at once.

``case_create`` records one new case at a time (≈10 ms each, with its emails). The history
import (``civicdesk.history``) brings hundreds of thousands of cases that happened long ago.
It reads and checks the rows; everything that decides or writes a case is here, in
``cases``, beside the invariants every other writer of cases uses:

``CityRules``
    the rules of ``case_create``, in batch form: the type by its code, the city and the
    district from the point (two bulk point-in-polygon lookups instead of one per case),
    the department from the type and the agreements of the day it was opened
    (``catalog.routing.Departments``, the batch form of ``route``'s ``department_for``), the
    due date from the type's target in calendar or business days (``catalog.targets``). Read
    once per import on the calling thread; its methods touch no database, so a preparing
    thread may call them.

``cases_import_batches(city=..., dry_run=...)``
    the entry point: a context manager giving a ``CaseBatchWriter``. ``writer.prepare``
    turns a batch of ``NewCase`` (every value decided) into rows ready for the database
    (pure: any thread); ``writer.write`` inserts one prepared batch in one transaction —
    the city's row lock, the batch's case ids the city already has left out, numbers taken
    as one block (``invariants.case_numbers_take``), ids drawn from the sequence, then the
    cases and their audit events (*Reported*, and *Closed* for a closed case, by "Import")
    with ``COPY`` on PostgreSQL (psycopg's ``write_row``) or ``bulk_create`` elsewhere.
    On leaving the block — normally or not — the report roll-ups of the days written are
    rebuilt once, so a bulk writer cannot forget them.

No outbox row is written: an imported case emails nobody.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from psycopg.types.json import Jsonb

from civicdesk.cases import signals
from civicdesk.cases.invariants import case_numbers_take, city_lock, clean_text
from civicdesk.cases.models import AddressSource, CaseEvent, Channel, EventKind, ServiceRequest, Status
from civicdesk.cases.placement import AddressIndex
from civicdesk.catalog import targets
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.routing import Departments
from civicdesk.tenants import geo
from civicdesk.tenants.models import City, Department, District
from civicdesk.tenants.selectors import business_calendar

IMPORT_ACTOR = "Import"

# Plain strings, not enum members: computed once and written as they are.
_IMPORT_CHANNEL = str(Channel.IMPORT.value)
_NEW, _CLOSED = str(Status.NEW.value), str(Status.CLOSED.value)
_IMPORTED = str(AddressSource.IMPORTED.value)
_CREATED, _CLOSED_EVENT = str(EventKind.CREATED.value), str(EventKind.CLOSED.value)

# COPY in PostgreSQL's binary format: psycopg's C adapters write binary values with less
# work than text (no escaping, no number or date formatting) and the server parses no text.
# Measured on 50,000 Kansas City rows: the text format took about a fifth more client CPU
# (5.5 s against 4.6 s), the server's the same.
COPY_BINARY = True


def text_as_stored(value: str, *, limit: int) -> str | None:
    """``value`` as every channel stores it (``invariants.clean_text``: trimmed, no NUL, each
    line break one "\\n"), or None when it is longer than ``limit`` once cleaned: an imported
    description is stored as the same text typed into the portal or sent by email would be."""
    try:
        return clean_text(value, field="text", limit=limit)
    except ValidationError:
        return None


class CityRules:
    """The rules ``case_create`` applies to a new case, read once for a city and applied to
    a batch at once (the batch form of the same rules; ``case_create`` is the one-case form).

    The city's types (with retired ones: history may name them), each type's department
    and target, its districts and the area indexes of every member city and of its
    districts. Built on the calling thread; afterwards nothing here reads the database.
    """

    def __init__(self, city: City) -> None:
        self.city = city
        self.types = {t.code.lower(): t for t in ServiceType.objects.filter(city=city).select_related("department")}
        # As a new case (``invariants.route``): the type's department, or a shared service's
        # provider under the agreements of the day the case was opened; None for an
        # inactive department (the triage queue).
        self.departments = Departments(list(self.types.values()))
        # The city's business days, read once for the batch if one of its types counts them.
        self.calendar = business_calendar(city) if any(t.target_in_business_days for t in self.types.values()) else None
        self.districts = {d.pk: d for d in District.objects.filter(city=city).defer("boundary")}
        self.district_by_number = {
            d.number: d for d in self.districts.values() if d.number is not None and d.retired_on is None
        }
        self.city_names = dict(City.objects.values_list("pk", "name"))
        self.city_index = geo.city_index()
        self.district_index = geo.district_index(city.pk)
        # The city's addresses, to place rows with an address and no point; None (one query,
        # nothing read) when the city has loaded none.
        self.addresses = AddressIndex.for_city(city)

    def place(self, address: str) -> tuple[float, float] | None:
        """The point of a row's address when its match in the city's addresses is certain."""
        if self.addresses is None or not address:
            return None
        return self.addresses.place(address)

    def service_type(self, code: str) -> ServiceType | None:
        """The city's type with this code (any case), retired or not."""
        return self.types.get(code.lower())

    def cities_of(self, lats: Sequence[float], lngs: Sequence[float]) -> list[int | None]:
        """The member city (its id) each point lies in, None outside them all."""
        return list(self.city_index.covering_many(lats, lngs))

    def districts_of(self, lats: Sequence[float], lngs: Sequence[float]) -> list[District | None]:
        """The district of this city each point lies in (points inside the city)."""
        found = self.district_index.covering_many(lats, lngs)
        return [self.districts.get(pk) if pk is not None else None for pk in found]

    def district_numbered(self, number: int) -> District | None:
        """The district a source recorded by number: for a case without a point."""
        return self.district_by_number.get(number)

    def department(self, service_type: ServiceType, opened_at: dt.datetime) -> Department | None:
        """The department of a case opened at ``opened_at``: as ``route``, by the
        agreements of that day in the city's time."""
        if not self.departments.shared(service_type):
            # Most types are under no agreement: no day to work out for each row.
            return self.departments.own(service_type)
        return self.departments.department(service_type, opened_at.astimezone(self.city.tz).date())

    def due_at(self, service_type: ServiceType, opened_at: dt.datetime) -> dt.datetime | None:
        """Opened + the type's target in calendar or business days, as for a new case
        (``catalog.targets.due_at``)."""
        return targets.due_at(service_type, opened_at, calendar=self.calendar)


@dataclass(frozen=True, slots=True)
class NewCase:
    """A case of a batch with every value decided (by ``CityRules`` and the caller)."""

    external_id: str
    service_type: ServiceType
    department: Department | None
    district: District | None
    status: str
    resolution: str
    priority: str
    description: str
    address: str
    lat: float | None
    lng: float | None
    opened_at: dt.datetime
    due_at: dt.datetime | None
    closed_at: dt.datetime | None
    closing_note: str
    updated_at: dt.datetime
    # How the address was found: as the source recorded it, or matched to the gazetteer when
    # the import placed a row that had no point (``CityRules.place``).
    address_source: str = _IMPORTED
    address_distance_m: float | None = None


@dataclass(slots=True)
class PreparedBatch:
    """A batch ready for ``CaseBatchWriter.write``."""

    cases: list[NewCase]
    external_ids: list[str]
    first_day: dt.date | None  # the first and last local day its cases were opened or closed
    last_day: dt.date | None
    rows: list[tuple[Any, ...]] | None  # COPY: each case's row but its id and number
    events: list[tuple[tuple[Any, ...], ...]] | None  # COPY: each case's events but the case id


class _Changes:
    """The ``changes`` of the audit events, made once per distinct value (an import has a
    few hundred distinct ones among its millions of events): as dicts, and wrapped for
    COPY with their JSON rendered once."""

    def __init__(self) -> None:
        self.created: dict[tuple[int, int | None, int | None], tuple[dict[str, Any], Jsonb]] = {}
        self.closed: dict[str, tuple[dict[str, Any], Jsonb]] = {}

    @staticmethod
    def _wrapped(changes: dict[str, Any]) -> Jsonb:
        text = json.dumps(changes)
        return Jsonb(changes, dumps=lambda _obj: text)

    def of_created(self, case: NewCase) -> tuple[dict[str, Any], Jsonb]:
        key = (
            case.service_type.pk,
            case.department.pk if case.department else None,
            case.district.pk if case.district else None,
        )
        found = self.created.get(key)
        if found is None:
            # As case_create's Reported event.
            changes = {
                "service_type": [None, case.service_type.name],
                "department": [None, case.department.name if case.department else None],
                "district": [None, case.district.name if case.district else None],
            }
            found = self.created[key] = (changes, self._wrapped(changes))
        return found

    def of_closed(self, resolution: str) -> tuple[dict[str, Any], Jsonb]:
        found = self.closed.get(resolution)
        if found is None:
            changes = {"status": [_NEW, _CLOSED], "resolution": [None, resolution]}
            found = self.closed[resolution] = (changes, self._wrapped(changes))
        return found


# The columns each case gives, in the order of its COPY row after the id and the number;
# every other column takes a value that is the same for the whole import.
_CASE_COLUMNS = (
    "district_id",
    "service_type_id",
    "department_id",
    "status",
    "resolution",
    "priority",
    "description",
    "address",
    "address_source",
    "address_distance_m",
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


def _tracking_tokens(count: int) -> list[str]:
    """``count`` tokens drawn in one call, then cut: the same 32 characters
    ``secrets.token_urlsafe(24)`` makes (24 bytes are exactly 32 base64 characters)."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(_TOKEN_BYTES * count)).decode("ascii")
    return [text[32 * n : 32 * n + 32] for n in range(count)]


class _CopyStatement:
    """One table's COPY: its statement, the column types (binary COPY must name them) and
    the values of the columns that are the same for every row, in the table's order."""

    def __init__(self, model: Any, given: Sequence[str], fixed: dict[str, Any]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        others = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in given]
        # Django keeps defaults in Python, not in the table: COPY writes every column but
        # none is left to the table, and the constant ones are adapted once.
        self.constants = tuple(
            f.get_db_prep_save(fixed[f.attname] if f.attname in fixed else f.get_default(), connection) for f in others
        )
        columns = [fields[name].column for name in given] + [f.column for f in others]
        table = model._meta.db_table
        quoted = ", ".join(f'"{c}"' for c in columns)
        self.sql = f'COPY "{table}" ({quoted}) FROM STDIN' + (" (FORMAT BINARY)" if COPY_BINARY else "")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [table],
            )
            oid_of = dict(cursor.fetchall())
        self.types = [oid_of[c] for c in columns]

    @contextlib.contextmanager
    def copy(self, raw: Any) -> Iterator[Any]:
        with raw.copy(self.sql) as copy:
            if COPY_BINARY:
                copy.set_types(self.types)
            yield copy


class CaseBatchWriter:
    """Inserts prepared batches of cases into one city; made by ``cases_import_batches``."""

    def __init__(self, *, city: City, dry_run: bool = False) -> None:
        self.city = city
        self.dry_run = dry_run
        self.days: list[dt.date] = []  # the first and last local day the written cases touch
        self.present: set[str] = set()  # the case ids of the last batch the city already had
        self._changes = _Changes()
        self._copy = connection.vendor == "postgresql" and not dry_run
        if self._copy:
            fixed = {"city_id": city.pk, "channel": _IMPORT_CHANNEL, "notify_reporter": False, "is_imported": True}
            self._cases = _CopyStatement(ServiceRequest, ("id", "number", *_CASE_COLUMNS), fixed)
            self._events = _CopyStatement(CaseEvent, _EVENT_COLUMNS, {})

    def prepare(self, cases: list[NewCase]) -> PreparedBatch:
        """The batch ready to write. Touches no database: call it from any one thread
        (the history import's preparing thread), while another batch is written."""
        first_day = last_day = None
        if cases:
            # A closing is never before its opening: the earliest moment is an opening, the
            # latest a closing or, for an open case, an opening.
            tz = self.city.tz
            first_day = min(c.opened_at for c in cases).astimezone(tz).date()
            last_day = max(c.closed_at or c.opened_at for c in cases).astimezone(tz).date()
        rows: list[tuple[Any, ...]] | None = None
        events: list[tuple[tuple[Any, ...], ...]] | None = None
        if self._copy:
            rows, events = [], []
            case_tail, event_tail = self._cases.constants, self._events.constants
            created_of, closed_of = self._changes.of_created, self._changes.of_closed
            for c, token in zip(cases, _tracking_tokens(len(cases)), strict=True):
                rows.append(
                    (
                        c.district.pk if c.district is not None else None,
                        c.service_type.pk,
                        c.department.pk if c.department is not None else None,
                        c.status,
                        c.resolution,
                        c.priority,
                        c.description,
                        c.address,
                        c.address_source,
                        c.address_distance_m,
                        c.lat,
                        c.lng,
                        c.opened_at,
                        c.due_at,
                        c.closed_at,
                        c.closing_note,
                        c.updated_at,
                        token,
                        c.external_id,
                        *case_tail,
                    )
                )
                created = (c.opened_at, IMPORT_ACTOR, _CREATED, True, c.description, created_of(c)[1], *event_tail)
                if c.closed_at is None:
                    events.append((created,))
                else:
                    closing = closed_of(c.resolution)[1]
                    closed = (c.closed_at, IMPORT_ACTOR, _CLOSED_EVENT, True, c.closing_note, closing, *event_tail)
                    events.append((created, closed))
        return PreparedBatch(
            cases=cases,
            external_ids=[c.external_id for c in cases],
            first_day=first_day,
            last_day=last_day,
            rows=rows,
            events=events,
        )

    def write(self, batch: PreparedBatch) -> tuple[int, int]:
        """Insert the cases of a batch the city does not have yet, in one transaction:
        (imported, already present). With ``dry_run``, counts them and writes nothing."""
        with transaction.atomic():
            # The city's row lock first: numbers are taken as one block, and two imports of
            # the same file into the same city queue here instead of racing on the case ids.
            city_lock(city=self.city)
            present = self.present = _present(self.city, batch.external_ids)
            new = [n for n, external_id in enumerate(batch.external_ids) if external_id not in present]
            if self.dry_run or not new:
                return len(new), len(batch.external_ids) - len(new)
            _, first = case_numbers_take(city=self.city, count=len(new))
            if batch.rows is not None:
                self._copy_batch(batch, new, first)
            else:
                self._bulk_create_batch([batch.cases[n] for n in new], first)
        assert batch.first_day is not None and batch.last_day is not None
        self.days[:] = [min([batch.first_day, *self.days]), max([batch.last_day, *self.days])]
        return len(new), len(batch.external_ids) - len(new)

    def rollups_rebuild(self) -> None:
        """The report roll-ups of the days written, recomputed at once (see the module)."""
        if self.days:
            # ``reports`` (above ``cases``) recomputes its roll-ups for these days.
            signals.cases_written_in_bulk.send(
                sender=ServiceRequest, city=self.city, start=self.days[0], end=self.days[1]
            )
            self.days = []

    def _copy_batch(self, batch: PreparedBatch, new: list[int], first: int) -> None:
        """The cases ``new`` (positions in the batch) and their events, with COPY; ids are
        drawn from the table's sequence first so the events can name their case without
        reading anything back."""
        assert batch.rows is not None and batch.events is not None
        rows, events = batch.rows, batch.events
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [ServiceRequest._meta.db_table, len(new)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with self._cases.copy(raw) as copy:
                write_row = copy.write_row
                for n, (pk, i) in enumerate(zip(ids, new, strict=True)):
                    write_row((pk, first + n, *rows[i]))
            with self._events.copy(raw) as copy:
                write_row = copy.write_row
                for pk, i in zip(ids, new, strict=True):
                    for event in events[i]:
                        write_row((pk, *event))

    def _bulk_create_batch(self, cases: list[NewCase], first: int) -> None:
        made = ServiceRequest.objects.bulk_create(
            [
                ServiceRequest(
                    city_id=self.city.pk,
                    number=first + n,
                    district=c.district,
                    service_type=c.service_type,
                    department=c.department,
                    status=c.status,
                    resolution=c.resolution,
                    priority=c.priority,
                    description=c.description,
                    address=c.address,
                    address_source=c.address_source,
                    address_distance_m=c.address_distance_m,
                    lat=c.lat,
                    lng=c.lng,
                    channel=_IMPORT_CHANNEL,
                    notify_reporter=False,
                    opened_at=c.opened_at,
                    due_at=c.due_at,
                    closed_at=c.closed_at,
                    closing_note=c.closing_note,
                    updated_at=c.updated_at,
                    is_imported=True,
                    external_id=c.external_id,
                )
                for n, c in enumerate(cases)
            ]
        )
        events: list[CaseEvent] = []
        for case, c in zip(made, cases, strict=True):
            events.append(
                CaseEvent(
                    case_id=case.pk,
                    at=c.opened_at,
                    actor_label=IMPORT_ACTOR,
                    kind=_CREATED,
                    is_public=True,
                    text=c.description,
                    changes=self._changes.of_created(c)[0],
                )
            )
            if c.closed_at is not None:
                events.append(
                    CaseEvent(
                        case_id=case.pk,
                        at=c.closed_at,
                        actor_label=IMPORT_ACTOR,
                        kind=_CLOSED_EVENT,
                        is_public=True,
                        text=c.closing_note,
                        changes=self._changes.of_closed(c.resolution)[0],
                    )
                )
        CaseEvent.objects.bulk_create(events)


@contextlib.contextmanager
def cases_import_batches(*, city: City, dry_run: bool = False) -> Iterator[CaseBatchWriter]:
    """Write cases into ``city`` a batch at a time (see the module docstring); the roll-ups
    of what was written are rebuilt on leaving, even when the caller stopped part-way."""
    writer = CaseBatchWriter(city=city, dry_run=dry_run)
    try:
        yield writer
    finally:
        writer.rollups_rebuild()


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
