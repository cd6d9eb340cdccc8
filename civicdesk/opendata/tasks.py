"""Background tasks: thin, idempotent."""

from __future__ import annotations

from django_tasks import task

from civicdesk.opendata import schedule


@task()
def open_data_nightly() -> int:
    """The nightly export of every open-data file; queues the next night's."""
    return schedule.nightly_run()
