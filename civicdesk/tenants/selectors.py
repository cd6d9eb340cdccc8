"""Reads about cities and places."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext, pgettext

from civicdesk.core.business_days import BusinessCalendar
from civicdesk.core.errors import OutsideServiceArea
from civicdesk.core.languages import conjunction_before
from civicdesk.core.templatetags.distances import feet_or_miles
from civicdesk.tenants import geo
from civicdesk.tenants.models import City, Department, District, NeighbourArea, Region

if TYPE_CHECKING:
    import shapely

# A pin this close to a city line may well be on the wrong side of it: the resident is
# asked to check it (a phone's GPS or a hurried tap is often this far off).
NEAR_BOUNDARY_METRES = 50.0
# A point outside every member city but within 500 m (about 1,600 ft) of one's limits is
# told how far it is from them ("It is about 980 ft outside the limits of Raytown."): a pin
# dropped a block or two too far, or a place just across the line. Farther away, the place
# is plainly elsewhere, and a member city named would only puzzle.
NEAR_LIMITS_METRES = 500.0
# Up to this many member cities are named to a resident whose place is in none of them; a
# larger collaborative is counted ("not inside any of the 12 cities …").
NAMED_CITIES_AT_MOST = 8


@dataclass(frozen=True)
class Location:
    city: City
    district: District | None


def city_list() -> QuerySet[City]:
    return City.objects.select_related("region").order_by("name")


def city_at(*, lat: float, lng: float, known: City | None = None) -> City:
    """The member city whose limits cover the point.

    A point on a city's boundary line belongs to it. Where two cities' limits meet at a
    shared border line, the one with the lowest id wins, so the answer is stable in every
    process. Coordinates that are no place on Earth raise ValidationError; a point outside
    every member city raises ``OutsideServiceArea`` with a message a resident can act on
    (``outside_message``) and a staff member's shorter line (``outside_staff_line``).
    ``known``: a city the caller has read already (the one a report was sent to), returned
    as it is when it is the one at the point, instead of reading it again.
    """
    pt = geo.point(lat, lng)
    hits = geo.city_index().covering(pt)
    if not hits:
        where = outside_at(pt)
        raise OutsideServiceArea(
            outside_message(where), code="outside_service_area", staff_message=outside_staff_line(where)
        )
    if known is not None and known.pk == hits[0]:
        return known
    return City.objects.defer("boundary").get(pk=hits[0])  # the index holds the shape already


def neighbour_at(*, lat: float, lng: float) -> NeighbourArea | None:
    """The known non-member neighbour whose limits cover the point, if any."""
    hits = geo.neighbour_index().covering(geo.point(lat, lng))
    return NeighbourArea.objects.defer("boundary").get(pk=hits[0]) if hits else None


@dataclass(frozen=True)
class Outside:
    """Where a point outside every member city lies, for saying so: the member cities (by
    name), the known neighbour it is in, and the member city whose limits are within
    ``NEAR_LIMITS_METRES`` of it, nearest first, with how far."""

    members: list[str]
    neighbour: NeighbourArea | None
    nearest: str
    metres: float | None


def outside_at(pt: shapely.Point) -> Outside:
    """What there is to say of a point that no member city covers (``city_at``'s refusal)."""
    cities = geo.city_index()
    names = dict(City.objects.filter(pk__in=[area.pk for area in cities.areas]).values_list("pk", "name"))
    hits = geo.neighbour_index().covering(pt)
    neighbour = NeighbourArea.objects.defer("boundary").get(pk=hits[0]) if hits else None
    nearest, metres = nearest_limits(pt, names)
    return Outside(sorted(names.values()), neighbour, nearest, metres)


def limits_near(pt: shapely.Point) -> list[tuple[int, float]]:
    """The member cities (pk, metres) whose limits are within ``NEAR_LIMITS_METRES`` of a point
    outside all of them, nearest first: outside every member city, the distance to a city's
    line is the distance to the city."""
    return geo.city_index().boundaries_near(pt, NEAR_LIMITS_METRES)


def nearest_limits(pt: shapely.Point, names: dict[int, str]) -> tuple[str, float | None]:
    """The name of the member city whose limits are nearest a point outside all of them, and
    how far (metres), when within ``NEAR_LIMITS_METRES``; ("", None) otherwise. ``names``:
    the member cities' names by pk (those of ``limits_near``'s at least)."""
    near = [(names[pk], metres) for pk, metres in limits_near(pt) if pk in names]
    return near[0] if near else ("", None)


def _one_of(names: list[str]) -> str:
    """Names joined as one of them: "Grandview", "Grandview or Raytown", "Blue Springs,
    Grandview or Raytown" (in Spanish "… o Raytown", "… u Oak Grove")."""
    if len(names) < 2:
        return "".join(names)
    said = pgettext("the last of a list of places", "%(first)s or %(last)s")
    # Spanish: "Independence u Oak Grove", not "o Oak Grove".
    return conjunction_before(said, key="last", following=names[-1]) % {
        "first": ", ".join(names[:-1]),
        "last": names[-1],
    }


def _contact(neighbour: NeighbourArea) -> str:
    # A phone may hold words of its own ("311 or 816-513-1313"): a comma, not another "or".
    return ", ".join(part for part in (neighbour.phone, neighbour.website) if part)


def outside_message(where: Outside) -> str:
    """What a resident reads when their place is in no member city (the portal's report
    form, an Open311 application): what it is not inside, by name; the member city whose
    limits are close, and how close; and what to do: move the pin, or whom to contact."""
    count = len(where.members)
    place = where.neighbour.name if where.neighbour else ""
    if not count:
        return _("This service cannot take a report on the map yet: no city's limits are set up.")
    if count <= NAMED_CITIES_AT_MOST:
        cities = _one_of(where.members)
        if place:
            said = ngettext(
                "This place is in %(place)s, not in %(cities)s, the city this service takes reports for.",
                "This place is in %(place)s, not in %(cities)s, the cities this service takes reports for.",
                count,
            )
        else:
            said = ngettext(
                "This place is not inside %(cities)s, the city this service takes reports for.",
                "This place is not inside %(cities)s, the cities this service takes reports for.",
                count,
            )
    elif place:
        said = ngettext(
            "This place is in %(place)s, not in any of the %(count)s city this service takes reports for.",
            "This place is in %(place)s, not in any of the %(count)s cities this service takes reports for.",
            count,
        )
    else:
        said = ngettext(
            "This place is not inside any of the %(count)s city this service takes reports for.",
            "This place is not inside any of the %(count)s cities this service takes reports for.",
            count,
        )
    parts = [said % {"place": place, "cities": cities if count <= NAMED_CITIES_AT_MOST else "", "count": count}]
    if where.nearest and where.metres is not None:
        parts.append(
            _("It is about %(distance)s outside the limits of %(city)s.")
            % {"distance": feet_or_miles(where.metres), "city": where.nearest}
        )
    contact = _contact(where.neighbour) if where.neighbour else ""
    if contact:
        then = ngettext(
            "Move the pin inside it, or contact %(place)s (%(contact)s).",
            "Move the pin inside one of these cities, or contact %(place)s (%(contact)s).",
            count,
        )
    elif place:
        then = ngettext(
            "Move the pin inside it, or contact %(place)s.",
            "Move the pin inside one of these cities, or contact %(place)s.",
            count,
        )
    else:
        then = ngettext(
            "Move the pin inside it, or contact the city or county where the place is.",
            "Move the pin inside one of these cities, or contact the city or county where the place is.",
            count,
        )
    parts.append(then % {"place": place, "contact": contact})
    return " ".join(parts)


def outside_staff_line(where: Outside) -> str:
    """The same for staff entering or placing a case, who know the member cities: one line,
    "Not in a member city, about 980 ft outside the limits of Raytown: check the point, or
    refer the resident to the city or county where it is."."""
    place = where.neighbour.name if where.neighbour else ""
    said = _("In %(place)s, not a member city") % {"place": place} if place else _("Not in a member city")
    if where.nearest and where.metres is not None:
        said = _("%(where)s, about %(distance)s outside the limits of %(city)s") % {
            "where": said,
            "distance": feet_or_miles(where.metres),
            "city": where.nearest,
        }
    contact = _contact(where.neighbour) if where.neighbour else ""
    if contact:
        line = _("%(where)s: check the point, or refer the resident to %(place)s (%(contact)s).")
    elif place:
        line = _("%(where)s: check the point, or refer the resident to %(place)s.")
    else:
        line = _("%(where)s: check the point, or refer the resident to the city or county where it is.")
    return line % {"where": said, "place": place, "contact": contact}


def outside_line(*, place: str, nearest: str = "", metres: float | None = None) -> str:
    """The short line under a map's pin outside every member city, in the words of
    ``outside_message``: "In Kansas City, not one of the cities this service takes reports
    for: about 980 ft from Raytown's limits". ``place``: the place it is in, when known;
    ``nearest`` and ``metres``: the member city whose limits are near (``nearest_limits``)."""
    count = len(geo.city_index().areas)
    if place:
        said = ngettext(
            "In %(place)s, not the city this service takes reports for",
            "In %(place)s, not one of the cities this service takes reports for",
            count,
        ) % {"place": place}
    else:
        said = ngettext(
            "Not in the city this service takes reports for",
            "Not in any of the cities this service takes reports for",
            count,
        )
    if nearest and metres is not None:
        said = _("%(where)s: about %(distance)s from %(city)s's limits") % {
            "where": said,
            "distance": feet_or_miles(metres),
            "city": nearest,
        }
    return said


def boundary_warning(*, lat: float, lng: float) -> str | None:
    """A request to check the pin when it lies within ~50 m of a member city's line.

    Names the two places the line separates (two member cities, or a member city and a
    known neighbour); a line with nothing known on the other side is named as the city's
    limits. None when the pin is clear of every member city's line, or far from
    all of them. Coordinates that are no place on Earth raise ValidationError.
    """
    pt = geo.point(lat, lng)
    members = geo.city_index().boundaries_near(pt, NEAR_BOUNDARY_METRES)
    if not members:
        return None
    neighbours = geo.neighbour_index().boundaries_near(pt, NEAR_BOUNDARY_METRES)
    names = dict(City.objects.filter(pk__in=[pk for pk, _d in members]).values_list("pk", "name"))
    near = [names[pk] for pk, _d in members if pk in names]
    near += list(NeighbourArea.objects.filter(pk__in=[pk for pk, _d in neighbours]).values_list("name", flat=True))
    # The place the pin is in comes first: "between Independence and Raytown" from inside
    # Independence.
    covering = geo.city_index().covering(pt)
    here = names.get(covering[0]) if covering else None
    if here is None:
        neighbour = neighbour_at(lat=lat, lng=lng)
        here = neighbour.name if neighbour else None
    ordered = [here] if here else []
    ordered += [name for name in near if name not in ordered]
    if len(ordered) >= 2:
        said = _("Your pin is close to the line between %(a)s and %(b)s — please check it.")
        # Spanish: "entre Raytown e Independence".
        return conjunction_before(said, key="b", following=ordered[1]) % {
            "a": ordered[0],
            "b": ordered[1],
        }
    return _("Your pin is close to the limits of %(city)s — please check it.") % {"city": ordered[0]}


def district_at(*, city: City, lat: float, lng: float) -> District | None:
    """The city's council district covering the point, or None where none does."""
    index = geo.district_index(city.pk)
    hits = index.covering(geo.point(lat, lng))
    if not hits:
        return None
    kept = index.rows.get(hits[0])
    # A copy of the row the index keeps (read with the shapes), not shared with other requests.
    return copy.copy(kept) if kept is not None else District.objects.defer("boundary").get(pk=hits[0])


def location_of(*, lat: float, lng: float, known: City | None = None) -> Location:
    """The member city and council district at a point (see ``city_at`` for the errors and
    ``known``)."""
    city = city_at(lat=lat, lng=lng, known=known)
    return Location(city=city, district=district_at(city=city, lat=lat, lng=lng))


def department_list(*, city: City) -> QuerySet[Department]:
    return Department.objects.filter(city=city, active=True).order_by("name")


def _domain(text: str) -> str:
    """The host of an email address, a web address or a bare domain, lower case, without
    "www.": "Animal@Independencemo.GOV" and "https://www.independencemo.gov/" give
    "independencemo.gov"; "" for text that names no domain."""
    text = text.strip().lower()
    host = text.rpartition("@")[2] if "@" in text else urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.removeprefix("www.")
    return host if "." in host else ""


def city_email_domains() -> dict[int, tuple[str, frozenset[str]]]:
    """Each city's name and the domains its mail is at: those of its intake address, its
    website, its Open311 jurisdiction id (a domain, as most cities' are) and its
    departments' emails. What tells that an address is one city's and not another's."""
    domains: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    for pk, name, *texts in City.objects.values_list("pk", "name", "email", "website", "jurisdiction_id"):
        names[pk] = name
        domains[pk] = {d for d in map(_domain, texts) if d}
    for city_id, email in Department.objects.exclude(email="").values_list("city_id", "email"):
        if _domain(email):
            domains[city_id].add(_domain(email))
    return {pk: (names[pk], frozenset(found)) for pk, found in domains.items()}


def email_of_another_city(*, city: City, email: str, domains: dict[int, tuple[str, frozenset[str]]]) -> str:
    """The name of the other city whose domain ``email`` is at (its own domain or one under
    it), or "" when it is ``city``'s own or no member city's (``domains`` from
    ``city_email_domains``)."""
    host = _domain(email)

    def at(found: frozenset[str]) -> bool:
        return any(host == d or host.endswith(f".{d}") for d in found)

    if not host or at(domains.get(city.pk, ("", frozenset()))[1]):
        return ""
    return next((name for pk, (name, found) in sorted(domains.items()) if pk != city.pk and at(found)), "")


# Words that make a city's name part of another name, not the city: a street named for it
# (Independence Avenue, Lee's Summit Road run through several cities; in Spanish "Avenida
# Independence"), or the holiday. Whatever else names a member city is left for a person to judge.
_STREET_AFTER = re.compile(
    r"\s+(avenue|ave|road|rd|street|st|drive|dr|boulevard|blvd|parkway|pkwy|lane|ln|way|court|ct|place|pl|"
    r"trail|trl|highway|hwy|circle|cir|terrace|ter|day)\b",
    re.IGNORECASE,
)
# In Spanish the street word comes first, and as a name's it is capitalized: "Calle Independence",
# "Avenida de Raytown", but "una calle de Raytown" is a street in Raytown.
_STREET_WORDS_ES = ("avenida", "av", "calle", "bulevar", "carretera", "camino", "paseo")
_STREET_BEFORE = re.compile(
    r"\b(" + "|".join(f"{w.capitalize()}|{w.upper()}" for w in _STREET_WORDS_ES) + r")\.?\s+(de\s+)?$"
)


def _name_pattern(name: str) -> re.Pattern[str]:
    """A city's name as whole words, in any case, whatever its spaces and apostrophes:
    "Lee's Summit" finds "LEE’S SUMMIT" and "Lees Summit", not "Blee's Summitry"."""
    words = [re.escape(word).replace("'", "['’]?").replace("’", "['’]?") for word in name.split()]
    return re.compile(r"(?<![\w'’])" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class CityNamed:
    """Another member city named in a text: its name, and the words around it."""

    other_city: str
    excerpt: str


class MemberCityNames:
    """Finds the other member cities a text names (``city_names_of_others``): a neighbour's
    catalogue names the neighbour ("Independence Animal Services", "Call Lee's Summit Water
    Utilities")."""

    def __init__(self, *, city: City, names: dict[int, str]) -> None:
        # Longer names first, so "North Kansas City" is that city, not Kansas City.
        self._cities = sorted(
            ((pk == city.pk, name, _name_pattern(name)) for pk, name in names.items() if name.strip()),
            key=lambda c: -len(c[1]),
        )

    def __call__(self, text: str) -> list[CityNamed]:
        taken: list[tuple[int, int]] = []
        found: dict[str, CityNamed] = {}
        for own, name, pattern in self._cities:
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(a < end and start < b for a, b in taken):
                    continue
                taken.append((start, end))
                if own or _STREET_AFTER.match(text, end) or _STREET_BEFORE.search(text[:start]):
                    continue
                found.setdefault(name, CityNamed(name, _excerpt(text, start, end)))
        return list(found.values())


def _excerpt(text: str, start: int, end: int, *, width: int = 80) -> str:
    """``text`` whole when short, else the words around ``text[start:end]`` with "…"."""
    text = " ".join(text.split()) if len(text) <= width else text
    if len(text) <= width:
        return text
    left = max(0, start - 30)
    right = min(len(text), end + 40)
    left = text.rfind(" ", 0, left) + 1 if left else 0
    found = text.find(" ", right)
    right = len(text) if found < 0 else found
    words = " ".join(text[left:right].split())
    return ("…" if left else "") + words + ("…" if right < len(text) else "")


def city_names_of_others(*, city: City) -> MemberCityNames:
    """A finder of the other member cities' names in a text, as words (not in "Grandviewer"),
    leaving out a street or a day named for one ("Independence Avenue", "Independence Day")
    and ``city``'s own name ("North Kansas City" is not Kansas City)."""
    return MemberCityNames(city=city, names=dict(City.objects.values_list("pk", "name")))


def default_timezone(region: Region | None) -> str:
    """The time zone most of the region's cities have: a new member is usually a neighbour."""
    if region is not None:
        found = region.cities.values("timezone").annotate(n=Count("pk")).order_by("-n", "timezone").first()
        if found:
            return str(found["timezone"])
    return "America/Chicago"


@dataclass(frozen=True)
class SetupStep:
    """One thing a new member city needs before it goes live, and how far it is."""

    key: str
    label: str
    done: bool
    detail: str
    order: int = 0  # where it stands in the checklist (docs/onboarding.md)
    optional: bool = False  # a city may go live without it (a performance dashboard)


# The city's business days (office hours, working weekdays, closed days) are kept with its
# dashboard settings; the performance app registers the function that reads them from its
# AppConfig.ready, so a due date in business days (catalog.targets) and the dashboard's
# business-day measures count the same days.
BusinessCalendarProvider = Callable[[City], BusinessCalendar]
_business_calendar: list[BusinessCalendarProvider] = []


def business_calendar_register(provider: BusinessCalendarProvider) -> None:
    _business_calendar[:] = [provider]


def business_calendar(city: City) -> BusinessCalendar:
    """The city's business days (``core.business_days``): as its settings give them, else
    ``default_business_calendar``."""
    if _business_calendar:
        return _business_calendar[0](city)
    return default_business_calendar(city)


def default_business_calendar(city: City) -> BusinessCalendar:
    """A city's business days when it has set none: 8:00–17:00 Monday to Friday on its own
    clock, closed on the US federal holidays. The one default, for every reader of them."""
    return BusinessCalendar(timezone=city.timezone)


# Steps the apps above this one add (the service types, an Open311 key): each registers a
# function from its AppConfig.ready, so tenants names none of them (docs/architecture.md).
SetupStepsProvider = Callable[[City], list[SetupStep]]
_more_steps: list[SetupStepsProvider] = []


def setup_steps_register(provider: SetupStepsProvider) -> None:
    if provider not in _more_steps:
        _more_steps.append(provider)


def _contact_step(city: City) -> SetupStep:
    """The intake email (mail to it becomes cases; the Reply-To of every acknowledgement) and
    the phone number residents are given: both needed before the city goes live."""
    missing = [
        what
        for what, given in ((_("no email address for residents' reports"), city.email), (_("no phone"), city.phone))
        if not given
    ]
    detail = "; ".join(missing) if missing else ", ".join(p for p in (city.email, city.phone, city.website) if p)
    return SetupStep("contact", _("Email address and phone for residents"), not missing, detail, 15)


def _first_five(names: list[str]) -> str:
    """The first five of a step's names, and how many more: "A, B, C, D, E and 17 more"."""
    shown = ", ".join(names[:5])
    if len(names) > 5:
        shown = _("%(names)s and %(more)d more") % {"names": shown, "more": len(names) - 5}
    return shown


def _departments_step(city: City) -> SetupStep:
    """Active departments; a department that a type sends cases to but that has no email is
    named, since no one is emailed its new cases (a neighbor's catalog imported without its
    emails leaves every department so): the step is done once each has an address."""
    active = Department.objects.filter(city=city, active=True)
    count = active.count()
    silent = list(
        active.filter(email="", service_types__active=True).distinct().order_by("name").values_list("name", flat=True)
    )
    detail = npgettext("departments", "%(n)d active", "%(n)d active", count) % {"n": count}
    if silent:
        detail = _(
            "%(active)s; no email, so no one is told of their new cases (give each an email under Departments): "
            "%(names)s"
        ) % {"active": detail, "names": _first_five(silent)}
    return SetupStep("departments", _("Departments"), count > 0 and not silent, detail, 30)


def _staff_step(city: City) -> SetupStep:
    """Active staff accounts; one of a city's role without an email address is named, since
    the cases assigned to it are told to no one (an account made before the add page asked
    for the address): the step is done once each has one."""
    from civicdesk.accounts.models import EMAILED_ROLES, User

    active = User.objects.filter(city=city, is_active=True)
    count = active.count()
    silent = [
        user.display_name()
        for user in active.filter(email="", role__in=EMAILED_ROLES).order_by("last_name", "first_name", "username")
    ]
    detail = npgettext("staff accounts", "%(n)d active", "%(n)d active", count) % {"n": count}
    if silent:
        detail = _(
            "%(active)s; no email, so they are told of none of the cases assigned to them (give each an email "
            "under Users): %(names)s"
        ) % {"active": detail, "names": _first_five(silent)}
    return SetupStep("staff", _("Staff accounts"), count > 0 and not silent, detail, 50)


def city_setup_steps(*, city: City) -> list[SetupStep]:
    """What ``city`` has and still lacks, in the order it is set up (docs/onboarding.md):
    limits, the email and phone residents are given, council districts, departments, service
    types, staff, an Open311 key (and what the apps above add: a performance dashboard)."""
    has_limits = bool(city.boundary)
    districts = District.objects.filter(city=city, retired_on__isnull=True)
    district_count = districts.count()
    illustrative = districts.filter(is_illustrative=True).count()
    steps = [
        SetupStep("limits", _("City limits"), has_limits, _("uploaded") if has_limits else _("missing"), 10),
        _contact_step(city),
        SetupStep(
            "districts",
            _("Council districts"),
            district_count > 0 and illustrative == 0,
            _("%(n)d, %(i)d of them illustrative") % {"n": district_count, "i": illustrative}
            if illustrative
            else _("%(n)d") % {"n": district_count}
            if district_count
            else _(
                "none yet: the council's district map, or the template's one district, “Citywide”, for a council "
                "elected at large"
            ),
            20,
        ),
        _departments_step(city),
        _staff_step(city),
    ]
    for provider in _more_steps:
        steps += provider(city)
    return sorted(steps, key=lambda step: step.order)


class DistrictChoices(NamedTuple):
    """A filter's districts: ``current`` on the city's map, then ``retired`` ones, each (id, name)."""

    current: list[tuple[int, str]]
    retired: list[tuple[int, str]]


def district_choices(districts: QuerySet[District]) -> DistrictChoices:
    """``districts`` for a filter of cases already filed: the current map's in its order, then
    the retired ones (their cases keep them; each named with its last day, "Citywide (map
    until 2026-12-06)"), the latest retired first."""
    rows = districts.order_by("number", "name").values_list("pk", "name", "retired_on")
    current = [(pk, name) for pk, name, retired_on in rows if retired_on is None]
    retired = sorted(
        ((pk, name, retired_on) for pk, name, retired_on in rows if retired_on is not None),
        key=lambda row: row[2],
        reverse=True,
    )
    return DistrictChoices(current, [(pk, name) for pk, name, _day in retired])
