"""Expected closing dates in plain words, for the tracking page, the acknowledgement email and
the console (``{% load expected_words %}``). Dates are the city's local dates, whatever the
server's time zone; the words are the request's (or the email's) language."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from django import template
from django.utils import formats
from django.utils.translation import gettext, ngettext

from civicdesk.catalog.targets import business_target_words
from civicdesk.expected.selectors import Expectation, Factor

if TYPE_CHECKING:
    from civicdesk.cases.models import ServiceRequest
    from civicdesk.tenants.models import City

register = template.Library()


def local_day(moment: dt.datetime, city: City, *, with_year: bool = False) -> str:
    """The day in the city, in the current language: "Friday, December 11" (with the year,
    "Friday, December 11, 2026", as the acknowledgement always gave the target)."""
    if with_year:
        return formats.date_format(moment.astimezone(city.tz).date(), gettext("l, F j, Y"))
    # Translators: a date in a sentence, e.g. "Friday, December 11" (Django's date format).
    return formats.date_format(moment.astimezone(city.tz).date(), gettext("l, F j"))


def usual_days(expectation: Expectation, case: ServiceRequest) -> int:
    """Whole days from the report to the median date, at least 1: "usually within 6 days"."""
    assert expectation.median_at is not None
    return max(1, math.ceil((expectation.median_at - case.opened_at).total_seconds() / 86400))


@register.simple_tag
def expected_sentence(expectation: Expectation | None, case: ServiceRequest) -> str:
    """What a resident is told of when their report will be dealt with, in one sentence:
    from the city's model, "Usually within 6 days; 8 in 10 are closed by Friday, December 11.";
    on a fallback, the type's target and why there is no estimate; "" when there is neither
    (a type with no target and no estimate: nothing honest to say)."""
    if expectation is None:
        return ""
    if not expectation.is_fallback and expectation.median_at is not None and expectation.p80_at is not None:
        days = usual_days(expectation, case)
        return ngettext(
            "Usually within %(days)s day; 8 in 10 are closed by %(date)s.",
            "Usually within %(days)s days; 8 in 10 are closed by %(date)s.",
            days,
        ) % {"days": days, "date": local_day(expectation.p80_at, case.city)}
    if expectation.due_at is not None:
        date = local_day(expectation.due_at, case.city, with_year=True)
        # A target in business days is said as the city writes it, with the day it ends on,
        # when that day is the case's own (not one set under the type's earlier target).
        target = business_target_words(case.service_type, case.opened_at, expectation.due_at)
        if target:
            return gettext(
                "We aim to deal with it within %(target)s (by %(date)s), the target for this type "
                "(not enough history yet to estimate)."
            ) % {"target": target, "date": date}
        return gettext(
            "We aim to deal with it by %(date)s, the target for this type (not enough history yet to estimate)."
        ) % {"date": date}
    return ""


@register.filter
def local_date(moment: dt.datetime | None, city: City) -> str:
    """``{{ moment|local_date:city }}``: "Friday, December 11", the city's day."""
    return local_day(moment, city) if moment is not None else ""


@register.filter
def local_short_date(moment: dt.datetime | None, city: City) -> str:
    """``{{ moment|local_short_date:city }}``: "Dec. 11, 2026", the city's day (for tables)."""
    if moment is None:
        return ""
    return formats.date_format(moment.astimezone(city.tz).date(), gettext("N j, Y"))


@register.filter
def percent(probability: float | None) -> str:
    """0.634 -> "63%"."""
    return "" if probability is None else f"{round(probability * 100):d}%"


def _backlog_words(ratio: float) -> str:
    if 1.8 <= ratio < 2.25:
        return gettext("twice the usual")
    if 2.75 <= ratio < 3.25:
        return gettext("three times the usual")
    if ratio >= 1.0:
        # "20 times", "1.4 times": a decimal only where it says something.
        n = formats.number_format(round(ratio), 0) if ratio >= 10 else formats.number_format(round(ratio, 1), 1)
        return gettext("%(n)s times the usual") % {"n": n}
    if 0.4 <= ratio < 0.6:
        return gettext("half the usual")
    return gettext("%(pct)s of the usual") % {"pct": percent(ratio)}


@register.filter
def factor_sentence(factor: Factor) -> str:
    """One thing that moved a case's expected date, for staff: "Backlog in Streets is twice
    the usual: about 40% longer"."""
    if factor.feature == "backlog":
        what = gettext("Backlog in %(department)s is %(ratio)s") % {
            "department": factor.label or gettext("triage"),
            "ratio": _backlog_words(factor.backlog_ratio or 1.0),
        }
    elif factor.feature == "month":
        month = int(factor.label) if str(factor.label).isdigit() and 1 <= int(factor.label) <= 12 else 1
        # The month's name in the current language (Django's own translations).
        what = gettext("Opened in %(month)s") % {"month": formats.date_format(dt.date(2024, month, 1), "F")}
    elif factor.feature == "weekday":
        day = int(factor.label) if str(factor.label).isdigit() else 0
        # 2024-01-01 was a Monday: its weekday's name in the current language.
        name = formats.date_format(dt.date(2024, 1, 1) + dt.timedelta(days=day), "l")
        what = gettext("Opened on a %(weekday)s") % {"weekday": name}
    elif factor.feature == "department":
        what = gettext("Worked by %(department)s") % {"department": factor.label or gettext("triage")}
    elif factor.feature == "district":
        what = gettext("In %(district)s") % {"district": factor.label}
    elif factor.feature == "channel":
        what = gettext("Reported by %(channel)s") % {"channel": factor.label}
    else:
        what = str(factor.label)
    change = round(abs(factor.effect - 1.0) * 100)
    if factor.effect >= 1.95:
        how = gettext("usually slower (about %(n)s times as long)") % {
            "n": formats.number_format(round(factor.effect, 1), 1)
        }
    elif factor.effect >= 1.0:
        how = gettext("usually slower (about %(pct)s%% longer)") % {"pct": change}
    else:
        how = gettext("usually faster (about %(pct)s%% shorter)") % {"pct": change}
    return f"{what}, {how}"
