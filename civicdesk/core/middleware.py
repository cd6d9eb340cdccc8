"""Request id, access log and the security headers Django does not set itself.

``RequestIdMiddleware`` comes first in ``MIDDLEWARE``: it names every request (the caller's
``X-Request-ID`` if it is a sensible token, else a new one), returns the id in the response,
writes one access-log line with the status and duration, and says that duration in a
``Server-Timing`` header (``app;dur=12.3``, milliseconds: a browser's developer tools show it
beside the network time, and the load test reads the server's time from it, not the client's).
``SecurityHeadersMiddleware``
adds the Content-Security-Policy and Permissions-Policy (docs/security.md explains each).
``CsrfCookieKeptMiddleware`` stops a response from sending back the CSRF cookie the request
came with, so a request begun before a sign-in cannot put back the cookie the sign-in replaced.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from civicdesk.core.logs import request_id_var

access_log = logging.getLogger("civicdesk.request")

# A caller's id is kept only if it cannot forge log lines or headers: no spaces, no newlines.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


class RequestIdMiddleware:
    """Gives each request an id (``request.request_id``, the ``X-Request-ID`` response header,
    every log line written meanwhile), logs method, path, status and duration, and returns
    the duration as ``Server-Timing`` (``SERVER_TIMING``, on unless turned off)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response["X-Request-ID"] = request_id
            if getattr(settings, "SERVER_TIMING", True):
                response["Server-Timing"] = f"app;dur={duration_ms}"
            if getattr(settings, "LOG_REQUESTS", False):
                access_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": duration_ms,
                    },
                )
            return response
        finally:
            request_id_var.reset(token)


def _tiles_source(url_template: str) -> str | None:
    """The CSP source of a Leaflet tile URL template: scheme and host, ``{s}`` as a wildcard."""
    if not url_template:
        return None
    parts = urlsplit(url_template.replace("{s}", "*"))
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy() -> str:
    """The policy every response carries: only this site's own scripts and styles, no
    inline script or style, images from here (and the tile server when one is set), and
    no framing by anyone."""
    img = ["'self'", "data:"]
    tiles = _tiles_source(getattr(settings, "MAP_TILES_URL", ""))
    if tiles:
        img.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": img,
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    report_uri = getattr(settings, "CSP_REPORT_URI", "")
    if report_uri:
        directives["report-uri"] = [report_uri]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeadersMiddleware:
    """Content-Security-Policy (or its report-only form, ``CSP_REPORT_ONLY``) and
    Permissions-Policy on every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp_header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )
        self.csp = content_security_policy()
        self.permissions_policy = getattr(settings, "PERMISSIONS_POLICY", "")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.csp and self.csp_header not in response:
            response[self.csp_header] = self.csp
        if self.permissions_policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions_policy
        return response


class CsrfCookieKeptMiddleware:
    """Sends the CSRF cookie only when it is new or was rotated (at sign-in), not again on
    every page that shows a form.

    Django sends the cookie back on every response that renders a token, to renew its expiry.
    A response to a request sent before a sign-in (the browser's favicon, the service worker
    keeping the home and report pages, a second tab) then arrives after the sign-in's
    redirect and puts the old cookie back: the next form the staff member sends, rendered
    with the new one, is refused as a forgery. Listed after ``CsrfViewMiddleware``, so this
    runs before it on the way out. The cost is that the cookie's year (``CSRF_COOKIE_AGE``)
    counts from when it was set, not from the last visit; a visitor whose cookie has expired
    gets a new one with the next page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CSRF_USE_SESSIONS or not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return response
        came_with = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        if came_with is not None and came_with == request.META.get("CSRF_COOKIE"):
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        return response
