"""A city's cases read from the database into the columns the model learns from."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from civicdesk.cases.models import ServiceRequest
from civicdesk.expected import survival
from civicdesk.tenants.models import City

# The department key of a case waiting in triage (no department): the triage queue is a
# backlog of its own.
TRIAGE = ""


def department_key(department_id: int | None) -> str:
    return TRIAGE if department_id is None else str(department_id)


def district_key(district_id: int | None) -> str:
    return "" if district_id is None else str(district_id)


def history_for_city(city: City, *, since: dt.datetime | None = None) -> survival.History:
    """The city's cases (opened at or after ``since``, if given) as columns, with each case's
    department backlog at its opening computed in one sweep.

    Cases opened before ``since`` that were still open on it are read too, for the backlog
    only: they were in the queue when the window's first cases came in."""
    zone = city.tz
    rows = ServiceRequest.objects.filter(city=city)
    fields = (
        "service_type__code",
        "department_id",
        "district_id",
        "channel",
        "opened_at",
        "closed_at",
        # The case's own due date, as its type's target counted it (calendar or business days).
        "due_at",
    )
    if since is not None:
        from django.db.models import Q

        rows = rows.filter(Q(opened_at__gte=since) | Q(closed_at__isnull=True) | Q(closed_at__gt=since))
    types: list[str] = []
    depts: list[str] = []
    districts: list[str] = []
    channels: list[str] = []
    opened: list[float] = []
    closed: list[float] = []
    months: list[int] = []
    weekdays: list[int] = []
    targets: list[float] = []
    for code, dept, district, channel, opened_at, closed_at, due in rows.values_list(*fields).iterator(chunk_size=5000):
        local = opened_at.astimezone(zone)
        types.append(code)
        depts.append(department_key(dept))
        districts.append(district_key(district))
        channels.append(channel)
        opened.append(opened_at.timestamp())
        closed.append(closed_at.timestamp() if closed_at is not None else math.nan)
        months.append(local.month)
        weekdays.append(local.weekday())
        targets.append((due - opened_at).total_seconds() / survival.DAY if due is not None else math.nan)
    history = survival.History(
        service_type=types,
        department=depts,
        district=districts,
        channel=channels,
        opened=np.asarray(opened, dtype=float),
        closed=np.asarray(closed, dtype=float),
        month=np.asarray(months, dtype=np.int64),
        weekday=np.asarray(weekdays, dtype=np.int64),
        target_days=np.asarray(targets, dtype=float),
    )
    history.backlog = survival.backlog_at_opening(history.department, history.opened, history.closed)
    if since is not None:
        history = history.subset(history.opened >= since.timestamp())
    return history
