"""A list found longer than its cap is remembered as such for a minute (core/paging.py): the
console's queue counts, at a million cases, read COUNT_CAP + 1 index entries each only to print
"more than 10,000". A long list under its cap keeps its count for half a minute; a short one
(at most EXACT_UP_TO) is counted every time, so a change shows at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache.backends import db as db_cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicdesk.cases.models import OPEN_STATUSES, ServiceRequest, Status
from civicdesk.core import paging
from civicdesk.core.paging import counts_at_most
from tests.pages.conftest import World

pytestmark = pytest.mark.django_db


def counted(queries: CaptureQueriesContext) -> int:
    """How many lists of cases the captured queries counted (one statement counts several)."""
    return sum(q["sql"].count("COUNT(") for q in queries.captured_queries if "cases_servicerequest" in q["sql"])


def statements(queries: CaptureQueriesContext) -> int:
    """How many of the captured queries counted cases."""
    return sum("COUNT(" in q["sql"] and "cases_servicerequest" in q["sql"] for q in queries.captured_queries)


def test_a_list_longer_than_its_cap_is_not_counted_again_within_the_minute(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.grow(30)
    open_ones = ServiceRequest.objects.filter(city=world.city, status__in=OPEN_STATUSES)
    kept = list(open_ones.order_by("pk").values_list("pk", flat=True)[:3])
    few = open_ones.filter(pk__in=kept)
    assert open_ones.count() > 5

    with CaptureQueriesContext(connection) as first:
        assert counts_at_most({"open": open_ones, "few": few}, cap=5) == {"open": 6, "few": 3}
    assert counted(first) == 2 and statements(first) == 1  # both lists in one statement

    # Every open case closed but two: the long list still says "more than 5" (from the cache,
    # not counted); the short one is counted again and shows the change at once.
    open_ones.exclude(pk__in=kept[:2]).update(status=Status.CLOSED)
    with CaptureQueriesContext(connection) as again:
        assert counts_at_most({"open": open_ones, "few": few}, cap=5) == {"open": 6, "few": 2}
    assert counted(again) == 1

    # The same list under another cap is another list, and so is another city's: counted.
    assert counts_at_most({"open": open_ones}, cap=50) == {"open": 2}
    assert counts_at_most({"open": ServiceRequest.objects.exclude(city=world.city)}, cap=5)["open"] == 0

    # A minute later the long list is counted again: its true count.
    later = timezone.now() + dt.timedelta(seconds=paging.CAPPED_MEMORY_SECONDS + 1)
    monkeypatch.setattr(db_cache, "tz_now", lambda: later)
    with CaptureQueriesContext(connection) as after:
        assert counts_at_most({"open": open_ones}, cap=5) == {"open": 2}
    assert counted(after) == 1


def test_the_console_counts_a_long_list_once_a_minute(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.grow(90)  # 60 closed cases: more than the cap below
    client.force_login(world.supervisor)
    monkeypatch.setattr(paging.CappedPaginator, "cap", 50)

    with CaptureQueriesContext(connection) as first:
        html = client.get("/console/?queue=all&status=closed").content.decode()
    assert "More than 50 cases" in html
    with CaptureQueriesContext(connection) as second:
        assert "More than 50 cases" in client.get("/console/?queue=all&status=closed").content.decode()
    # The queue tabs are counted each time (each under the 10,000 cap; all five in one
    # statement); the long list is not.
    assert counted(second) == counted(first) - 1 == 5
    assert statements(second) == 1


def test_a_list_as_of_now_is_the_same_list_for_the_minute(world: World) -> None:
    """The overdue queue's query holds the clock's time: each visit must not be a new list
    (counted again, and one more entry in the cache), only each minute."""
    world.grow(30)
    moment = timezone.now().replace(second=10)
    overdue = ServiceRequest.objects.filter(city=world.city, due_at__lt=moment)
    assert overdue.count() > 5
    assert counts_at_most({"overdue": overdue}, cap=5) == {"overdue": 6}
    later_that_minute = ServiceRequest.objects.filter(city=world.city, due_at__lt=moment.replace(second=50))
    with CaptureQueriesContext(connection) as again:
        assert counts_at_most({"overdue": later_that_minute}, cap=5) == {"overdue": 6}
    assert counted(again) == 0
    next_minute = ServiceRequest.objects.filter(city=world.city, due_at__lt=moment + dt.timedelta(minutes=1))
    with CaptureQueriesContext(connection) as after:
        counts_at_most({"overdue": next_minute}, cap=5)
    assert counted(after) == 1


def test_a_long_list_keeps_its_count_for_half_a_minute_and_a_short_one_is_counted_each_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.grow(30)
    monkeypatch.setattr(paging, "EXACT_UP_TO", 3)  # "long": more than 3, as 1,000 in the console
    open_ones = ServiceRequest.objects.filter(city=world.city, status__in=OPEN_STATUSES).order_by("pk")
    pks = list(open_ones.values_list("pk", flat=True)[:7])
    long, short = open_ones.filter(pk__in=pks[:5]), open_ones.filter(pk__in=pks[5:7])
    assert counts_at_most({"long": long, "short": short}, cap=50) == {"long": 5, "short": 2}

    ServiceRequest.objects.filter(pk__in=[pks[0], pks[5]]).update(status=Status.CLOSED)
    with CaptureQueriesContext(connection) as again:
        assert counts_at_most({"long": long, "short": short}, cap=50) == {"long": 5, "short": 1}
    assert counted(again) == 1  # the short list only: it shows the change at once

    later = timezone.now() + dt.timedelta(seconds=paging.LONG_LIST_MEMORY_SECONDS + 1)
    monkeypatch.setattr(db_cache, "tz_now", lambda: later)
    assert counts_at_most({"long": long, "short": short}, cap=50) == {"long": 4, "short": 1}
    # Down to EXACT_UP_TO: counted every time from now on.
    ServiceRequest.objects.filter(pk=pks[1]).update(status=Status.CLOSED)
    later = later + dt.timedelta(seconds=paging.LONG_LIST_MEMORY_SECONDS + 1)
    assert counts_at_most({"long": long}, cap=50) == {"long": 3}
    ServiceRequest.objects.filter(pk=pks[2]).update(status=Status.CLOSED)
    assert counts_at_most({"long": long}, cap=50) == {"long": 2}
