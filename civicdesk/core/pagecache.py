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

Kept per process (memory, no query to read it) for ``PUBLIC_PAGE_CACHE_SECONDS`` (0 turns it
off), by path, query string, language and htmx request. A case closed a second ago shows within
those seconds; a resident's own tracking page, reached by a link of theirs, is never kept.

Open311's list of requests is kept the same way (its format is the path's suffix, never a
header): apps poll "the last 90 days" of a city, up to 1,000 requests an answer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import translation

# The hidden input of Django's {% csrf_token %}: the one part of a public page that is the visitor's.
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[A-Za-z0-9]+"')
_HOLE = b'name="csrfmiddlewaretoken" value="\x00csrf\x00"'
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage.cookie_name
JUST_WROTE_COOKIE = "civicdesk_primary_until"  # core/replica.py's STICKY_COOKIE

_pages = LocMemCache("civicdesk-public-pages", {"OPTIONS": {"MAX_ENTRIES": 2_000}})


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


def clear() -> None:
    """Forget every kept page (tests)."""
    _pages.clear()


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Keep ``view``'s answer to anonymous visitors for a few seconds (see the module)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        keep = seconds()
        if keep <= 0 or not is_anonymous_and_alike(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        kept = _pages.get(key)
        if kept is not None:
            status, content, headers = kept
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
            _pages.set(key, (response.status_code, content, list(response.items())), keep)
        return response

    return wrapped
