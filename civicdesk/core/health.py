"""Health checks for load balancers, supervisors and monitoring.

``/healthz`` answers 200 when this process can reach the database, with the outbox's
counts so a monitor can alert on email piling up; 503 when the database cannot be reached.
``/readyz`` is the cheaper question a load balancer asks before sending traffic: the
database answers and every migration of this version has been applied.
"""

from __future__ import annotations

import logging
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


def _outbox() -> dict[str, Any]:
    from civicdesk.notifications.selectors import outbox_summary

    summary = outbox_summary()
    oldest = summary.oldest_pending
    return {
        **summary.counts,
        "due": summary.due,
        "stale_claims": summary.stale_claims,
        "oldest_pending_at": oldest.created_at.isoformat() if oldest else None,
        "last_sent_at": summary.last_sent_at.isoformat() if summary.last_sent_at else None,
    }


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok", "database": "ok", "outbox": {...}}``, or 503 when the
    database is down."""
    if not _database_ok():
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    try:
        outbox = _outbox()
    except DatabaseError:
        log.warning("health check: the outbox cannot be read", exc_info=True)
        return JsonResponse({"status": "error", "database": "ok", "outbox": "unreadable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "outbox": outbox})


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
