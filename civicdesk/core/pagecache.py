"""Public pages that are the same for every visitor, kept for a few seconds in each process.

After a storm hundreds of residents open the same city home and list of requests within a
minute; each copy costs the same queries and template. A page is kept only when nothing in it
can belong to one visitor:

- the request is a GET or HEAD with no session cookie and no flash messages (so no staff view
  and no signed-in person: they always get a fresh page), from an anonymous user;
- the answer is a 200 that sets no cookie of its own and is not streamed.

Every page carries a POST form (the language switcher, a case's "follow" form) and so a CSRF
token: the kept copy has a placeholder where the token was, and each visitor served it gets
their own token there (and the cookie that goes with it, added by the CSRF middleware).

Kept for ``PUBLIC_PAGE_CACHE_SECONDS`` (0 turns it off), by path, query string, language and
htmx request, in two places: in each process (memory, no query to read it) and in the shared
cache (the database's, one query), so that a page rendered by one web worker (or node) serves
the others too: each worker kept its own copy, and with five of them and five cities the
residents' pages were rendered afresh nearly as often as they were read. A copy read from the
shared cache is kept here only for what is left of its seconds, so no visitor ever gets a page
older than that. A case closed a second ago shows within those seconds; a resident's own
tracking page, reached by a link of theirs, is never kept. The shared cache out of reach (the
database down) is a page not found there: the page is rendered, or fails, as without it.

Django's database cache deletes expired rows only once it holds more than its ``MAX_ENTRIES``
(100,000): pages of tens of kB each, one per path and query string, would pile up until then.
Each process that writes a page deletes the cache's expired rows, at most once a minute
(``PRUNE_SECONDS``), so the table holds about the pages of the last minute.

Open311's list of requests is kept the same way (its format is the path's suffix, never a
header): apps poll "the last 90 days" of a city, up to 1,000 requests an answer.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connections, router
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import timezone, translation

# The hidden input of Django's {% csrf_token %}: the one part of a public page that is the visitor's.
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[A-Za-z0-9]+"')
_HOLE = b'name="csrfmiddlewaretoken" value="\x00csrf\x00"'
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage.cookie_name
JUST_WROTE_COOKIE = "civicdesk_primary_until"  # core/replica.py's STICKY_COOKIE

_pages = LocMemCache("civicdesk-public-pages", {"OPTIONS": {"MAX_ENTRIES": 2_000}})
_shared_written: set[str] = set()  # shared keys this process wrote (clear() forgets them, in tests)
log = logging.getLogger(__name__)

# A kept page: (status, content with the CSRF hole, headers, until: the wall-clock time it expires).
Kept = tuple[int, bytes, list[tuple[str, str]], float]
PRUNE_SECONDS = 60.0
_pruned_at = [0.0]  # monotonic time of this process's last pruning


def seconds() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 0) or 0)


def is_anonymous_and_alike(request: HttpRequest) -> bool:
    """Whether this request would get the page any other visitor gets."""
    if request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or request.COOKIES.get(MESSAGES_COOKIE):
        return False
    if request.COOKIES.get(JUST_WROTE_COOKIE):
        return False  # it has just sent something: it reads fresh pages (core/replica.py), never a kept copy
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _key(request: HttpRequest) -> str:
    htmx = request.headers.get("HX-Request", "")
    return f"{translation.get_language()}|{htmx}|{request.get_full_path()}"


def _shared_key(key: str) -> str:
    return "pagecache:" + hashlib.sha256(key.encode()).hexdigest()


def clear() -> None:
    """Forget every kept page, here and the copies this process put in the shared cache (tests)."""
    _pages.clear()
    if _shared_written:
        cache.delete_many(list(_shared_written))
        _shared_written.clear()


def _kept_copy(key: str) -> Kept | None:
    """This process's copy, else the shared cache's (then kept here for what is left of it)."""
    kept: Kept | None = _pages.get(key)
    if kept is not None:
        return kept
    try:
        kept = cache.get(_shared_key(key))
    except DatabaseError:
        log.debug("the shared page cache is out of reach", exc_info=True)
        return None
    if kept is None:
        return None
    left = kept[3] - time.time()
    if left <= 0:
        return None
    _pages.set(key, kept, left)
    return kept


def _keep(key: str, kept: Kept, seconds: int) -> None:
    _pages.set(key, kept, seconds)
    shared = _shared_key(key)
    try:
        cache.set(shared, kept, seconds)
    except DatabaseError:
        log.debug("the shared page cache is out of reach", exc_info=True)
        return
    if len(_shared_written) < 10_000:
        _shared_written.add(shared)
    _prune_expired()


def _prune_expired() -> None:
    """Delete the database cache's expired rows (see the module), at most once per
    ``PRUNE_SECONDS`` in this process. An expired row is never served: deleting it loses nothing."""
    now = time.monotonic()
    if now - _pruned_at[0] < PRUNE_SECONDS:
        return
    _pruned_at[0] = now
    backend = caches["default"]
    if not isinstance(backend, DatabaseCache):
        return  # another cache (Redis, memcached) expires its own keys
    connection = connections[router.db_for_write(backend.cache_model_class)]
    table = connection.ops.quote_name(backend.cache_model_class._meta.db_table)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE expires < %s",  # noqa: S608 (the cache's own table)
                [connection.ops.adapt_datetimefield_value(timezone.now())],
            )
    except DatabaseError:
        log.debug("the shared page cache is out of reach", exc_info=True)


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Keep ``view``'s answer to anonymous visitors for a few seconds (see the module)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        keep = seconds()
        if keep <= 0 or not is_anonymous_and_alike(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        kept = _kept_copy(key)
        if kept is not None:
            status, content, headers, _until = kept
            if _HOLE in content:
                token = get_token(request).encode()
                content = content.replace(_HOLE, b'name="csrfmiddlewaretoken" value="' + token + b'"')
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()  # a REST framework answer (Open311) is rendered by the handler otherwise
            content = _TOKEN.sub(_HOLE, response.content)
            _keep(key, (response.status_code, content, list(response.items()), time.time() + keep), keep)
        return response

    return wrapped
