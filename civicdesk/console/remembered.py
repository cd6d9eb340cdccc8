"""The case list a person last looked at, kept in their session for the rest of it.

A supervisor who filtered *My department* to "Pothole, open, Ward 2", opened a case and
assigned it, goes back to the list through "Cases" or the case page's "Back to …": the list
opens as they left it (queue, filters, search, sort, page or keyset cursor), not on their
role's default with the filters gone. The session is the right place: it ends with the
sign-in (a new one lands on the role's default, docs/console.md), it is the server's (no
cookie to forge, nothing to clean), and it needs no table. One list per city: an account
moved to another city opens that city's default, never a list of the other's districts.

A list asked for in the address (a bookmark, a tab, a filter applied) always wins, and
becomes the one kept.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict

SESSION_KEY = "console.case_list"

# What makes a list: the filter form's fields (console/forms.py::FilterForm) and the place in it.
LIST_PARAMS = (
    "queue",
    "q",
    "service_type",
    "status",
    "district",
    "channel",
    "opened_from",
    "opened_to",
    "sort",
    "page",
    "cursor",
)


def list_asked(query: QueryDict) -> bool:
    """Whether the address asks for a list of its own (any of its parameters, even empty)."""
    return any(name in query for name in LIST_PARAMS)


def list_query(query: QueryDict, *, queue: str = "") -> str:
    """The list's parameters of ``query`` that hold a value, as an address's query string;
    with ``queue``, the same filters, search and sort in that queue, at its first page (a
    queue's tab)."""
    kept = QueryDict(mutable=True)
    if queue:
        kept["queue"] = queue
    for name in LIST_PARAMS:
        value = query.get(name, "").strip()
        if value and not (queue and name in ("queue", "page", "cursor")):
            kept[name] = value
    return kept.urlencode()


def list_remember(request: HttpRequest, *, city_id: int, query: QueryDict) -> None:
    """Keep ``query`` (its list's parameters) as the last list seen of ``city_id``. The session
    is written only when the list changed: paging back and forth on one page writes nothing."""
    kept = dict(request.session.get(SESSION_KEY) or {})
    value = list_query(query)
    if kept.get(str(city_id)) == value:
        return
    kept[str(city_id)] = value
    request.session[SESSION_KEY] = kept


def list_recalled(request: HttpRequest, *, city_id: int) -> QueryDict | None:
    """The last list seen of ``city_id`` in this session, or None (a new sign-in, another
    city's list, or none seen yet)."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        return None
    value = kept.get(str(city_id))
    if not isinstance(value, str) or not value:
        return None
    return QueryDict(value)


def list_forget(*, sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A sign-in starts from the role's default list (``user_logged_in``): the session of the
    same person signing in again keeps its data, and would otherwise keep the list too."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)
