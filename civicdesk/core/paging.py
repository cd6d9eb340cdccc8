"""Counts and pages of long lists that cost the same at a thousand cases and at a million.

A plain ``COUNT(*)`` of "all of my city" reads every case the city ever had, and a page deep in
an ``OFFSET`` reads every row before it. Lists here count no further than ``COUNT_CAP`` and
page no deeper than it: past that a list says "more than 10,000" and asks for a filter, which is
what a person looking for one case among ten thousand needs anyway.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet

COUNT_CAP = 10_000


def count_at_most(rows: QuerySet[Any], cap: int = COUNT_CAP) -> int:
    """How many rows ``rows`` holds, counting no further than ``cap + 1`` (so a caller can tell
    "exactly cap" from "more than cap"): ``SELECT COUNT(*) FROM (… LIMIT cap + 1)``."""
    return rows.order_by()[: cap + 1].count()


class CappedPaginator(Paginator):
    """A ``Paginator`` whose count stops at ``COUNT_CAP + 1`` rows; ``capped`` says it did.

    Pages past the cap are not offered (the last page is the one holding row ``COUNT_CAP``), so
    no page reads more than ``COUNT_CAP`` rows before its own."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        if isinstance(self.object_list, QuerySet):
            return count_at_most(self.object_list, self.cap)
        return len(self.object_list)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def cap_display(self) -> int:
        return self.cap
