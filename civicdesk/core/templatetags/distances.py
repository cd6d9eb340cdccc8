"""Distances as residents and staff in Missouri read them: feet, then miles.

``{{ metres|feet_or_miles }}``: "120 ft" under 1,000 ft (to the 10 ft), "0.4 mile", "1.2 miles"
from there (to the tenth of a mile), the number as the active language writes it ("0.4 millas").
The product measures in meters; only the words are US customary. The number and its unit are
joined by a no-break space (U+00A0): a line never ends between "980" and "ft", in any language.
``unbroken`` is that rule for distance words written elsewhere (the alerts' "½ mile", "about
800 ft": ``notifications.models.distance_words``), and ``feet_or_miles_to`` the formatter at a
coarser step ("about" words round to the 50 ft).

``{% if metres|at_the_point %}``: under ``AT_THE_POINT_FEET`` (15 ft), which ``feet_or_miles``
would word "0 ft" or "10 ft", a sentence says the place is at the point ("Matched to an
address, at the point", "right at your pin") instead of "0 ft from the point" or "about 0 ft
away". A phone's GPS puts a pin within about 16 ft (4.9 m) under open sky, so a smaller
distance is not one anybody can walk or see; from 15 ft the distance is said, "20 ft" the
shortest."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext

register = template.Library()

FEET_PER_METER = 1 / 0.3048
NO_BREAK_SPACE = "\u00a0"
METERS_PER_MILE = 1609.344
# Below a phone's GPS accuracy (about 16 ft) and every distance feet_or_miles rounds to 0 or 10 ft.
AT_THE_POINT_FEET = 15


@register.filter
def at_the_point(meters: float | None) -> bool:
    """True when a distance is too short to say: the sentence says "at the point" instead."""
    return meters is not None and float(meters) * FEET_PER_METER < AT_THE_POINT_FEET


@register.filter
def feet_or_miles(meters: float | None) -> str:
    if meters is None:
        return ""
    return feet_or_miles_to(float(meters))


def feet_or_miles_to(meters: float, *, feet: int = 10) -> str:
    """``feet_or_miles`` with the feet rounded to ``feet`` (never under it when ``feet`` is more
    than 10: "about 50 ft" is the least a circle is said); the miles to the tenth as there."""
    return unbroken(_feet_or_miles(meters, step=feet))


def _feet_or_miles(meters: float, *, step: int = 10) -> str:
    feet = round(meters * FEET_PER_METER / step) * step
    if step > 10:
        feet = max(step, feet)
    if feet < 1000:
        return gettext("%(n)s ft") % {"n": number_format(int(feet), use_l10n=True)}
    miles = round(meters / METERS_PER_MILE, 1)
    text = number_format(miles, decimal_pos=0 if miles == int(miles) else 1, use_l10n=True)
    if miles == 1:
        return gettext("1 mile")
    if miles < 1:
        return gettext("%(n)s mile") % {"n": text}
    return gettext("%(n)s miles") % {"n": text}


def unbroken(distance: str | Promise) -> str:
    """A number and its unit held together: every space of a distance's words (whatever a
    translation puts there) becomes a no-break space, so the line never wraps inside it."""
    return str(distance).replace(" ", NO_BREAK_SPACE)


# ``unbroken`` of a translatable distance, said in the language active when it is shown.
unbroken_lazy = lazy(unbroken, str)


@register.filter
def away(meters: float | None) -> str:
    """How far a place is from the one asked about: "350 ft away", "0.4 mile away" ("a 350
    pies", "a 0,4 millas"), or "at the point" when too close to measure; "" when unknown."""
    if meters is None:
        return ""
    if at_the_point(meters):
        return gettext("at the point")
    return gettext("%(distance)s away") % {"distance": feet_or_miles(meters)}
