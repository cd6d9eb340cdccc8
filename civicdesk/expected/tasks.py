"""The nightly training, run by the task worker (django-tasks' database backend).

django-tasks has no periodic schedule of its own: the task, once run, queues its next run for
the following night (NIGHTLY_HOUR UTC) with ``run_after``, so one queued run keeps the chain
going. The outbox sweeper's every round calls ``schedule_next`` (registered in
``ExpectedConfig.ready`` with ``core.periodic``), so a chain lost with a killed worker is
started again; ``manage.py expected_schedule`` does the same by hand.
"""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from civicdesk.core import clock

log = logging.getLogger(__name__)

NIGHTLY_HOUR = 8  # 08:00 UTC: 02:00 or 03:00 in the Central time zone, a quiet hour
TASK_PATH = "civicdesk.expected.tasks.expected_train_nightly"


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


@task()
def expected_train_nightly() -> dict[str, str]:
    from civicdesk.expected.services import expected_model_train
    from civicdesk.tenants.models import City

    results: dict[str, str] = {}
    try:
        for city in City.objects.all():
            try:
                results[city.slug] = expected_model_train(city=city).reason
            except Exception as exc:  # one city's failure must not stop the others' training
                log.exception("expected model training failed for %s", city.slug)
                results[city.slug] = f"failed: {exc}"
    finally:
        schedule_next()
    return results
