"""The console's lists a person last looked at, kept in their session for the rest of it.

A supervisor who filtered *My department* to "Pothole, open, Ward 2", opened a case and
assigned it, goes back to the list through "Cases" or the case page's "Back to …": the list
opens as they left it (queue, filters, search, sort, page or keyset cursor), not on their
role's default with the filters gone. The *Overdue*, *Likely late* and *Not placed* pages keep
their own place the same way (their page or cursor: each has one order and no filter), and the
case page's "Back to …" returns to whichever of the four was looked at last. The session is
the right place: it ends with the sign-in (a new one lands on the role's default,
docs/console.md), it is the server's (no cookie to forge, nothing to clean), and it needs no
table. Per city: an account moved to another city opens that city's default, never a list of
the other's districts.

A list asked for in the address (a bookmark, a tab, a filter applied, a page link) always wins,
and becomes the one kept.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict

SESSION_KEY = "console.lists"

# The lists kept, by their name in the session: the case list, then the pages of one order.
CASES = "cases"
OVERDUE = "overdue"
LIKELY_LATE = "likely_late"
NOT_PLACED = "not_placed"

# What makes each list: for the case list the filter form's fields (console/forms.py::FilterForm)
# and the place in it; for the others the place alone.
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
PARAMS = {
    CASES: LIST_PARAMS,
    OVERDUE: ("page", "cursor"),
    LIKELY_LATE: ("page",),
    NOT_PLACED: ("page", "cursor"),
}

# The session's entry of a city that says which list was looked at last.
LAST = "last"


def list_asked(query: QueryDict, *, name: str = CASES) -> bool:
    """Whether the address asks for a list of its own (any of its parameters, even empty)."""
    return any(param in query for param in PARAMS[name])


def list_query(query: QueryDict, *, queue: str = "", name: str = CASES) -> str:
    """The list's parameters of ``query`` that hold a value, as an address's query string;
    with ``queue``, the same filters, search and sort in that queue, at its first page (a
    queue's tab)."""
    kept = QueryDict(mutable=True)
    if queue:
        kept["queue"] = queue
    for param in PARAMS[name]:
        value = query.get(param, "").strip()
        if value and not (queue and param in ("queue", "page", "cursor")):
            kept[param] = value
    return kept.urlencode()


def _city_lists(request: HttpRequest, city_id: int) -> dict[str, str]:
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        return {}
    lists = kept.get(str(city_id))
    return dict(lists) if isinstance(lists, dict) else {}


def list_remember(request: HttpRequest, *, city_id: int, query: QueryDict | None, name: str = CASES) -> None:
    """Keep ``query`` (its list's parameters) as the place in list ``name`` of ``city_id``, and
    that list as the one looked at last; with ``query`` None, the list's place kept stays (its
    default shown, nothing kept). The session is written only when something changed: paging
    back and forth on one page writes nothing."""
    lists = _city_lists(request, city_id)
    wanted = dict(lists)
    wanted[LAST] = name
    if query is not None:
        wanted[name] = list_query(query, name=name)
    if wanted == lists:
        return
    kept = dict(request.session.get(SESSION_KEY) or {}) if isinstance(request.session.get(SESSION_KEY), dict) else {}
    kept[str(city_id)] = wanted
    request.session[SESSION_KEY] = kept


def list_recalled(request: HttpRequest, *, city_id: int, name: str = CASES) -> QueryDict | None:
    """The place in list ``name`` of ``city_id`` kept in this session, or None (a new sign-in,
    another city's list, or none seen yet)."""
    value = _city_lists(request, city_id).get(name)
    if not isinstance(value, str) or not value:
        return None
    return QueryDict(value)


def list_last(request: HttpRequest, *, city_id: int) -> str:
    """Which list of ``city_id`` was looked at last in this session: the case list if none."""
    name = _city_lists(request, city_id).get(LAST)
    return name if name in PARAMS else CASES


def list_forget(*, sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A sign-in starts from the role's default list (``user_logged_in``): the session of the
    same person signing in again keeps its data, and would otherwise keep the lists too."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)
