"""A service type's target, and when a case of it is due.

A type's target is ``target_days`` calendar days (the default) or, when the type's
department works office hours, ``target_days`` business days (``target_in_business_days``).
In calendar days a case is due that many days after it was opened, at the same time of day.
In business days it is due at closing time on the last of them: the business days are
counted from the day after the day it was opened (the day of the report never counts,
whatever the hour), on the city's clock and its business calendar (``core.business_days``:
its working weekdays and closing time, closed on the US federal holidays as observed and on
the other days the city names), the calendar its business-day dashboard measures count.
A Friday-evening (or Friday-morning) report of a 2-business-day type is due at closing
time on Tuesday; one on the Wednesday before Thanksgiving at closing time on the Monday after.

Every due date is computed here: a new case and a re-routed or re-typed one
(``cases.invariants.due_at``), a batch or history import (``cases.bulk.CityRules``), the
demo and the dashboard's "within their type's target time".
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import ngettext

from civicdesk.catalog.models import ServiceType
from civicdesk.core.business_days import BusinessCalendar
from civicdesk.tenants.selectors import business_calendar


def due_at(
    service_type: ServiceType, opened_at: dt.datetime, *, calendar: BusinessCalendar | None = None
) -> dt.datetime | None:
    """When a case of ``service_type`` opened at ``opened_at`` is due (None: no target).

    ``calendar``: the city's business calendar, when the caller has read it already (a batch
    reads it once); otherwise it is read only for a type that counts business days."""
    days = service_type.target_days
    if not days:
        return None
    if not service_type.target_in_business_days:
        return opened_at + dt.timedelta(days=days)
    if calendar is None:
        calendar = business_calendar(service_type.city)
    return calendar.end_of_business_days(opened_at, days).astimezone(dt.UTC)


def target_words(service_type: ServiceType | None) -> str:
    """The target as the city writes it, in the current language: "10 days", "3 business
    days"; "" for a type without one."""
    if service_type is None or not service_type.target_days:
        return ""
    n = service_type.target_days
    if service_type.target_in_business_days:
        return ngettext("%(n)s business day", "%(n)s business days", n) % {"n": n}
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}


def business_target_words(service_type: ServiceType | None, opened_at: dt.datetime, due: dt.datetime | None) -> str:
    """The words of "within 3 business days (by <date>)" for a case of ``service_type`` opened
    at ``opened_at`` and due at ``due``: the target in words when the type counts business
    days and ``due`` is what that target gives for the opening; "" otherwise, and then only
    "by <date>" is said. A case keeps the due date it was given: one opened under a 10-day
    target is still due 10 calendar days later when its type is switched to business days,
    and "within 10 business days" would not match its date."""
    if service_type is None or due is None or not service_type.target_in_business_days:
        return ""
    return target_words(service_type) if due == due_at(service_type, opened_at) else ""
