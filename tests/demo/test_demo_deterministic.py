"""The demo is drawn from a random generator seeded with its last day: two loads for the same
day give the same cases, each worked at the same moments (office hours included)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import transaction

from civicdesk.cases.models import CaseEvent, ServiceRequest
from civicdesk.core import clock
from civicdesk.demo.loader import load_demo

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 28, 18, 0, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))  # takes in Christmas


def _loaded_history() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Load the demo in a savepoint, read it by natural keys (not ids), and roll it back."""
    with transaction.atomic():
        with clock.frozen_at(NOW):
            load_demo(days=8, scale=0.4, today=NOW.date())
        cases = list(
            ServiceRequest.objects.order_by("city__slug", "number").values_list(
                "city__slug", "number", "service_type__code", "opened_at", "status", "closed_at", "assignee__username"
            )
        )
        events = list(
            CaseEvent.objects.order_by("case__city__slug", "case__number", "at", "kind").values_list(
                "case__city__slug", "case__number", "kind", "at", "actor__username", "text"
            )
        )
        transaction.set_rollback(True)
    return cases, events


def test_the_same_day_draws_the_same_demo() -> None:
    first, again = _loaded_history(), _loaded_history()
    assert len(first[0]) > 100 and len(first[1]) > len(first[0])
    assert first == again
