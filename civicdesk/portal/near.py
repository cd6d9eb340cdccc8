"""The browse page's "Near": a city's public reports within a distance of a place, nearest first.

The place is what the resident gave in the box (``?near=``): a point as "lat,lng" (from "Use my
location" or the map), or an address read as the report form reads one, from the gazetteer
(docs/geocoding.md). The distance (``?within=``, metres) is one of the alerts' circles, said in
the same words (``notifications.models.RADIUS_WORDS``). The circle itself is the cases' shared
one (``cases.selectors.cases_within``: the index by band of latitude, then the exact distance).
Its pages follow one another by keyset, on (distance, id): ``near_page``.
A point outside the city works as well: the list is the city's reports near it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from civicdesk.cases.placement import address_candidates, certain_match
from civicdesk.cases.selectors import NearestFirst
from civicdesk.core.paging import KeysetPage
from civicdesk.notifications.models import RADIUS_WORDS
from civicdesk.places.selectors import address_near, read_query
from civicdesk.portal.selectors import browse_cases
from civicdesk.tenants.models import City

# The distances offered, in metres: the alerts' circles up to 2 miles (500 ft, ¼, ½, 1, 2 miles).
NEAR_DISTANCES = tuple(m for m in RADIUS_WORDS if m <= 3219)
NEAR_DEFAULT = 402  # ¼ mile

_POINT = re.compile(r"^\s*([+-]?\d{1,3}(?:\.\d+)?)\s*,\s*([+-]?\d{1,3}(?:\.\d+)?)\s*$")
# Only digits, signs, dots, commas and spaces: meant as a point, whether or not it is one.
_POINT_LIKE = re.compile(r"^[\d\s.,+-]+$")


@dataclass(frozen=True)
class NearPlace:
    """Where the resident asked about: its point, and the address that names it ("" for a
    point from the map or the device, ``nearest`` then the address under it, if any)."""

    lat: float
    lng: float
    address: str = ""
    nearest: str = ""


@dataclass(frozen=True)
class NearAnswer:
    """What the box's words mean: a place, or a problem in the resident's words (with the
    addresses they may have meant, to choose from)."""

    place: NearPlace | None = None
    problem: str = ""
    choices: list[NearPlace] = field(default_factory=list)


def near_place(text: str) -> NearAnswer:
    """The place the browse page's "Near" box names (see the module)."""
    text = " ".join((text or "").split())
    if not text:
        return NearAnswer()
    point = _POINT.match(text)
    if point is not None:
        lat, lng = float(point.group(1)), float(point.group(2))
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            under = address_near(lat, lng)
            return NearAnswer(place=NearPlace(lat, lng, nearest=under.label if under is not None else ""))
    if point is not None or _POINT_LIKE.match(text):
        return NearAnswer(
            problem=_(
                "“%(text)s” is not a point on the map: give its latitude and longitude, like "
                "39.0855,-94.3520, or type an address."
            )
            % {"text": text}
        )
    parsed = read_query(text)[0]
    found = address_candidates(text, parsed=parsed)
    best = certain_match(parsed, found)
    if best is not None:
        return NearAnswer(place=NearPlace(best.lat, best.lng, address=best.label))
    if found:
        return NearAnswer(
            problem=_("“%(text)s” could be more than one place. Choose one below, or type the house number too.")
            % {"text": text},
            choices=[NearPlace(p.lat, p.lng, address=p.label) for p in found],
        )
    return NearAnswer(
        problem=_(
            "We found no address matching “%(text)s”. Check the spelling and type the house number "
            "and street (like 1234 S Noland Rd), or choose a point on the map, or use your location."
        )
        % {"text": text}
    )


def within_choice(value: str) -> int:
    """The distance asked (``?within=``, metres), or the default for anything else."""
    return int(value) if value.isdigit() and int(value) in NEAR_DISTANCES else NEAR_DEFAULT


def browse_near(
    *,
    city: City,
    place: NearPlace,
    within_m: int,
    district: str = "",
    service_type: str = "",
    status: str = "",
) -> NearestFirst:
    """The city's public cases within ``within_m`` of ``place`` that the browse page's other
    filters keep, nearest first, each with its ``distance_m``: the browse page's own cases
    (``browse_cases``: never a confidential type), in the shared circle, paged from the
    smallest circle that holds the page (``cases.selectors.NearestFirst``)."""
    cases = browse_cases(city=city, district=district, service_type=service_type, status=status)
    return NearestFirst(cases, lat=place.lat, lng=place.lng, radius_m=within_m)


def near_page(nearest: NearestFirst, *, cursor: str | None, number: str | None, per_page: int) -> KeysetPage:
    """The page of "Near" a URL asks for. Pages follow one another by keyset ("Nearer" and
    "Farther" carry a cursor: ``NearestFirst.page``), so a page deep in a dense circle costs
    what the first does. An address from before them (``?page=N``, no cursor) still opens page
    N as counted from the place (the last page for a number past it, the first for anything
    not a number), its links then by cursor; a cursor this list cannot use gives the first
    page, saying so."""
    if not cursor and number:
        asked = number.strip()
        return nearest.numbered(int(asked) if asked.isascii() and asked.isdigit() else 1, per_page)
    return nearest.page(cursor, per_page)
