"""When the database cannot be reached: a 503 with ``Retry-After``, in the caller's terms.

A database restart, a failover or a network cut makes every query raise
``OperationalError`` (or ``InterfaceError`` on a connection that was already broken).
Nothing can be saved or read then, and nothing was half-saved either: the transaction of
the request was never committed. The honest answer is "not now, try again shortly" — a
503 with ``Retry-After`` — never a 500 page or a traceback. Open311 applications get the
GeoReport v2 error document (JSON or XML, by the path's suffix), people get a page.

``server_error`` is the project's ``handler500``, so it catches the error wherever it was
raised: in a view, or in a middleware that reads the database before the view (sessions,
sign-in, rate-limit counters). The Open311 views answer it themselves, through their own
error handler, with the same message. Django opens a new connection on the next request,
so the service recovers by itself when the database is back.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from civicdesk.core import georeport

log = logging.getLogger("civicdesk.unavailable")

# Long enough for a restart of PostgreSQL; short enough that a client does not give up.
RETRY_AFTER_SECONDS = 30


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` means the database could not be reached (rather than a bug)."""
    return isinstance(exc, OperationalError | InterfaceError)


def message() -> str:
    """What the caller is told, in their words."""
    return _(
        "The service is briefly unavailable: our database cannot be reached right now. Please try again in a minute."
    )


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 for ``request``: Open311's error document (JSON, or XML for ``.xml`` paths),
    JSON for a client that asked for it, else a page."""
    text = message()
    response: HttpResponse
    if georeport.is_open311(request):
        response = georeport.error_response(request, 503, [text])
    elif "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": text}, status=503)
    else:
        # Rendered without the request: its context processors would read the session and
        # the signed-in user, that is, the database that is down.
        response = HttpResponse(render_to_string("core/unavailable.html", {"message": text}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _log(request: HttpRequest, exc: BaseException) -> None:
    log.warning("database unavailable, answered 503: %s %s: %s", request.method, request.path, exc)


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """``handler500``: the 503 when the error was the database being unreachable (raised in
    a middleware, before any view), Django's plain 500 otherwise."""
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        assert exc is not None
        _log(request, exc)
        return unavailable_response(request)
    return defaults.server_error(request, template_name)
