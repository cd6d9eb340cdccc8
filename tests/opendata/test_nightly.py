"""The nightly export: the sweeper queues it once, for the night; the task writes every file
and queues the next night's; a task lost with its worker is queued again."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks import task_backends

from civicdesk.core import clock
from civicdesk.opendata import schedule
from civicdesk.opendata.models import NightlyRun, OpenDataFile
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

CENTRAL = dt.timezone(dt.timedelta(hours=-6))


@pytest.fixture
def queued(django_capture_on_commit_callbacks: Any) -> Iterator[list[Any]]:
    """The tasks queued (the test settings' dummy backend keeps them in a list)."""
    backend = task_backends["default"]
    backend.clear()  # type: ignore[attr-defined]
    yield backend.results  # type: ignore[attr-defined]
    backend.clear()  # type: ignore[attr-defined]


def nightly_tasks(queued: list[Any]) -> list[Any]:
    return [r for r in queued if r.task.name == "open_data_nightly"]


def test_the_next_night_is_the_configured_local_time_across_dst(settings: Any) -> None:
    settings.OPEN_DATA_NIGHTLY_AT = "03:15"
    evening = dt.datetime(2026, 3, 7, 22, 0, tzinfo=CENTRAL)  # the night DST begins
    assert schedule.next_nightly(evening) == dt.datetime(2026, 3, 8, 8, 15, tzinfo=dt.UTC)  # 03:15 CDT
    assert schedule.next_nightly(dt.datetime(2026, 3, 8, 8, 15, tzinfo=dt.UTC)) == dt.datetime(
        2026, 3, 9, 8, 15, tzinfo=dt.UTC
    )
    assert schedule.next_nightly(dt.datetime(2026, 1, 5, 2, 0, tzinfo=CENTRAL)) == dt.datetime(
        2026, 1, 5, 9, 15, tzinfo=dt.UTC
    )


def test_the_sweeper_queues_the_nightly_export_once(
    cities: dict[str, City], queued: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    now = dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.UTC)
    with clock.frozen_at(now), django_capture_on_commit_callbacks(execute=True):
        call_command("outbox_sweeper", "--once", stdout=io.StringIO())
        call_command("outbox_sweeper", "--once", stdout=io.StringIO())
    [task] = nightly_tasks(queued)
    assert task.task.run_after == dt.datetime(2026, 12, 5, 9, 15, tzinfo=dt.UTC)  # 03:15 Central
    assert NightlyRun.objects.get().next_run_at == task.task.run_after


def test_the_nightly_task_writes_every_file_and_queues_the_next_night(
    cities: dict[str, City], queued: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    from civicdesk.opendata.tasks import open_data_nightly

    night = dt.datetime(2026, 12, 5, 9, 15, tzinfo=dt.UTC)
    with clock.frozen_at(night), django_capture_on_commit_callbacks(execute=True):
        written = open_data_nightly.call()
    assert written == OpenDataFile.objects.count() == 2 * (len(cities) + 1)
    assert set(OpenDataFile.objects.values_list("generated_at", flat=True)) == {night}
    [task] = nightly_tasks(queued)
    assert task.task.run_after == night + dt.timedelta(days=1)
    state = NightlyRun.objects.get()
    assert state.next_run_at == task.task.run_after and state.last_finished_at == night
    with clock.frozen_at(night + dt.timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        assert schedule.nightly_ensure() is None  # the next one is queued already
    assert len(nightly_tasks(queued)) == 1


def test_an_export_lost_with_its_worker_is_queued_again_at_once(
    cities: dict[str, City], queued: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    due = dt.datetime(2026, 12, 5, 9, 15, tzinfo=dt.UTC)
    NightlyRun.objects.create(pk=1, next_run_at=due)  # queued, then its worker was killed
    with clock.frozen_at(due + dt.timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        assert schedule.nightly_ensure() is None  # it may still be running
    late = due + schedule.GRACE + dt.timedelta(minutes=1)
    with clock.frozen_at(late), django_capture_on_commit_callbacks(execute=True):
        assert schedule.nightly_ensure() == late
    [task] = nightly_tasks(queued)
    assert task.task.run_after is None  # now: the files are a day old already
