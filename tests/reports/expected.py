"""The report's figures recomputed the plain way: a loop over the cases in Python.

Written apart from the code under test, so the two agree only when both are right.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from fractions import Fraction

from civicdesk.cases.models import ServiceRequest


def in_range(cases: Iterable[ServiceRequest], *, date_from: dt.date, date_to: dt.date) -> list[ServiceRequest]:
    return [
        c for c in cases if date_from <= c.opened_at.astimezone(zoneinfo.ZoneInfo(c.city.timezone)).date() <= date_to
    ]


def problem(case: ServiceRequest) -> str:
    return "Confidential reports" if case.service_type.is_confidential else case.service_type.name


def ranked(counter: Counter[str], n: int) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def departments(cases: list[ServiceRequest]) -> dict[str, int]:
    return dict(Counter(c.department.name if c.department else "No department assigned" for c in cases))


def tenths(counts: dict[str, int]) -> dict[str, int]:
    """Hamilton's method on exact fractions: floor every quota, then hand the missing tenths to
    the largest remainders (ties: in the ranking's order: more requests first, then the
    name, the unassigned row last; rows are shown in another order, seed 004's)."""
    total = sum(counts.values())
    quotas = {k: Fraction(v * 1000, total) for k, v in counts.items()}
    shares = {k: int(q) for k, q in quotas.items()}
    missing = 1000 - sum(shares.values())
    by_remainder = sorted(
        counts, key=lambda k: (-(quotas[k] - shares[k]), k == "No department assigned", -counts[k], k)
    )
    for k in by_remainder[:missing]:
        shares[k] += 1
    return shares


def top_types(cases: list[ServiceRequest], n: int = 5) -> list[tuple[str, int]]:
    return ranked(Counter(problem(c) for c in cases), n)


def district_key(case: ServiceRequest) -> str:
    if case.district is None:
        return "No district assigned"
    if case.district.city_id != case.city_id:
        return "Others"
    return case.district.name


def districts(cases: list[ServiceRequest]) -> dict[str, tuple[int, list[tuple[str, int]]]]:
    grouped: dict[str, Counter[str]] = {}
    for c in cases:
        grouped.setdefault(district_key(c), Counter())[problem(c)] += 1
    return {k: (sum(v.values()), ranked(v, 3)) for k, v in grouped.items()}
