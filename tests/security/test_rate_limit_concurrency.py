"""Under a burst of simultaneous requests a rate limit lets exactly its number through.

Each thread has its own database connection, as each gunicorn worker or app server does, and
all of them start at the same moment; on PostgreSQL their transactions really overlap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from civicdesk.core import ratelimit
from civicdesk.core.models import RateLimitCounter
from civicdesk.core.ratelimit import hit, peek
from tests.security.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

T = TypeVar("T")


def all_at_once(attempts: int, attempt: Callable[[int], T]) -> list[T]:
    """Run ``attempt(n)`` in ``attempts`` threads released together; their results."""
    results: list[T] = []
    errors: list[BaseException] = []
    start = threading.Barrier(attempts)

    def run(n: int) -> None:
        try:
            start.wait()
            results.append(attempt(n))
        except BaseException as exc:  # a thread cannot fail the test itself: the test reads these
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(results) == attempts
    return results


def test_exactly_the_limit_passes_when_many_requests_are_counted_at_once() -> None:
    answers = all_at_once(24, lambda n: hit("burst", "caller-1", limit=5, period=3600))
    assert sum(wait is None for wait in answers) == 5
    assert all(0 < wait <= 3600 for wait in answers if wait is not None)
    count, _window_end = peek("burst", "caller-1")
    assert count >= 5


def test_callers_are_counted_apart_under_a_burst() -> None:
    answers = all_at_once(24, lambda n: (n % 2, hit("burst", f"caller-{n % 2}", limit=4, period=60)))
    for caller in (0, 1):
        assert sum(wait is None for who, wait in answers if who == caller) == 4


def test_a_burst_of_open311_posts_gets_exactly_the_limit_through(world: World, settings: Any) -> None:
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMITS = {
        "open311-key": {"views": ["open311:requests"], "key": "api_key", "rate": "3/m"},
    }
    url = reverse("open311:requests", kwargs={"fmt": "json"})
    data = {
        "api_key": world.api_key,
        "jurisdiction_id": world.cities["independence"].jurisdiction_id,
        "service_code": world.service_type.code,
        "lat": 39.0911,
        "long": -94.4155,
    }

    def post(n: int) -> int:
        return Client(REMOTE_ADDR=f"198.51.100.{n}").post(url, {**data, "description": f"Couch {n}"}).status_code

    statuses = all_at_once(12, post)
    assert sorted(statuses) == [201] * 3 + [429] * 9


def test_an_ended_window_starts_again_at_one() -> None:
    assert [hit("short", "caller-1", limit=2, period=1) is None for _ in range(3)] == [True, True, False]
    time.sleep(1.1)
    assert hit("short", "caller-1", limit=2, period=1) is None
    assert peek("short", "caller-1")[0] == 1


def test_counters_of_ended_windows_are_deleted_as_new_windows_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "PURGE_ONE_IN", 1)  # purge on every new window, not one in fifty
    hit("short", "gone", limit=5, period=1)
    time.sleep(1.1)
    hit("short", "arrives", limit=5, period=1)
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["short:arrives"]
