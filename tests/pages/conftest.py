"""A city with staff and a catalogue, whose history can be grown between two visits to a page:
``grow(n)`` adds ``n`` cases (open and closed, assigned and not, with their audit events) the
way a bulk import writes them, fast enough to add thousands in a test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Max
from django.utils import timezone

from civicdesk.accounts.models import Role, User
from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest, Status
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City


@dataclass
class World:
    city: City
    types: list[ServiceType]
    worker: User
    supervisor: User
    first: ServiceRequest

    def grow(self, n: int) -> None:
        """``n`` more cases of the city, spread over types, statuses, districts and two years."""
        start = (ServiceRequest.objects.filter(city=self.city).aggregate(m=Max("number"))["m"] or 0) + 1
        districts = list(self.city.districts.values_list("pk", flat=True)) or [None]
        now = timezone.now()
        rows = []
        for i in range(n):
            service_type = self.types[i % len(self.types)]
            opened = now - dt.timedelta(hours=1 + (i * 7) % (730 * 24))
            closed = i % 3 != 0
            rows.append(
                ServiceRequest(
                    city=self.city,
                    number=start + i,
                    service_type=service_type,
                    department_id=service_type.department_id,
                    district_id=districts[i % len(districts)],
                    status=Status.CLOSED if closed else (Status.ASSIGNED if i % 5 == 0 else Status.NEW),
                    assignee=self.worker if not closed and i % 5 == 0 else None,
                    description=f"Grown case {start + i}",
                    address=f"{100 + i} Main St",
                    lat=39.0855,
                    lng=-94.3520,
                    opened_at=opened,
                    due_at=opened + dt.timedelta(days=5),
                    closed_at=opened + dt.timedelta(days=2) if closed else None,
                    updated_at=opened,
                    tracking_token=f"grown-{self.city.pk}-{start + i}",
                )
            )
        made = ServiceRequest.objects.bulk_create(rows, batch_size=2000)
        if not made or made[0].pk is None:  # backends that do not return ids
            made = list(ServiceRequest.objects.filter(city=self.city, number__gte=start))
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(case=c, at=c.opened_at, actor_label="import", kind=EventKind.CREATED, is_public=True)
                for c in made
            ],
            batch_size=2000,
        )


@pytest.fixture
def world(
    independence: City,
    trash: ServiceType,
    make_service_type: Callable[..., ServiceType],
    make_staff: Callable[..., User],
    report: Callable[..., Any],
) -> World:
    pothole = make_service_type(independence, "pothole", name="Pothole", group="Streets")
    worker = make_staff(independence, Role.WORKER, department=trash.department, last_name="Worker")
    supervisor = make_staff(independence, Role.SUPERVISOR, department=trash.department, last_name="Boss")
    first = report(description="The first report")
    return World(city=independence, types=[trash, pothole], worker=worker, supervisor=supervisor, first=first)
