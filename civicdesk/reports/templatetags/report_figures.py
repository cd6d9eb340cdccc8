"""``{{ row.median_days|days_to_close }}``: a time to close as the operational report writes it."""

from __future__ import annotations

from django import template

from civicdesk.reports.operational import days_to_close as _days_to_close

register = template.Library()


@register.filter
def days_to_close(value: float | None) -> str:
    """A dash for none, "under a day" for 0 whole days, else the days with one decimal."""
    return _days_to_close(value)
