"""The cases behind a computed figure, as the drill-down page lists them: three groups (met,
missed, not decided yet), each read one page at a time.

Every definition marks its cases in the database (``services.measure_listing``): the groups
are counted in one aggregate and only the cases of the pages shown are read, each written by
the definition as ``compute`` writes it; the figure is the definition's ``figure``. A
definition without a ``listing`` (none today) would be worked out by ``compute`` and the same
pages cut from its list. Where every case is in the figure whatever its mark (a median, a
count: the regional comparison lists them so), the cases are one group, "counted". Cases of
confidential types are counted, never listed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from civicdesk.core import clock
from civicdesk.performance import periods
from civicdesk.performance.measures import DEFINITIONS
from civicdesk.performance.measures.base import MET, MISSED, CaseResult, Listing, tally_of
from civicdesk.performance.models import Measure
from civicdesk.performance.services import measure_compute, measure_listing

CASES_PER_PAGE = 100
GROUPS = ("met", "missed", "pending")
COUNTED = "counted"  # every case of the figure in one group, whatever its mark


class CasePage(list[Any]):
    """One page of a group: its rows (a list), the group's total and where the page is."""

    def __init__(self, rows: Iterable[Any], *, total: int, number: int, size: int) -> None:
        super().__init__(rows)
        self.total, self.number, self.size = total, number, size
        self.previous_url = self.next_url = ""

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first(self) -> int:
        """The place of the page's first case in its group (from 1; 0 when it has none)."""
        return (self.number - 1) * self.size + 1 if self else 0

    @property
    def last(self) -> int:
        return self.first + len(self) - 1 if self else 0

    def with_rows(self, rows: Iterable[Any]) -> CasePage:
        return CasePage(rows, total=self.total, number=self.number, size=self.size)


@dataclass
class DrillDown:
    value: Decimal | None
    decided: int
    withheld: int
    met_label: str
    missed_label: str
    groups: dict[str, CasePage]
    from_the_database: bool


def page_number(raw: str | None) -> int:
    """A page number from the address (1 when not given). Raises ValueError on anything
    but a whole number from 1."""
    raw = (raw or "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(raw)
    return int(raw)


def _number_in(number: int, total: int, size: int) -> int:
    """A page past the last reads as the last (a list that shrank since its link was made)."""
    return min(number, max(1, math.ceil(total / size)))


def drill_down(
    measure: Measure,
    period: periods.Period,
    pages: Mapping[str, int],
    *,
    size: int | None = None,
    now: dt.datetime | None = None,
    counted_together: bool = False,
) -> DrillDown:
    """The figure, its counts and the page ``pages[group]`` (default 1) of each group, of
    ``size`` cases (default ``CASES_PER_PAGE``). ``counted_together``: one group, ``COUNTED``,
    of every case listed, in the list's order, instead of met, missed and not decided yet."""
    now = now or clock.now()
    size = size or CASES_PER_PAGE
    listing = measure_listing(measure=measure, period=period, now=now)
    if listing is None:
        return _from_every_case(measure, period, pages, size, now, counted_together)
    return _from_the_database(measure, period, listing, pages, size, now, counted_together)


def _from_the_database(
    measure: Measure,
    period: periods.Period,
    listing: Listing,
    pages: Mapping[str, int],
    size: int,
    now: dt.datetime,
    counted_together: bool,
) -> DrillDown:
    counted = listing.cases.values("outcome", confidential=F("service_type__is_confidential"))  # type: ignore[misc]
    met, missed, pending, withheld, decided = tally_of(
        counted,
        "COUNT(CASE WHEN outcome = %s AND NOT confidential THEN 1 END),"
        " COUNT(CASE WHEN outcome = %s AND NOT confidential THEN 1 END),"
        " COUNT(CASE WHEN outcome IS NULL AND NOT confidential THEN 1 END),"
        " COUNT(CASE WHEN confidential THEN 1 END),"
        " COUNT(outcome)",
        (MET, MISSED),
    )
    shown = listing.cases.exclude(service_type__is_confidential=True)
    filters: dict[str, dict[str, Any]] = {
        "met": {"outcome": MET},
        "missed": {"outcome": MISSED},
        "pending": {"outcome__isnull": True},
        COUNTED: {},
    }
    totals = (
        {COUNTED: met + missed + pending}
        if counted_together
        else dict(zip(GROUPS, (met, missed, pending), strict=True))
    )
    groups = {}
    for key, total in totals.items():
        number = _number_in(pages.get(key, 1), total, size)
        start = (number - 1) * size
        rows = [listing.result(case) for case in shown.filter(**filters[key])[start : start + size]] if total else []
        groups[key] = CasePage(rows, total=total, number=number, size=size)
    tally = DEFINITIONS[measure.computation].figure(measure=measure, period=period, now=now)
    return DrillDown(
        tally.value, decided, withheld, listing.met_label, listing.missed_label, groups, from_the_database=True
    )


def _from_every_case(
    measure: Measure,
    period: periods.Period,
    pages: Mapping[str, int],
    size: int,
    now: dt.datetime,
    counted_together: bool,
) -> DrillDown:
    result = measure_compute(measure=measure, period=period, now=now)
    shown = [r for r in result.results if not r.case.service_type.is_confidential]
    by_group: dict[str, list[CaseResult]] = {
        "met": [r for r in shown if r.met is True],
        "missed": [r for r in shown if r.met is False],
        "pending": [r for r in shown if r.met is None],
    }
    if counted_together:
        by_group = {COUNTED: shown}
    groups = {}
    for key, items in by_group.items():
        number = _number_in(pages.get(key, 1), len(items), size)
        start = (number - 1) * size
        groups[key] = CasePage(items[start : start + size], total=len(items), number=number, size=size)
    return DrillDown(
        result.value,
        result.decided,
        len(result.results) - len(shown),
        result.met_label,
        result.missed_label,
        groups,
        from_the_database=False,
    )


def counted(drill: DrillDown) -> int:
    """Every case of the figure, listed or withheld (a median's, a count's)."""
    return sum(page.total for page in drill.groups.values()) + drill.withheld


def group_labels(drill: DrillDown) -> dict[str, str]:
    return {
        "met": drill.met_label or _("Met"),
        "missed": drill.missed_label or _("Missed"),
        "pending": _("Not decided yet"),
        COUNTED: _("Counted"),
    }
