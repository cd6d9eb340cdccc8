"""Counts and pages of long lists that cost the same at a thousand cases and at a million.

A plain ``COUNT(*)`` of "all of my city" reads every case the city ever had, and a page deep in
an ``OFFSET`` reads every row before it. Lists here count no further than ``COUNT_CAP`` and
page no deeper than it: past that a list says "more than 10,000" and asks for a filter, which is
what a person looking for one case among ten thousand needs anyway.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

COUNT_CAP = 10_000
# How long a list found longer than its cap is remembered as such. Counting to the cap reads
# COUNT_CAP + 1 index entries, the costliest query of a console page at a million cases, only
# to print "more than 10,000"; a list that long does not shrink under the cap within a minute,
# and if it did, the exact count shows a minute later.
CAPPED_MEMORY_SECONDS = 60
# A list of at most EXACT_UP_TO cases is counted on every visit: "Mine: 3" becomes 4 as soon as
# a case is assigned. A longer one (a department's open cases, a city's overdue) keeps its
# count for LONG_LIST_MEMORY_SECONDS: counting thousands of index entries was two thirds of
# the database's work for a console queue, and "1,204" seen for half a minute after it became
# 1,201 misleads no one. The list itself is always read fresh.
EXACT_UP_TO = 1_000
LONG_LIST_MEMORY_SECONDS = 30


def count_at_most(rows: QuerySet[Any], cap: int = COUNT_CAP) -> int:
    """How many rows ``rows`` holds, counting no further than ``cap + 1`` (so a caller can tell
    "exactly cap" from "more than cap"): ``SELECT COUNT(*) FROM (… LIMIT cap + 1)``."""
    return rows.order_by()[: cap + 1].count()


# A list's query as its count needs it: (database, SQL, parameters) of its ids, no order; None
# for a list that can hold nothing (none(), an empty "in"), which is counted without a query.
ListQuery = tuple[str, str, tuple[Any, ...]] | None


def list_query(rows: QuerySet[Any]) -> ListQuery:
    """``rows`` compiled for ``counts_of``: a caller that asks for the same list on every
    visit may keep this (civicdesk/cases/selectors.py keeps the console's queues)."""
    try:
        sql, params = rows.order_by().values_list("pk").query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:
        return None
    return (rows.db, sql, tuple(params))


def counts_at_most(lists: Mapping[str, QuerySet[Any]], cap: int = COUNT_CAP) -> dict[str, int]:
    """``count_at_most`` of each list by name (``counts_of`` their ``list_query``)."""
    return counts_of({name: list_query(rows) for name, rows in lists.items()}, cap)


def counts_of(lists: Mapping[str, ListQuery], cap: int = COUNT_CAP) -> dict[str, int]:
    """How many rows each list holds, counting no further than ``cap + 1``; a list found
    longer than ``cap`` in the last ``CAPPED_MEMORY_SECONDS``, or longer than ``EXACT_UP_TO`` in
    the last ``LONG_LIST_MEMORY_SECONDS``, is not counted again (one look-up in the shared cache
    for all).

    A list is known by its query (SQL and parameters), so "my queue" of one worker is never
    taken for another's, nor one city's for another's. The lists of one database are counted
    in one statement (the console's five queues: one round trip, not five)."""
    counts = {name: 0 for name, query in lists.items() if query is None}
    compiled = {name: query for name, query in lists.items() if query is not None}
    keys = {name: _capped_key(database, sql, params, cap) for name, (database, sql, params) in compiled.items()}
    remembering = CAPPED_MEMORY_SECONDS > 0 or LONG_LIST_MEMORY_SECONDS > 0
    known = cache.get_many(list(keys.values())) if keys and remembering else {}
    to_count: dict[str, list[str]] = {}  # database: names
    for name, (database, _sql, _params) in compiled.items():
        remembered = known.get(keys[name])
        if remembered is True:
            counts[name] = cap + 1  # longer than the cap
        elif isinstance(remembered, int) and not isinstance(remembered, bool):
            counts[name] = remembered  # a long list's count, at most LONG_LIST_MEMORY_SECONDS old
        else:
            to_count.setdefault(database, []).append(name)
    for database, names in to_count.items():
        selects, params = [], []
        for i, name in enumerate(names):
            _db, sql, list_params = compiled[name]
            selects.append(f"(SELECT COUNT(*) FROM ({sql} LIMIT %s) list{i})")  # noqa: S608 (Django's SQL)
            params += [*list_params, cap + 1]
        with connections[database].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects), params)
            row = cursor.fetchone()
        counts.update(zip(names, (int(n) for n in row), strict=True))
    counted = [name for names in to_count.values() for name in names]
    found_capped = {keys[name]: True for name in counted if counts[name] > cap}
    if found_capped and CAPPED_MEMORY_SECONDS > 0:
        cache.set_many(found_capped, CAPPED_MEMORY_SECONDS)
    found_long = {keys[name]: counts[name] for name in counted if EXACT_UP_TO < counts[name] <= cap}
    if found_long and LONG_LIST_MEMORY_SECONDS > 0:
        cache.set_many(found_long, LONG_LIST_MEMORY_SECONDS)
    return {name: counts[name] for name in lists}


_MOMENT = re.compile(r"^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d):\d\d(\.\d+)?")


def _to_the_minute(param: Any) -> Any:
    """A moment in a list's query is the clock's ("overdue": due before now): to the minute,
    the list is the same list for the minute, not a new one (and a new cache entry) per visit.
    PostgreSQL's parameters are datetimes; SQLite's, the text Django writes for them."""
    if isinstance(param, dt.datetime):
        return param.replace(second=0, microsecond=0)
    if isinstance(param, str):
        return _MOMENT.sub(r"\1", param)
    return param


def _capped_key(database: str, sql: str, params: Sequence[Any], cap: int) -> str:
    steady = tuple(_to_the_minute(p) for p in params)
    digest = hashlib.sha256(repr((database, sql, steady, cap)).encode()).hexdigest()
    return f"paging:capped:{digest}"


class CappedPaginator(Paginator):
    """A ``Paginator`` whose count stops at ``COUNT_CAP + 1`` rows; ``capped`` says it did.

    Pages past the cap are not offered (the last page is the one holding row ``COUNT_CAP``), so
    no page reads more than ``COUNT_CAP`` rows before its own."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        if isinstance(self.object_list, QuerySet):
            return counts_at_most({"list": self.object_list}, self.cap)["list"]
        return len(self.object_list)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def cap_display(self) -> int:
        return self.cap


# --- keyset pages ------------------------------------------------------------------------------
#
# A page by its number is an ``OFFSET``: page 400 reads the 9,975 rows before it, and a case
# opened while someone reads page 3 pushes every later page down by one (a row seen twice, or
# never). A keyset page starts after the last row shown instead: "Older" carries that row's sort
# key and id, and the next page is the rows that sort after it, read from the index of that
# order, whatever the depth. Rows written meanwhile land before or after it, never in between.


def _plain(value: Any) -> str:
    """A sort key's value as text its field reads back whole (Django's JSON encoder cuts a time
    to milliseconds, and the next page would then start at the wrong row)."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)  # Decimal, UUID


class BadCursor(ValueError):
    """A cursor this list cannot use: mangled, or made for another order of the list."""


@dataclass
class KeysetPage:
    """One page of a keyset list: its rows, and the cursors of the pages either side."""

    rows: list[Any]
    newer: str = ""  # cursor of the page before (nearer the top of the list), "" on the first
    older: str = ""  # cursor of the page after, "" on the last
    problem: str = ""  # why the cursor asked for was not used (the first page is shown instead)
    labels: tuple[str, str] = ("", "")  # what the links to the pages before and after say

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def object_list(self) -> list[Any]:
        return self.rows

    @property
    def has_other_pages(self) -> bool:
        return bool(self.newer or self.older)


def page_by_cursor(
    token: str | None,
    per_page: int,
    *,
    decode: Callable[[str], tuple[bool, Any]],
    forward: Callable[[Any, int], list[Any]],
    backward: Callable[[Any, int], list[Any]],
    cursor: Callable[..., str],
    first: Callable[[str], KeysetPage],
) -> KeysetPage:
    """The page of a keyset list that ``token`` asks for: ``decode`` reads it as (after, key)
    or raises ``BadCursor``; ``forward``/``backward`` give up to a number of rows after/before a
    key, the nearest to it first; ``cursor(row, after=…)`` makes a token; ``first(problem)`` is
    the list's first page, given for no token, for one the list cannot use (saying why), and
    when going back reaches the top (with what was added since)."""
    n = per_page
    problem = ""
    if token:
        try:
            after, key = decode(token)
        except BadCursor:
            problem = _(
                "That link to a page of this list no longer works (the list's order changed, or the link "
                "was cut short). Here is the first page."
            )
        else:
            if after:
                rows = forward(key, n + 1)
                page = KeysetPage(rows=rows[:n])
                if page.rows:
                    page.newer = cursor(page.rows[0], after=False)
                if len(rows) > n:
                    page.older = cursor(page.rows[-1], after=True)
                return page
            rows = backward(key, n + 1)
            if len(rows) > n:
                shown = list(reversed(rows[:n]))
                return KeysetPage(rows=shown, newer=cursor(shown[0], after=False), older=cursor(shown[-1], after=True))
    return first(problem)


class KeysetPaginator:
    """Pages of ``rows`` in the order of ``fields`` (all ascending, or all descending), each page
    read from where the previous one ended, never by an offset.

    ``fields`` ends with the primary key so that every row has its own place (rows with the same
    date or status keep one order between two visits). Only the first field may be null: its
    null rows come last, in either direction, read by a query of their own when the rows with a
    value run out (an ``OR … IS NULL`` would keep the database from reading the index as a range).
    For the console, each order has an index whose columns start with the first field.
    """

    def __init__(self, rows: QuerySet[Any], per_page: int, *, fields: Sequence[str], descending: bool) -> None:
        if not fields or fields[-1] != "pk":
            raise ValueError("a keyset order ends with the primary key")
        self.rows = rows
        self.per_page = per_page
        self.fields = list(fields)
        self.descending = descending
        model = rows.model
        self._model_fields = [model._meta.pk if f == "pk" else model._meta.get_field(f) for f in self.fields]
        self.nullable = bool(getattr(self._model_fields[0], "null", False))
        sign = "-" if descending else ""
        self.signature = ",".join(sign + f for f in self.fields)

    # -- cursors --

    def _key(self, row: Any) -> list[Any]:
        return [
            getattr(row, "pk" if f == "pk" else field.attname)
            for f, field in zip(self.fields, self._model_fields, strict=True)
        ]

    def cursor(self, row: Any, *, after: bool) -> str:
        """The token of "the rows after ``row``" (``after``) or "the rows before it"."""
        payload = {"o": self.signature, "d": "a" if after else "b", "k": self._key(row)}
        raw = json.dumps(payload, default=_plain, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str) -> tuple[bool, list[Any]]:
        """(after, key) of a cursor; ``BadCursor`` for one that is not this list's."""
        try:
            raw = base64.urlsafe_b64decode(token.strip() + "=" * (-len(token.strip()) % 4))
            payload = json.loads(raw)
            if (
                not isinstance(payload, dict)
                or payload.get("o") != self.signature
                or payload.get("d") not in ("a", "b")
            ):
                raise BadCursor(token)
            values = payload["k"]
            if not isinstance(values, list) or len(values) != len(self.fields):
                raise BadCursor(token)
            key = [
                None if (v is None and i == 0 and self.nullable) else field.to_python(v)
                for i, (v, field) in enumerate(zip(values, self._model_fields, strict=True))
            ]
            if any(v is None for v in key[1:]):
                raise BadCursor(token)
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, ValidationError) as exc:
            raise BadCursor(token) from exc
        return payload["d"] == "a", key

    # -- queries --

    def _order(self, fields: Sequence[str], *, reverse: bool) -> list[str]:
        down = self.descending != reverse
        return [f"-{f}" if down else f for f in fields]

    def _beyond(self, fields: Sequence[str], values: Sequence[Any], *, reverse: bool) -> Q:
        """Rows strictly past ``values`` in the order of ``fields`` (the other way if ``reverse``):
        a bound on the first field that an index reads as a range, and the lexicographic rest."""
        down = self.descending != reverse
        strict, loose = ("lt", "lte") if down else ("gt", "gte")
        condition = Q(**{f"{fields[-1]}__{strict}": values[-1]})
        for field, value in zip(reversed(fields[:-1]), reversed(values[:-1]), strict=True):
            condition = Q(**{f"{field}__{strict}": value}) | (Q(**{field: value}) & condition)
        return Q(**{f"{fields[0]}__{loose}": values[0]}) & condition

    def _fetch(self, query: QuerySet[Any], limit: int) -> list[Any]:
        return list(query[:limit]) if limit > 0 else []

    def _forward(self, key: list[Any] | None, limit: int) -> list[Any]:
        """Up to ``limit`` rows after ``key`` (from the top when None), in the list's order."""
        first = self.fields[0]
        if key is not None and key[0] is None:  # already among the rows with no value
            ties = self.fields[1:]
            return self._fetch(
                self.rows.filter(Q(**{f"{first}__isnull": True}) & self._beyond(ties, key[1:], reverse=False)).order_by(
                    *self._order(ties, reverse=False)
                ),
                limit,
            )
        valued = self.rows.filter(**{f"{first}__isnull": False}) if self.nullable else self.rows
        if key is not None:
            valued = valued.filter(self._beyond(self.fields, key, reverse=False))
        found = self._fetch(valued.order_by(*self._order(self.fields, reverse=False)), limit)
        if self.nullable and len(found) < limit:
            nulls = self.rows.filter(**{f"{first}__isnull": True}).order_by(
                *self._order(self.fields[1:], reverse=False)
            )
            found += self._fetch(nulls, limit - len(found))
        return found

    def _backward(self, key: list[Any], limit: int) -> list[Any]:
        """Up to ``limit`` rows before ``key``, nearest first."""
        first = self.fields[0]
        found: list[Any] = []
        if key[0] is None:
            ties = self.fields[1:]
            nulls = self.rows.filter(Q(**{f"{first}__isnull": True}) & self._beyond(ties, key[1:], reverse=True))
            found = self._fetch(nulls.order_by(*self._order(ties, reverse=True)), limit)
            if len(found) < limit:
                valued = self.rows.filter(**{f"{first}__isnull": False})
                found += self._fetch(valued.order_by(*self._order(self.fields, reverse=True)), limit - len(found))
            return found
        valued = self.rows.filter(**{f"{first}__isnull": False}) if self.nullable else self.rows
        valued = valued.filter(self._beyond(self.fields, key, reverse=True))
        return self._fetch(valued.order_by(*self._order(self.fields, reverse=True)), limit)

    def page(self, token: str | None) -> KeysetPage:
        """The page a cursor asks for; the first page, saying why, for one it cannot use."""
        return page_by_cursor(
            token,
            self.per_page,
            decode=self.decode,
            forward=self._forward,
            backward=self._backward,
            cursor=self.cursor,
            first=self._first,
        )

    def _first(self, problem: str) -> KeysetPage:
        """The list's first page (``problem``: why a cursor asked for was not used)."""
        n = self.per_page
        rows = self._forward(None, n + 1)
        page = KeysetPage(rows=rows[:n], problem=problem)
        if len(rows) > n:
            page.older = self.cursor(page.rows[-1], after=True)
        return page
