"""Reading from a PostgreSQL streaming replica when ``DATABASE_REPLICA_URL`` is set.

What may read the replica: the pages that are the same for everyone and may be a moment
behind (the portal's public pages, the reports, the dashboard, open data, the gazetteer and
Open311's GETs: the URL namespaces in ``REPLICA_READ_NAMESPACES``), for GET and HEAD only,
and only the rows of the case domain (``READ_APPS``): sessions, users, rate-limit counters,
the cache and the task queue are always read on the primary. Everything else — every write,
the console, the admin, and any read inside a transaction — uses the primary.

Replication lag is what a resident could notice: a report just sent, then its tracking
page read from a replica that has not replayed it yet. So:

- a browser that has just written (any POST, PUT, PATCH or DELETE answered below 400) gets
  a cookie that keeps its reads on the primary for ``REPLICA_STICKY_SECONDS``;
- a page that finds nothing on the replica (404), or cannot reach it, is answered again from
  the primary: "not found" may only mean "not there yet".

docs/operations.md ("A read replica") says how to set one up.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import Http404, HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
STICKY_COOKIE = "civicdesk_primary_until"  # core/pagecache.py serves such a browser no kept copy either
# The apps whose rows the public pages show; everything else stays on the primary.
READ_APPS = frozenset(
    {"cases", "catalog", "tenants", "reports", "performance", "open311", "opendata", "places", "expected"}
)
SAFE_METHODS = frozenset({"GET", "HEAD"})

_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("reading_replica", default=False)


def reading_replica() -> bool:
    """Whether this request's reads of the case domain go to the replica now."""
    return _reading_replica.get()


class ReplicaRouter:
    """Sends reads of ``READ_APPS`` to the replica while a request allows it; all else primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if (
            _reading_replica.get()
            and model._meta.app_label in READ_APPS
            and not connections[PRIMARY].in_atomic_block  # a transaction reads its own writes
        ):
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


def _sticky(request: HttpRequest) -> bool:
    try:
        return float(request.COOKIES.get(STICKY_COOKIE, "0")) > time.time()
    except ValueError:
        return False


class ReplicaMiddleware:
    """Decides, per request, whether its reads may go to the replica (see the module's doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.namespaces = frozenset(getattr(settings, "REPLICA_READ_NAMESPACES", ()))
        self.sticky_seconds = int(getattr(settings, "REPLICA_STICKY_SECONDS", 15))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token: contextvars.Token[bool] | None = None
        request.replica_token = None  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            token = request.replica_token  # type: ignore[attr-defined]
            if token is not None:
                _reading_replica.reset(token)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            until = time.time() + self.sticky_seconds
            response.set_cookie(
                STICKY_COOKIE, f"{until:.0f}", max_age=self.sticky_seconds, httponly=True, samesite="Lax"
            )
        response["X-Read-From"] = getattr(request, "read_from", PRIMARY)
        return response

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> None:
        match = request.resolver_match
        namespace = match.namespaces[0] if match and match.namespaces else ""
        if request.method in SAFE_METHODS and namespace in self.namespaces and not _sticky(request):
            request.replica_token = _reading_replica.set(True)  # type: ignore[attr-defined]
            request.read_from = REPLICA  # type: ignore[attr-defined]

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Not found on the replica, or the replica unreachable: ask the primary."""
        if not _reading_replica.get() or not isinstance(exception, Http404 | DatabaseError):
            return None
        if isinstance(exception, DatabaseError):
            connections[REPLICA].close()  # a broken connection is not reused
        _reading_replica.set(False)
        request.read_from = PRIMARY  # type: ignore[attr-defined]
        match = request.resolver_match
        assert match is not None  # process_view ran, so the URL resolved
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        return response
