"""Background tasks of the performance app: thin, idempotent.

The regional comparison's figures are worked out from every case of a quarter; a visitor
should not wait for that. ``refresh_ensure`` runs on every round of the outbox sweeper
(registered in ``PerformanceConfig.ready`` with ``core.periodic``) and queues
``regional_figures_refresh`` once a third of ``REGIONAL_FIGURES_SECONDS`` has passed since it
last did, so the kept figures of the current and previous periods are never older than that
setting while a task worker runs.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django_tasks import task

log = logging.getLogger("civicdesk.performance")

REFRESH_TASK_PATH = "civicdesk.performance.tasks.regional_figures_refresh"
QUEUED_KEY = "performance:regional-figures-refresh-queued"


@task()
def regional_figures_refresh() -> int:
    """Compute and keep the regional comparison's current and previous periods."""
    from civicdesk.performance.services import regional_figures_refresh as refresh

    return refresh()


def refresh_ensure() -> bool:
    """Queue a refresh of the kept regional figures unless one was queued less than a third
    of ``REGIONAL_FIGURES_SECONDS`` ago (by any sweeper: the mark is in the shared cache) or
    one is still waiting for a worker; True if it queued one."""
    from django_tasks_db.models import DBTaskResult

    from civicdesk.performance.regional import kept_seconds

    seconds = kept_seconds()
    if seconds <= 0:
        return False
    if DBTaskResult.objects.filter(task_path=REFRESH_TASK_PATH, status="READY").exists():
        return False
    if not cache.add(QUEUED_KEY, True, timeout=max(seconds // 3, 1)):
        return False
    regional_figures_refresh.enqueue()
    log.debug("regional comparison: refresh of the kept figures queued")
    return True
