"""Fixtures for the performance tests: a measure factory and cases built at exact moments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services as cases
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.notifications import outbox
from civicdesk.performance.models import Measure, MeasureTarget
from civicdesk.tenants.models import City

CENTRAL = dt.timezone(dt.timedelta(hours=-5))  # Missouri in summer (CDT)


def at(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment in Missouri summer time, e.g. ``at("2017-07-03", 9)``."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=CENTRAL)


@pytest.fixture
def make_measure(independence: City) -> Callable[..., Measure]:
    def make(**kw: Any) -> Measure:
        target = kw.pop("target", None)
        split_rule = kw.pop("split_rule", "every_period")
        fiscal_year = kw.pop("fiscal_year", 2018)
        kw.setdefault("city", independence)
        kw.setdefault("name", "A measure")
        kw.setdefault("definition", "What it measures.")
        kw.setdefault("unit", "percent")
        kw.setdefault("direction", "higher")
        measure = Measure(**kw)
        measure.full_clean()
        measure.save()
        if target is not None:
            MeasureTarget.objects.create(
                measure=measure, fiscal_year=fiscal_year, value=Decimal(target), split_rule=split_rule
            )
        return measure

    return make


class CaseBook:
    """Builds cases through the real services, each step at the moment given."""

    def __init__(self, city: City, staff: User) -> None:
        self.city, self.staff = city, staff

    def open(self, service_type: ServiceType, when: dt.datetime) -> ServiceRequest:
        with outbox.suppressed(), clock.frozen_at(when):
            return cases.case_create(
                service_type=service_type, city=self.city, description="A test report.", opened_at=when
            )

    def note(self, case: ServiceRequest, when: dt.datetime, *, public: bool = True) -> ServiceRequest:
        with outbox.suppressed(), clock.frozen_at(when):
            cases.case_add_note(case=case, actor=self.staff, text="Inspector visited.", public=public)
        return case

    def start(self, case: ServiceRequest, when: dt.datetime) -> ServiceRequest:
        with outbox.suppressed(), clock.frozen_at(when):
            return cases.case_change_status(case=case, actor=self.staff, status="in_progress")

    def close(self, case: ServiceRequest, when: dt.datetime, **kw: Any) -> ServiceRequest:
        kw.setdefault("note", "Done.")
        with outbox.suppressed(), clock.frozen_at(when):
            return cases.case_close(case=case, actor=self.staff, **kw)


@pytest.fixture
def book(independence: City, make_staff: Callable[..., User]) -> CaseBook:
    return CaseBook(independence, make_staff(independence, Role.SUPERVISOR))
