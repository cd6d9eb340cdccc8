"""Rate limits on public submissions and sign-in, and the sign-in lockout.

Counters live in a table of the database (``core.RateLimitCounter``), so every gunicorn
worker and every server behind a load balancer counts together. A counter is a fixed window:
``20/h`` allows 20 requests per caller in each window of an hour, counted from the caller's
first request. Each request is counted by one atomic statement that also returns the new
count, so under a burst of simultaneous requests exactly the limit passes, never more.

The rules are data (``settings.RATELIMITS``): which URL names and methods they cover, whom
they count (the caller's network address, or the Open311 ``api_key``), what they count (every
request, or only failed sign-ins) and the rate. The middleware applies them by URL name, so
the views themselves stay free of it.

Sign-in counts failures, never successes: a city hall whose staff all sign in from one
address at the start of a shift is never refused a correct password for it. Guessing is
held back twice: a username that fails ``LOGIN_FAILURE_LIMIT`` times from one address waits
``LOGIN_LOCKOUT_MINUTES``, and an address whose failures, over all usernames, reach the
``sign-in`` rule's rate waits until its window ends. Either wait holds even for the right
password, or a guesser would learn from the answer which guess was right.

Callers are counted by a keyed hash of their address or key, never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import RequestDataTooBig
from django.db import connections, router
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicdesk.core import georeport
from civicdesk.core.bad_request import request_too_big_message
from civicdesk.core.models import RateLimitCounter

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# URL names of the sign-in forms whose failures count towards the lockout.
SIGN_IN_VIEWS = frozenset({"console:login", "admin:login"})

# What a rule counts: every request it covers, or only failed sign-ins on its views.
COUNTS = frozenset({"requests", "failures"})


@dataclass(frozen=True)
class Rule:
    """One limit: ``limit`` requests per ``period`` seconds per caller, on these views."""

    name: str
    views: frozenset[str]
    methods: frozenset[str]
    key: str  # "ip" or "api_key"
    limit: int
    period: int
    counts: str = "requests"  # or "failures": refused once ``limit`` sign-ins failed in the window


def parse_rate(rate: str) -> tuple[int, int]:
    """``"20/h"`` → (20, 3600); ``"30/15m"`` → (30, 900). Raises ValueError otherwise."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"A rate is written like 20/h, 30/15m or 5/m, not {rate!r}")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNIT_SECONDS[unit]


def rules() -> list[Rule]:
    """The rules of ``settings.RATELIMITS``, parsed."""
    parsed = []
    for name, spec in getattr(settings, "RATELIMITS", {}).items():
        limit, period = parse_rate(spec["rate"])
        counts = spec.get("counts", "requests")
        if counts not in COUNTS:
            raise ValueError(f"RATELIMITS[{name!r}] counts requests or failures, not {counts!r}")
        parsed.append(
            Rule(
                name=name,
                views=frozenset(spec["views"]),
                methods=frozenset(m.upper() for m in spec.get("methods", ["POST"])),
                key=spec.get("key", "ip"),
                limit=limit,
                period=period,
                counts=counts,
            )
        )
    return parsed


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or, behind ``NUM_PROXIES`` trusted proxies, the
    address the outermost of them saw (the right-most entries of X-Forwarded-For are theirs;
    anything further left was written by the client and is not trusted)."""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def _hashed(*parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]


def _counter_key(scope: str, who: str) -> str:
    return f"{scope}:{who}"


# Roughly one new window in this many also deletes the counters whose window has ended, so
# the table holds about the callers of the current windows.
PURGE_ONE_IN = 50


# One statement, the same on SQLite and PostgreSQL (quoted names: "key" is a keyword of SQLite).
_COUNT_SQL = """
INSERT INTO "core_ratelimitcounter" ("key", "count", "window_end") VALUES {rows}
ON CONFLICT ("key") DO UPDATE SET
    "count" = CASE WHEN "core_ratelimitcounter"."window_end" <= %s
                   THEN 1 ELSE "core_ratelimitcounter"."count" + 1 END,
    "window_end" = CASE WHEN "core_ratelimitcounter"."window_end" <= %s
                        THEN excluded."window_end" ELSE "core_ratelimitcounter"."window_end" END
RETURNING "key", "count", "window_end"
"""


def _count(periods: dict[str, int], *, now: float) -> dict[str, tuple[int, float]]:
    """Add one to each key's counter (key → its period) in one statement; each key's new
    count and window end.

    ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite ≥ 3.35 and PostgreSQL): a new
    caller's row is inserted, an ended window restarts at 1, and otherwise the count goes up
    by one. Simultaneous statements on one key queue on its row, so each sees the others'
    additions; a read and a separate write (a cache's ``get`` then ``set``) would let two
    requests read the same count and both pass. A request's rules are counted together (one
    statement, not one per rule), their rows locked in the rules' order, the same in every
    request: two requests never wait on each other's rows in a circle.
    """
    using = router.db_for_write(RateLimitCounter)
    rows = ", ".join(["(%s, 1, %s)"] * len(periods))
    params: list[Any] = [value for key, period in periods.items() for value in (key, now + period)]
    with connections[using].cursor() as cursor:
        cursor.execute(_COUNT_SQL.format(rows=rows), [*params, now, now])
        counted = {key: (int(count), float(window_end)) for key, count, window_end in cursor.fetchall()}
    if any(count == 1 for count, _end in counted.values()) and random.randrange(PURGE_ONE_IN) == 0:
        RateLimitCounter.objects.using(using).filter(window_end__lte=now).delete()
    return counted


@dataclass(frozen=True)
class Hit:
    """One request counted under ``scope`` for ``who``, allowed ``limit`` in ``period`` seconds."""

    scope: str
    who: str
    limit: int
    period: int


def hits(counted: Sequence[Hit]) -> list[int | None]:
    """Count one request under each of ``counted`` (in one statement). For each, in order:
    None while within its limit, else the seconds until its window ends (the caller's
    Retry-After).

    Refused requests are counted too (the count may pass the limit); they never lengthen
    the window.
    """
    if not counted:
        return []
    now = time.time()
    keys = [_counter_key(each.scope, each.who) for each in counted]
    found = _count(dict(zip(keys, (each.period for each in counted), strict=True)), now=now)
    waits: list[int | None] = []
    for key, each in zip(keys, counted, strict=True):
        count, window_end = found[key]
        # A simultaneous request may have opened the window a moment after our ``now``.
        waits.append(None if count <= each.limit else min(each.period, max(1, math.ceil(window_end - now))))
    return waits


def hit(scope: str, who: str, *, limit: int, period: int) -> int | None:
    """``hits`` for one counter: None while within the limit, else the seconds to wait."""
    return hits([Hit(scope, who, limit, period)])[0]


def peek(scope: str, who: str) -> tuple[int, float]:
    """The current count and the end of its window (0 when there is none)."""
    counter = RateLimitCounter.objects.filter(key=_counter_key(scope, who)).values_list("count", "window_end").first()
    count, window_end = counter or (0, 0.0)
    return (count, window_end) if window_end > time.time() else (0, 0.0)


def forget(scope: str, who: str) -> None:
    """Drop ``who``'s counter under ``scope`` (a successful sign-in forgets earlier failures)."""
    RateLimitCounter.objects.filter(key=_counter_key(scope, who)).delete()


def _wait_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    if seconds < 90:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def too_many_requests(request: HttpRequest, message: str, retry_after: int) -> HttpResponse:
    """A 429 in the form the caller reads: Open311's error list (JSON or XML, by the path),
    JSON, or a page."""
    response: HttpResponse
    if georeport.is_open311(request):
        response = georeport.error_response(request, 429, [message])
    elif "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": message}, status=429)
    else:
        body = render_to_string("core/too_many_requests.html", {"message": message}, request=request)
        response = HttpResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# --- sign-in lockout -----------------------------------------------------------------------


def _login_who(username: str, ip: str) -> str:
    return _hashed("login", username.strip().lower(), ip)


def _wait_if_reached(scope: str, who: str, limit: int) -> int | None:
    """Seconds until the window of ``who``'s failures ends, once they reached ``limit``."""
    count, window_end = peek(scope, who)
    if count >= limit:
        return max(1, math.ceil(window_end - time.time()))
    return None


def login_locked_for(request: HttpRequest, username: str) -> int | None:
    """Seconds this username stays locked for this caller, or None when it may try."""
    return _wait_if_reached("login-failures", _login_who(username, client_ip(request)), settings.LOGIN_FAILURE_LIMIT)


def _failure_rules(request: HttpRequest) -> list[Rule]:
    """The rules counting failed sign-ins on the view ``request`` was resolved to."""
    match = request.resolver_match
    method = (request.method or "").upper()
    if match is None:
        return []
    return [
        rule
        for rule in rules()
        if rule.counts == "failures" and match.view_name in rule.views and method in rule.methods
    ]


def _address(request: HttpRequest) -> str:
    """The caller's address, as counters are keyed (hashed)."""
    return _hashed("ip", client_ip(request))


@receiver(user_login_failed)
def _count_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kw: Any
) -> None:
    # Unknown usernames count exactly like known ones: the lockout reveals nothing.
    if request is None or not getattr(settings, "RATELIMIT_ENABLED", True):
        return
    username = str(credentials.get("username", ""))
    # The username's failures from this address, and the address's over all usernames:
    # one statement.
    hits(
        [
            Hit(
                "login-failures",
                _login_who(username, client_ip(request)),
                settings.LOGIN_FAILURE_LIMIT,
                settings.LOGIN_LOCKOUT_MINUTES * 60,
            ),
            *(Hit(rule.name, _address(request), rule.limit, rule.period) for rule in _failure_rules(request)),
        ]
    )


@receiver(user_logged_in)
def _forget_failed_sign_ins(sender: Any, request: HttpRequest | None, user: Any, **kw: Any) -> None:
    if request is not None and getattr(settings, "RATELIMIT_ENABLED", True):
        forget("login-failures", _login_who(user.get_username(), client_ip(request)))


class RateLimitMiddleware:
    """Applies ``settings.RATELIMITS`` by URL name, and refuses sign-in attempts for a
    username that failed ``LOGIN_FAILURE_LIMIT`` times from this caller (for
    ``LOGIN_LOCKOUT_MINUTES``), and from an address whose failed sign-ins reached the rate
    of a rule counting failures. Off when ``RATELIMIT_ENABLED`` is false."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.rules = rules()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        if not getattr(settings, "RATELIMIT_ENABLED", True) or request.resolver_match is None:
            return None
        view_name = request.resolver_match.view_name
        method = (request.method or "").upper()
        if view_name in SIGN_IN_VIEWS and method == "POST":
            wait = login_locked_for(request, request.POST.get("username", ""))
            if wait is not None:
                message = _(
                    "Too many unsuccessful sign-in attempts for this username. For your security, it "
                    "cannot sign in from here for %(wait)s, even with the correct password. Please try "
                    "again then; if you have forgotten your password, ask your city administrator to "
                    "reset it."
                ) % {"wait": _wait_words(wait)}
                return too_many_requests(request, message, wait)
        counted: list[Hit] = []
        for rule in self.rules:
            if view_name not in rule.views or method not in rule.methods:
                continue
            if rule.counts == "failures":
                # Checked, not counted: only a failure counts (in ``_count_failed_sign_in``).
                wait = _wait_if_reached(rule.name, _address(request), rule.limit)
                if wait is not None:
                    message = _(
                        "Too many unsuccessful sign-in attempts from your network. For your security, "
                        "no one can sign in from it for %(wait)s, even with the correct password. "
                        "Please try again then."
                    ) % {"wait": _wait_words(wait)}
                    return too_many_requests(request, message, wait)
                continue
            if rule.key == "api_key":
                try:
                    raw = request.GET.get("api_key") or request.POST.get("api_key") or ""
                except RequestDataTooBig:
                    # Django would not read the body; the view could no longer read it
                    # either, and would answer with Django's page instead of the API's errors.
                    if georeport.is_open311(request):
                        return georeport.error_response(request, 400, [request_too_big_message()])
                    raise
                if not raw:
                    continue  # no key: the view refuses it anyway, and the per-address rule counts it
                who = _hashed("api_key", raw)
            else:
                who = _address(request)
            counted.append(Hit(rule.name, who, rule.limit, rule.period))
        # Every rule that applies counts the request (one statement); the first refusal answers.
        wait = next((wait for wait in hits(counted) if wait is not None), None)
        if wait is not None:
            message = _("You have sent too many requests in a short time. Please wait %(wait)s and try again.") % {
                "wait": _wait_words(wait)
            }
            return too_many_requests(request, message, wait)
        return None
