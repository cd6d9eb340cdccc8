"""Background tasks: thin, idempotent.

A city that has never had its files (a demo just loaded, a city just added) is not left with
"Not generated yet" until the night: ``queue_first_exports`` queues an export to run at once
(``load_demo`` calls it, as it calls ``expected.tasks.queue_first_trainings``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django_tasks import task

from civicdesk.opendata import schedule

if TYPE_CHECKING:
    from civicdesk.tenants.models import City

log = logging.getLogger("civicdesk.opendata")

FIRST_TASK_PATH = "civicdesk.opendata.tasks.open_data_export_first"
NIGHTLY_TASK_PATH = "civicdesk.opendata.tasks.open_data_nightly"


@task()
def open_data_nightly() -> int:
    """The nightly export of every open-data file; queues the next night's."""
    return schedule.nightly_run()


@task()
def open_data_export_first(slugs: list[str]) -> int:
    """The first files of the named cities, and the collaborative's (``queue_first_exports``).
    Returns the files written."""
    from civicdesk.opendata.services import open_data_export_all
    from civicdesk.tenants.models import City

    cities = list(City.objects.defer("boundary").filter(slug__in=slugs).order_by("pk"))
    return len(open_data_export_all(cities=cities, collaborative=True))


def queue_first_exports(cities: Iterable[City] | None = None) -> list[str]:
    """Queue an export, to run now, of every city (of ``cities``, if given) that has no
    open-data file yet, unless a first export of it is queued or running already, or a
    nightly export is running (it writes every city); the slugs of the cities queued."""
    from django_tasks_db.models import DBTaskResult

    from civicdesk.opendata.models import OpenDataFile
    from civicdesk.tenants.models import City

    active = DBTaskResult.objects.filter(status__in=("READY", "RUNNING"))
    if active.filter(task_path=NIGHTLY_TASK_PATH, status="RUNNING").exists():
        return []
    pending = active.filter(task_path=FIRST_TASK_PATH).values_list("args_kwargs", flat=True)
    queued = {slug for args_kwargs in pending for slug in args_kwargs["args"][0]}
    exported = OpenDataFile.objects.filter(city__isnull=False).values("city_id")
    never = City.objects.exclude(pk__in=exported).exclude(slug__in=queued)
    if cities is not None:
        never = never.filter(pk__in=[city.pk for city in cities])
    slugs = list(never.order_by("pk").values_list("slug", flat=True))
    if slugs:
        open_data_export_first.enqueue(slugs)
        log.info("open data: first export queued for %s", ", ".join(slugs))
    return slugs
