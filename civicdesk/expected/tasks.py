"""The nightly training, run by the task worker (django-tasks' database backend), and the
first training of a city whose history has just arrived.

django-tasks has no periodic schedule of its own: the task, once run, queues its next run for
the following night (NIGHTLY_HOUR UTC) with ``run_after``, so one queued run keeps the chain
going. The outbox sweeper's every round calls ``schedule_next`` (registered in
``ExpectedConfig.ready`` with ``core.periodic``), so a chain lost with a killed worker is
started again; ``manage.py expected_schedule`` does the same by hand.

A city whose history was just loaded (``load_demo``, ``import_cases``) is not left on the
fallback until the night: ``queue_first_trainings`` queues a training to run at once for
every city that never had a model and has enough cases to learn from.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django_tasks import task

from civicdesk.core import clock

if TYPE_CHECKING:
    from civicdesk.tenants.models import City

log = logging.getLogger(__name__)

NIGHTLY_HOUR = 8  # 08:00 UTC: 02:00 or 03:00 in the Central time zone, a quiet hour
TASK_PATH = "civicdesk.expected.tasks.expected_train_nightly"
FIRST_TASK_PATH = "civicdesk.expected.tasks.expected_train_first"


def next_run(after: dt.datetime) -> dt.datetime:
    run = after.astimezone(dt.UTC).replace(hour=NIGHTLY_HOUR, minute=0, second=0, microsecond=0)
    return run if run > after else run + dt.timedelta(days=1)


def schedule_next(*, after: dt.datetime | None = None) -> bool:
    """Queue the next nightly run unless one is queued already; True if it queued one."""
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists():
        return False
    expected_train_nightly.using(run_after=next_run(after or clock.now())).enqueue()
    return True


def _train(cities: Iterable[City]) -> dict[str, str]:
    from civicdesk.expected.services import expected_model_train

    results: dict[str, str] = {}
    for city in cities:
        try:
            results[city.slug] = expected_model_train(city=city).reason
        except Exception as exc:  # one city's failure must not stop the others' training
            log.exception("expected model training failed for %s", city.slug)
            results[city.slug] = f"failed: {exc}"
    return results


@task()
def expected_train_nightly() -> dict[str, str]:
    from civicdesk.tenants.models import City

    try:
        return _train(City.objects.all())
    finally:
        schedule_next()


def queue_first_trainings(cities: Iterable[City] | None = None) -> list[str]:
    """Queue a training, to run now, of every city (of ``cities``, if given) that has never
    had a model and has at least ``MIN_CITY_CASES`` cases, unless one of it is queued or
    running already; the slugs of the cities queued. A city that still gets no model (its
    cases are older than the training window, say, or its trainings so far ``failed``: no fit
    could be made) is tried again by the next call (each ``load_demo``, each ``import_cases``)
    and every night."""
    from django_tasks_db.models import DBTaskResult

    from civicdesk.cases.models import ServiceRequest
    from civicdesk.expected.models import ExpectedModel, ModelStatus
    from civicdesk.expected.services import MIN_CITY_CASES
    from civicdesk.tenants.models import City

    pending = DBTaskResult.objects.filter(task_path=FIRST_TASK_PATH, status__in=("READY", "RUNNING"))
    queued = {slug for args_kwargs in pending.values_list("args_kwargs", flat=True) for slug in args_kwargs["args"][0]}
    fitted = ExpectedModel.objects.exclude(status=ModelStatus.FAILED).values("city_id")
    untrained = City.objects.exclude(pk__in=fitted).exclude(slug__in=queued)
    if cities is not None:
        untrained = untrained.filter(pk__in=[city.pk for city in cities])
    slugs = [
        city.slug
        for city in untrained.order_by("pk")
        if ServiceRequest.objects.filter(city=city)[:MIN_CITY_CASES].count() >= MIN_CITY_CASES
    ]
    if slugs:
        expected_train_first.enqueue(slugs)
        log.info("expected models: first training queued for %s", ", ".join(slugs))
    return slugs


@task()
def expected_train_first(slugs: list[str]) -> dict[str, str]:
    """The first training of the named cities (``queue_first_trainings``)."""
    from civicdesk.tenants.models import City

    return _train(City.objects.filter(slug__in=slugs).order_by("pk"))
