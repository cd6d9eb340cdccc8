"""The status rule: one pure function decides "Goal Met", "Under Goal", "Goal Not Met" or
"No data". docs/performance-dashboard.md states the same rule in words; the tests walk
every edge of it.

1. No value → "No data". A missing figure is never treated as zero.
2. No target → "No target" (the value is shown, but nothing can be met).
3. Met → "Goal Met". Higher-is-better: value ≥ target (value > target when the target is
   strict). Lower-is-better: value ≤ target (value < target when strict). So a boundary
   counts in the city's favour unless the target is strict.
4. Within the tolerance band on the unfavourable side → "Under Goal". The band's width is
   the tolerance (in the measure's unit, or a per cent of the target); its far edge is
   inside the band. A tolerance of 0 means there is no band.
5. Otherwise → "Goal Not Met".
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext, gettext_noop


class Status(StrEnum):
    MET = "met"
    UNDER = "under"
    NOT_MET = "not_met"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"

    @property
    def label(self) -> str:
        return gettext(LABELS[self])


LABELS = {
    Status.MET: gettext_noop("Goal Met"),
    Status.UNDER: gettext_noop("Under Goal"),
    Status.NOT_MET: gettext_noop("Goal Not Met"),
    Status.NO_DATA: gettext_noop("No data"),
    Status.NO_TARGET: gettext_noop("No target"),
}


def band_width(*, target: Decimal, tolerance: Decimal, tolerance_is_percent: bool) -> Decimal:
    """Width of the "Under Goal" band, in the measure's unit."""
    if tolerance_is_percent:
        return abs(target) * tolerance / Decimal(100)
    return tolerance


def status_of(
    value: Decimal | None,
    *,
    target: Decimal | None,
    higher_is_better: bool,
    strict: bool = False,
    tolerance: Decimal = Decimal(0),
    tolerance_is_percent: bool = False,
) -> Status:
    """The status of ``value`` against ``target`` (see the module docstring for the rule)."""
    if value is None:
        return Status.NO_DATA
    if target is None:
        return Status.NO_TARGET
    if tolerance < 0:
        raise ValueError("The tolerance cannot be negative.")
    if higher_is_better:
        met = value > target if strict else value >= target
    else:
        met = value < target if strict else value <= target
    if met:
        return Status.MET
    width = band_width(target=target, tolerance=tolerance, tolerance_is_percent=tolerance_is_percent)
    if width > 0:
        edge = target - width if higher_is_better else target + width
        within = value >= edge if higher_is_better else value <= edge
        if within:
            return Status.UNDER
    return Status.NOT_MET
