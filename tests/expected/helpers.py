"""A city's history made for the pages that show expected dates (the portal, the email,
Open311, the console, the browser): the same shape as ``tests/expected/conftest.py``'s
``history``, but ending at any moment (a live server reads the wall clock, not a frozen one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np

from civicdesk.cases.models import ServiceRequest, Status
from civicdesk.catalog.models import ServiceType
from civicdesk.expected import selectors, services
from civicdesk.tenants.models import City


def insert_cases(
    service_type: ServiceType, opened: list[dt.datetime], days: list[float | None], **kw: Any
) -> list[ServiceRequest]:
    """Cases of ``service_type`` opened at ``opened`` and closed ``days`` later (None: open),
    numbered after the city's highest; ``kw`` sets other fields of every case."""
    city: City = service_type.city
    start = (
        ServiceRequest.objects.filter(city=city).order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    rows = []
    for i, (at, d) in enumerate(zip(opened, days, strict=True)):
        closed = at + dt.timedelta(days=d) if d is not None else None
        rows.append(
            ServiceRequest(
                city=city,
                number=start + i,
                service_type=service_type,
                department=service_type.department,
                status=Status.CLOSED if closed else Status.NEW,
                opened_at=at,
                closed_at=closed,
                due_at=at + dt.timedelta(days=service_type.target_days) if service_type.target_days else None,
                updated_at=closed or at,
                is_imported=True,
                **kw,
            )
        )
    made = ServiceRequest.objects.bulk_create(rows)
    # As an import leaves it: the city's next number follows the cases inserted.
    City.objects.filter(pk=city.pk, next_case_number__lt=start + len(rows)).update(next_case_number=start + len(rows))
    return made


def trained_city(
    city: City, make_service_type: Callable[..., ServiceType], *, now: dt.datetime, pothole: ServiceType | None = None
) -> dict[str, ServiceType]:
    """Two years of ``city`` up to ``now``: potholes close in about 2 days (target 3), tree
    work in about 20 (target 30), with three surges of potholes that took about 12 days; then
    the city's model trained at ``now``. ``pothole``: the city's existing type to use."""
    rng = np.random.default_rng(11)
    pothole = pothole or make_service_type(city, "pothole", name="Pothole", target_days=3)
    tree = make_service_type(city, "tree", name="Tree down", target_days=30)
    for service_type, median, n in ((pothole, 2.0, 300), (tree, 20.0, 200)):
        opened = [now - dt.timedelta(days=float(o)) for o in np.sort(rng.uniform(1, 730, n))]
        days: list[float | None] = []
        for at in opened:
            d = float(median * np.exp(rng.normal(0, 0.5)))
            days.append(d if at + dt.timedelta(days=d) < now else None)
        insert_cases(service_type, opened, days)
    for surge_day in (600, 400, 200):
        start = now - dt.timedelta(days=surge_day)
        insert_cases(
            pothole, [start + dt.timedelta(minutes=10 * i) for i in range(60)], [12.0 + i % 5 for i in range(60)]
        )
    result = services.expected_model_train(city=city, now=now)
    assert result.replaced, result.reason
    selectors.forget_models()
    return {"pothole": pothole, "tree": tree}


def grow_backlog(service_type: ServiceType, *, now: dt.datetime, count: int = 60) -> list[ServiceRequest]:
    """``count`` open cases of ``service_type`` that came in over the last five hours."""
    return insert_cases(service_type, [now - dt.timedelta(hours=5, minutes=-i) for i in range(count)], [None] * count)


def run_ready_tasks() -> int:
    """Run every task queued in the database, in this process, with the task worker's own code
    (django-tasks-db's ``Worker.run_task``); the number run. Not ``manage.py db_worker``: its
    loop closes the database connections, and an in-memory SQLite test database with them."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    ran = 0
    for result in DBTaskResult.objects.ready().order_by("enqueued_at"):
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran
