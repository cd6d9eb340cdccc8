"""Health checks for load balancers, supervisors and monitoring.

``/healthz`` answers 200 when this process can reach the database, with the outbox's
counts so a monitor can alert on email piling up; 503 when the database cannot be reached.
``/readyz`` is the cheaper question a load balancer asks before sending traffic: the
database answers and every migration of this version has been applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except DatabaseError:
        log.warning("health check: the database cannot be reached", exc_info=True)
        # A broken connection is not reused by the next request of this worker.
        connection.close_if_unusable_or_obsolete()
        return False


def register(name: str, report: Callable[[], dict[str, Any]]) -> None:
    """Add a section to ``/healthz``: ``report()`` returns what monitoring should see (the
    outbox's counts, registered by ``notifications``). Apps register in ``AppConfig.ready``,
    so this module needs to know none of them."""
    _sections[name] = report


_sections: dict[str, Callable[[], dict[str, Any]]] = {}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok", "database": "ok", "outbox": {...}}``, or 503 when the
    database is down."""
    if not _database_ok():
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    answer: dict[str, Any] = {"status": "ok", "database": "ok"}
    for name, report in _sections.items():
        try:
            answer[name] = report()
        except DatabaseError:
            log.warning("health check: the %s cannot be read", name, exc_info=True)
            return JsonResponse({"status": "error", "database": "ok", name: "unreadable"}, status=503)
    return JsonResponse(answer)


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and has every migration; 503 otherwise."""
    if not _database_ok():
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    try:
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    if unapplied:
        return JsonResponse({"status": "error", "database": "ok", "unapplied_migrations": len(unapplied)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
