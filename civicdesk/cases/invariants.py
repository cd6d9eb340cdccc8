"""The rules every write to a case keeps, in one place: case numbers, audit events, locking,
routing and the signals that keep the apps above in step. ``services`` (one case at a
time), ``transfers`` (a case that changes city) and the history import (a batch at once) all
take them from here, so a rule changed here is changed for every writer.

Every case row is read for a change with ``case_lock``, written with ``case_insert`` or
``case_save``: they send ``signals.case_changing``/``case_changed``, on which the roll-ups
(``reports``) depend, so no writer can forget them.

This module is internal to ``cases``: other apps call the services, never these helpers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from civicdesk.accounts.models import User
from civicdesk.cases import signals
from civicdesk.cases.models import CaseEvent, ServiceRequest
from civicdesk.catalog import targets
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.routing import department_for, service_type_in_city
from civicdesk.core import clock
from civicdesk.tenants import selectors as places
from civicdesk.tenants.models import City, Department, District

MAX_DESCRIPTION = 10_000


@dataclass(frozen=True, slots=True)
class Route:
    """Where a case goes: its city, the city's type of the problem, the council district,
    the department that works it (None: the city's triage queue) and when it is due."""

    city: City
    service_type: ServiceType
    district: District | None
    department: Department | None
    due_at: dt.datetime | None


def route(
    *,
    service_type: ServiceType,
    point: tuple[float, float] | None,
    opened_at: dt.datetime,
    city: City | None = None,
    on: dt.date | None = None,
    near: City | None = None,
) -> Route:
    """Route a case of ``service_type`` at ``point`` (lat, lng; None: no map point) opened at
    ``opened_at``. Reads the member cities, districts, types and agreements; writes nothing.

    The city is ``city`` when given (a transfer: the district is that city's at the point, if
    any), else the member city at the point (any member city: a point in a neighbouring member
    city goes to that city), else the type's city. The type is that city's type of the same
    code (``ValidationError`` if it has none); the department is the one working that type on
    ``on`` (the shared-service agreements of that day; default: the day ``opened_at`` falls
    on, in the city's time); the due date is ``opened_at`` plus the type's target, in
    calendar or business days (``catalog.targets``).
    Errors of the point (outside every member city) are ``tenants.selectors.city_at``'s.
    ``near``: the city the report was sent to, already read, used as it is when the point
    is in it.
    """
    district = None
    if city is not None:
        if point is not None:
            district = places.district_at(city=city, lat=point[0], lng=point[1])
    elif point is not None:
        location = places.location_of(lat=point[0], lng=point[1], known=near)
        city, district = location.city, location.district
    else:
        city = service_type.city
    service_type = service_type_in_city(service_type, city)
    day = on if on is not None else opened_at.astimezone(city.tz).date()
    return Route(
        city=city,
        service_type=service_type,
        district=district,
        department=department_for(service_type, on=day),
        due_at=due_at(service_type, opened_at),
    )


def city_lock(*, city: City | int) -> City:
    """The city's row, locked until the caller's transaction ends: whoever takes case numbers
    of the city (or must not race another writer of its cases) queues here."""
    pk = city.pk if isinstance(city, City) else city
    # The city's boundary (tens of kB of GeoJSON) is not needed to take a number.
    return City.objects.select_for_update().defer("boundary").get(pk=pk)


def case_numbers_take(*, city: City | int, count: int = 1) -> tuple[City, int]:
    """Take ``count`` consecutive case numbers of ``city``: (the city; the first number).

    One statement, ``UPDATE … SET next_case_number = next_case_number + count RETURNING``:
    the city's counter is read and moved under the row lock the update takes, and that lock
    is held until the caller's transaction ends. Numbers are gapless because of that: the
    next taker of the city waits until this transaction has either committed (its numbers
    are used) or rolled back (the counter goes back with it, and the waiter takes the same
    number). So call this as late as the transaction allows — after everything that can be
    checked, routed or computed without the number — and do as little as possible after it:
    the city's other reports wait exactly that long. Other cities' counters are other rows:
    their reports never wait here (docs/performance.md, "Intake under a burst").

    On PostgreSQL the lock is FOR NO KEY UPDATE (the key of the row does not change), so
    rows that merely reference the city (a case, a tally of the reports) are written by
    other transactions without waiting; ``city_lock`` (FOR UPDATE) is for a writer that must
    exclude every other writer of the city's cases. SQLite has one writer at a time (every
    transaction takes the write lock at BEGIN: config/settings.py), so there the whole
    transaction is the lock. Must be called inside ``transaction.atomic``.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    pk = city.pk if isinstance(city, City) else city
    if not connection.in_atomic_block:
        raise RuntimeError("case_numbers_take must run inside transaction.atomic: the lock ends with it")
    with connection.cursor() as cursor:
        # The city's table and column, as the model names them (tenants.City).
        cursor.execute(
            "UPDATE tenants_city SET next_case_number = next_case_number + %s WHERE id = %s RETURNING next_case_number",
            [count, pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise City.DoesNotExist(f"No city with id {pk}")
    # The caller's city object is returned as it is (the case rows point to it): its
    # next_case_number may be stale, the counter is read from the database only, just above.
    if isinstance(city, City):
        return city, row[0] - count
    return City.objects.defer("boundary").get(pk=pk), row[0] - count


def case_lock(case: ServiceRequest) -> ServiceRequest:
    """Re-read the case under a row lock so two staff acting at once queue, not clash."""
    # The city's boundary (tens of kB of GeoJSON) is not needed to change a case: not decoding it
    # on every write keeps a service call cheap. The lock is the case's row only (``of``): with
    # the joined rows locked too, every change to any case of a city would queue on the city's
    # row, behind each other and behind the report taking the city's next number.
    locked = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("city", "service_type")
        .defer("city__boundary")
        .get(pk=case.pk)
    )
    # What the case was before the change (the roll-ups keep its contribution: see signals).
    signals.case_changing.send(sender=ServiceRequest, case=locked)
    return locked


def case_insert(case: ServiceRequest) -> ServiceRequest:
    """Insert a new case row (``case_create`` decides its values)."""
    case.save(force_insert=True)
    signals.case_changed.send(sender=ServiceRequest, case=case, created=True)
    return case


def stand_in_number() -> int:
    """A new case's number until it takes its own (``signals.case_numbering``): 18 random
    digits, which no text a receiver renders holds by chance, and which a receiver replaces
    with the case's number once it is known."""
    return 10**17 + secrets.randbelow(9 * 10**17)


def case_save(case: ServiceRequest, *fields: str) -> None:
    """Save the changed ``fields`` of a case (read with ``case_lock``) and mark it updated."""
    case.updated_at = clock.now()
    case.save(update_fields=[*fields, "updated_at"])
    # Same transaction: the roll-ups of the reports change with the case (see signals).
    signals.case_changed.send(sender=ServiceRequest, case=case, created=False)


def event_write(
    case: ServiceRequest,
    kind: str,
    *,
    actor: User | None,
    actor_label: str = "",
    text: str = "",
    is_public: bool = False,
    changes: Mapping[str, Any] | None = None,
) -> CaseEvent:
    """The case's audit event of one change (``actor_label`` names an actor with no account)."""
    return CaseEvent.objects.create(
        case=case,
        at=clock.now(),
        actor=actor,
        actor_label=actor_label if actor is None else "",
        kind=kind,
        text=text,
        is_public=is_public,
        changes=dict(changes or {}),
    )


def clean_text(value: str, *, field: str, required: bool = False, limit: int = MAX_DESCRIPTION) -> str:
    """Text as stored: trimmed, without NUL (PostgreSQL refuses it), each line break one
    "\\n", within ``limit``. A browser sends a line break as CR LF but counts it as one
    character against a box's maxlength: counted as the box counted it, text the box took is
    never refused as too long, whichever page or API it came by."""
    value = (value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    # The codes let a page name its own box ("The note cannot be empty.").
    if required and not value:
        raise ValidationError({field: ValidationError(_("This cannot be empty."), code="required")})
    if len(value) > limit:
        raise ValidationError(
            {
                field: ValidationError(
                    _("This is longer than %(n)s characters.") % {"n": f"{limit:,}"},
                    code="max_length",
                    params={"n": f"{limit:,}"},
                )
            }
        )
    return value


def due_at(service_type: ServiceType, opened_at: dt.datetime) -> dt.datetime | None:
    """When a case of ``service_type`` opened at ``opened_at`` is due (None: no target): its
    target in calendar or business days (``catalog.targets.due_at``)."""
    return targets.due_at(service_type, opened_at)
