"""``{{ row.median_days|days_to_close }}``: a time to close as the operational report writes it;
``{{ comparison|change_in_time }}``: the change of a compared one."""

from __future__ import annotations

from django import template

from civicdesk.reports.operational import Comparison
from civicdesk.reports.operational import change_in_time as _change_in_time
from civicdesk.reports.operational import days_to_close as _days_to_close

register = template.Library()


@register.filter
def days_to_close(value: float | None) -> str:
    """A dash for none, hours with one decimal under a day ("4.2 hours"), else days ("2.5 days")."""
    return _days_to_close(value)


@register.filter
def change_in_time(comparison: Comparison) -> str:
    """The signed change of a compared time to close, written as ``days_to_close`` writes a
    time ("+1.5 hours"; no change "0.0 days" between times of days)."""
    return _change_in_time(comparison.delta, max(comparison.current or 0.0, comparison.previous or 0.0))
