"""Two staff members (or two residents) acting at the same moment: real threads, each with
its own database connection, so the row locks in the services are what is tested."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest, Status
from civicdesk.core.errors import InvalidTransition
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in n threads released together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck: a lock was never released"
    return results


def test_reports_filed_at_the_same_moment_get_distinct_numbers(trash):
    lat, lng = INSIDE["independence"]
    results = at_once(
        4, lambda i: services.case_create(service_type=trash, lat=lat, lng=lng, description=f"report {i}").number
    )
    assert all(isinstance(r, int) for r in results), results
    assert sorted(results) == [1001, 1002, 1003, 1004]
    assert ServiceRequest.objects.count() == 4
    trash.city.refresh_from_db()
    assert trash.city.next_case_number == 1005


def test_two_staff_closing_the_same_case_at_once_close_it_once(trash, independence, make_staff):
    lat, lng = INSIDE["independence"]
    case = services.case_create(service_type=trash, lat=lat, lng=lng)
    closers = [make_staff(independence, "supervisor") for _ in range(2)]
    results = at_once(2, lambda i: services.case_close(case=case, actor=closers[i], note=f"closed by {i}"))
    closed = [r for r in results if isinstance(r, ServiceRequest)]
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert (len(closed), len(refused)) == (1, 1), results
    assert "already closed" in refused[0].messages[0]
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.events.filter(kind="closed").count() == 1
