"""``{{ row.median_days|days_to_close }}``: a time to close as the operational report writes it;
``{{ comparison.delta|change_in_time }}``: a change of one."""

from __future__ import annotations

from django import template

from civicdesk.reports.operational import change_in_time as _change_in_time
from civicdesk.reports.operational import days_to_close as _days_to_close

register = template.Library()


@register.filter
def days_to_close(value: float | None) -> str:
    """A dash for none, hours with one decimal under a day ("4.2 hours"), else days ("2.5 days")."""
    return _days_to_close(value)


@register.filter
def change_in_time(value: float | None) -> str:
    """A signed change of a time to close, written as ``days_to_close`` writes a time ("+1.5 hours")."""
    return _change_in_time(value)
