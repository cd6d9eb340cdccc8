"""A moment written on a city's clock, saying the clock when the reader's is another.

A case's dates are on its own city's clock (docs/console.md, "Dates on the case's city's
clock"). Staff of another member city read some of them: the city asked to take a case
reads when it was asked, the city that handed a case over reads its page. Their own clock may
differ (a member city on Mountain time, the reader's on Central): the date then says whose
clock it is, "Dec. 9, 2026 (Raytown time, MST)", so 11:30 p.m. there is not read as 11:30 p.m.
here. A reader on the same clock reads the date alone.

``{% on_clock moment city _("N j, Y") %}`` writes one moment; ``{% clock_note city %}`` is
the sentence a page of one city's dates opens with, for a reader on another clock.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from civicdesk.core import clock

register = template.Library()


def reader_zone(context: template.Context) -> dt.tzinfo:
    """The reader's clock: their city's, else (an account of no city, a resident) the site's."""
    user = context.get("user")
    city = getattr(user, "city", None) if getattr(user, "is_authenticated", False) else None
    return city.tz if city is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def clocks_differ(moment: dt.datetime, zone: dt.tzinfo, reader: dt.tzinfo) -> bool:
    """True when ``moment`` reads differently on the two clocks (zones of one offset, or of
    different names but the same time at that moment, read the same)."""
    return moment.astimezone(zone).utcoffset() != moment.astimezone(reader).utcoffset()


def zone_words(moment: dt.datetime, city: Any) -> str:
    """ "Raytown time, MST": whose clock, and its abbreviation at that moment."""
    return gettext("%(city)s time, %(zone)s") % {"city": city.name, "zone": moment.astimezone(city.tz).tzname()}


@register.simple_tag(takes_context=True)
def on_clock(context: template.Context, moment: dt.datetime | None, city: Any, fmt: str) -> str:
    """``moment`` in ``fmt`` on ``city``'s clock, followed by "(Raytown time, MST)" when the
    reader's clock reads it otherwise; "" for no moment."""
    if moment is None:
        return ""
    written = formats.date_format(moment.astimezone(city.tz), fmt)
    if not clocks_differ(moment, city.tz, reader_zone(context)):
        return written
    return gettext("%(when)s (%(zone)s)") % {"when": written, "zone": zone_words(moment, city)}


@register.simple_tag(takes_context=True)
def clock_note(context: template.Context, city: Any) -> SafeString | str:
    """For a reader on another clock than ``city``'s now, a paragraph saying the page's dates
    and times are ``city``'s; nothing for a reader on the same clock."""
    now = clock.now()
    if not clocks_differ(now, city.tz, reader_zone(context)):
        return ""
    return format_html(
        '<p class="muted clock-note">{}</p>',
        gettext("Dates and times here are on %(city)s's clock (%(zone)s).")
        % {"city": city.name, "zone": now.astimezone(city.tz).tzname()},
    )
