"""Where a case is: its point and its address, from what the reporter gave.

Every channel ends in ``case_create``, which asks ``case_placement`` once, before the city's
number lock (finding an address reads the gazetteer: never inside the lock). The rules:

- a pin and no address: the pin stays; the address is the nearest one in the gazetteer
  (``nearest``, or ``interpolated`` along a street's range), with its distance from the pin;
- an address and no pin: the address is searched in the whole gazetteer (no wrong door: an
  address of another member city goes to that city, as a pin does). A *certain* match
  (one candidate, or one clearly better than every other place) gives the case its point
  and the gazetteer's form of the address (``matched`` or ``interpolated``, distance 0);
  ``route`` then sends it to the city and district the point falls in. Ambiguous, none, or
  a match outside every member city (which a person should look at): no point, the address
  as typed (``typed``), the candidates beside it; the case stays with the receiving city
  and waits in the console's "Not placed" queue;
- both: both are kept. ``matched`` (or ``interpolated``) when the address matches within
  ``MATCH_NEAR_PIN_M`` of the pin, else ``typed``; the distance between the pin and the
  address's point is recorded whenever the address was found.

Without a gazetteer (no address loaded) nothing is searched: one query decides that (kept for
GEO_FRESHNESS_SECONDS).
Reads only; writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from civicdesk.cases.models import AddressSource
from civicdesk.places.models import AddressPoint, StreetSegment
from civicdesk.places.normalise import Kind, ParsedAddress, clean, parse_search
from civicdesk.places.selectors import How, Place, address_near, address_search, read_query
from civicdesk.tenants import geo
from civicdesk.tenants.models import City

# An address typed beside a pin "matches" when its point is this close to the pin.
MATCH_NEAR_PIN_M = 150.0
# Candidates this close to the best one are the same place (units of a building, 1234 and
# 1234A on one lot), not rivals.
SAME_PLACE_M = 40.0
# The best candidate is clearly best when every other place scores at least this much less
# (a ZIP that agrees against one that does not; the street type typed against another).
CLEAR_MARGIN = 10
# A point candidate needs the number and the street's name right (100 + 40, see
# places.selectors._score); an intersection its two streets within about 100 m.
MIN_POINT_SCORE = 140
MIN_INTERSECTION_SCORE = 70
# A place name typed with the address ("…, Blue Springs") that is a member city's ranks
# that city's candidates above the others.
PLACE_NAME_BONUS = 10
CANDIDATES = 6

_SOURCE_OF = {How.POINT: AddressSource.MATCHED, How.INTERSECTION: AddressSource.MATCHED}


@dataclass(frozen=True)
class Placement:
    """Where a case is: its point (None: not placed), its address, how the address was found
    (an ``AddressSource`` value; "" when there is no address) and the metres between the
    point and the address's own point. ``candidates``: what an unplaced address may mean."""

    point: tuple[float, float] | None
    address: str
    source: str
    distance_m: float | None
    candidates: tuple[Place, ...] = ()

    @property
    def placed(self) -> bool:
        return self.point is not None


# (monotonic time of the last look, its answer): gazetteer_loaded's memo.
_gazetteer_seen: tuple[float, bool] | None = None


def gazetteer_loaded() -> bool:
    """Is there any address to search? (Without, placing is skipped: no parsing, no search.)

    The answer is kept for GEO_FRESHNESS_SECONDS, as the process keeps its city limits
    (tenants.geo): two queries on every report of a burst for what changes when an operator
    loads a city's addresses, seen by every process within those seconds."""
    global _gazetteer_seen
    from django.conf import settings

    window = float(getattr(settings, "GEO_FRESHNESS_SECONDS", 0) or 0)
    now = time.monotonic()
    seen = _gazetteer_seen
    if seen is not None and window > 0 and now - seen[0] < window:
        return seen[1]
    loaded = AddressPoint.objects.exists() or StreetSegment.objects.exists()
    _gazetteer_seen = (now, loaded)
    return loaded


def case_placement(*, address: str, point: tuple[float, float] | None, city: City | None = None) -> Placement:
    """The point, address and address source of a new case (see the module for the rules).
    ``city`` is the receiving city: it only breaks ties in its favour when the address
    names no place; it never keeps an address of another city."""
    address = (address or "").strip()
    if not address and point is None:
        return Placement(None, "", "", None)
    if not gazetteer_loaded():
        return Placement(point, address, AddressSource.TYPED if address else "", None)
    if point is not None and not address:
        near = address_near(point[0], point[1])
        if near is None:
            return Placement(point, "", "", None)
        source = AddressSource.INTERPOLATED if near.how is How.INTERPOLATED else AddressSource.NEAREST
        return Placement(point, near.label, source, near.distance_m)
    parsed = read_query(address)[0]
    found = address_candidates(address, parsed=parsed, near=point)
    if point is not None:
        return _beside_pin(address, parsed, found, point)
    best = certain_match(parsed, found)
    if best is None or not inside_member_city(best.lat, best.lng):
        return Placement(None, address, AddressSource.TYPED, None, tuple(found))
    return Placement((best.lat, best.lng), _label(best, parsed), _source(best), 0.0)


def pin_with_address(address: str, point: tuple[float, float]) -> Placement:
    """How an address typed beside a pin reads against the gazetteer as it is now: what
    ``case_placement`` records for both (``matched``, ``interpolated`` or ``typed``, and the
    distance), without its shortcut for a database with no addresses. For data written
    before its city's addresses were loaded (the demo's history)."""
    parsed = read_query(address)[0]
    return _beside_pin(address, parsed, address_candidates(address, parsed=parsed, near=point), point)


def address_candidates(
    address: str, *, parsed: ParsedAddress | None = None, near: tuple[float, float] | None = None
) -> list[Place]:
    """What ``address`` may mean, best first, across every city's addresses."""
    parsed = parsed if parsed is not None else read_query(address)[0]
    if parsed.kind not in (Kind.ADDRESS, Kind.INTERSECTION, Kind.STREET):
        return []
    found = address_search(address, near=near, limit=CANDIDATES)
    if parsed.place and found:
        named = _city_named(parsed.place)
        if named is not None:
            boosted = [p if p.city_id != named else _with_score(p, p.score + PLACE_NAME_BONUS) for p in found]
            found = sorted(boosted, key=lambda p: (-p.score, p.distance_m or 0.0, p.label))
    return found


def _with_score(place: Place, score: int) -> Place:
    from dataclasses import replace

    return replace(place, score=score)


def _city_named(place: str) -> int | None:
    for pk, name in City.objects.values_list("pk", "name"):
        if clean(name) == place:
            return int(pk)
    return None


def acceptable(parsed: ParsedAddress, place: Place) -> bool:
    """Is ``place`` what was typed (the number and the street's name, not merely like it)?"""
    if parsed.kind is Kind.INTERSECTION:
        return place.how is How.INTERSECTION and place.score >= MIN_INTERSECTION_SCORE
    if parsed.kind is not Kind.ADDRESS or parsed.number is None or place.number != parsed.number:
        return False
    name = parsed.street.name
    same_street = bool(name) and (place.street_key == name or place.street_key.startswith(name + " "))
    if place.how is How.POINT:
        return same_street and place.score >= MIN_POINT_SCORE
    return place.how is How.INTERPOLATED and same_street


def certain_match(parsed: ParsedAddress, found: list[Place]) -> Place | None:
    """The one place the address means, or None: the best candidate must be acceptable and
    every other place (farther than ``SAME_PLACE_M`` from it) score clearly less."""
    if not found or not acceptable(parsed, found[0]):
        return None
    best = found[0]
    for other in found[1:]:
        if other.score > best.score - CLEAR_MARGIN and geo.metres_between(best.lat, best.lng, other.lat, other.lng) > (
            SAME_PLACE_M
        ):
            return None
    return best


def inside_member_city(lat: float, lng: float) -> bool:
    return bool(geo.city_index().covering(geo.point(lat, lng)))


def _beside_pin(address: str, parsed: ParsedAddress, found: list[Place], point: tuple[float, float]) -> Placement:
    matches = [p for p in found if acceptable(parsed, p)]
    if not matches:
        return Placement(point, address, AddressSource.TYPED, None)
    nearest = min(matches, key=lambda p: geo.metres_between(point[0], point[1], p.lat, p.lng))
    distance = geo.metres_between(point[0], point[1], nearest.lat, nearest.lng)
    if distance > MATCH_NEAR_PIN_M:
        return Placement(point, address, AddressSource.TYPED, distance)
    return Placement(point, _label(nearest, parsed), _source(nearest), distance)


def _source(place: Place) -> str:
    return _SOURCE_OF.get(place.how, AddressSource.INTERPOLATED)


def _label(place: Place, parsed: ParsedAddress) -> str:
    """The gazetteer's form of the address, with the unit typed if the gazetteer has none."""
    if parsed.unit and parsed.unit not in place.label.upper():
        return f"{place.label} {parsed.unit}"
    return place.label


# --- the "Not placed" queue --------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A place an unplaced case's address may mean, as staff pick it: ``city`` is the name
    of the member city at its point (None: outside every member city)."""

    label: str
    lat: float
    lng: float
    source: str
    city: str | None
    zip_code: str = ""


def case_candidates(address: str, *, gazetteer: bool | None = None) -> list[Candidate]:
    """The places ``address`` may mean, best first, each with the member city it lies in.
    ``gazetteer`` is ``gazetteer_loaded()`` when the caller asked it already (a page of 25
    cases asks once, not twice per case)."""
    if gazetteer is None:
        gazetteer = gazetteer_loaded()
    if not address.strip() or not gazetteer:
        return []
    found = address_candidates(address)
    if not found:
        return []
    index = geo.city_index()
    city_ids = [next(iter(index.covering(geo.point(p.lat, p.lng))), None) for p in found]
    names = dict(City.objects.filter(pk__in={pk for pk in city_ids if pk is not None}).values_list("pk", "name"))
    return [
        Candidate(
            label=p.label,
            lat=p.lat,
            lng=p.lng,
            source=_source(p) if p.how is not How.STREET else AddressSource.TYPED,
            city=names.get(pk) if pk is not None else None,
            zip_code=p.zip_code,
        )
        for p, pk in zip(found, city_ids, strict=True)
    ]


# --- the batch form, for the history import ------------------------------------------------


class AddressIndex:
    """One city's address points in memory, to place the rows of an import that have an
    address and no point without a query per row (the import prepares its batches on a
    thread that must not touch the database).

    The batch form of the rule "placed when the match is certain", kept strict: the number
    and the street's name equal, the type and the directionals equal where the row gives
    them, and one building left (units of it are one place). No interpolation and no other
    city's addresses: an import names its city, and a row it cannot place for certain keeps
    the address as the source recorded it, for staff to place.

    A row's address is read as the address box and ``case_placement`` read one
    (``normalise.parse_search`` with the member cities' names): the city's name after the
    street ("150 Main Blue Springs") or before it ("Blue Springs, 150 Main St") is the place,
    never part of the street, and a row that names another member city is not placed in
    this one.
    """

    def __init__(
        self,
        rows: list[tuple[int, str, str, str, str, float, float]],
        *,
        city_name: str = "",
        member_names: Sequence[str] = (),
    ) -> None:
        # (number, name) -> {(pre, type, post): (lat, lng)}: the first point of each street
        # form (the query orders units after the building's own point).
        self.places: dict[tuple[int, str], dict[tuple[str, str, str], tuple[float, float]]] = {}
        for number, name, pre, kind, post, lat, lng in rows:
            self.places.setdefault((number, name), {}).setdefault((pre, kind, post), (lat, lng))
        self._parsed: dict[str, tuple[float, float] | None] = {}
        self.city_name = city_name
        self.member_names = tuple(member_names) or ((city_name,) if city_name else ())

    @classmethod
    def for_city(cls, city: City) -> AddressIndex | None:
        """The city's index; None (nothing read) when the city has no address point."""
        points = AddressPoint.objects.filter(city=city)
        if not points.exists():
            return None
        rows = points.order_by("unit", "pk").values_list(
            "number", "street_name", "pre_directional", "street_type", "post_directional", "lat", "lng"
        )
        names = list(City.objects.values_list("name", flat=True))
        return cls(list(rows), city_name=city.name, member_names=names)

    def __len__(self) -> int:
        return len(self.places)

    def place(self, address: str) -> tuple[float, float] | None:
        """The point of ``address`` when certain, else None. Touches no database."""
        if address in self._parsed:
            return self._parsed[address]
        found = None
        parsed, named = parse_search(address, places=self.member_names)
        own = not named or named == self.city_name  # another member city's: an import names its city
        if own and parsed.kind is Kind.ADDRESS and parsed.number is not None and parsed.street.name:
            street = parsed.street
            forms = [
                point
                for (pre, kind, post), point in self.places.get((parsed.number, street.name), {}).items()
                if (not street.pre_directional or pre == street.pre_directional)
                and (not street.street_type or kind == street.street_type)
                and (not street.post_directional or post == street.post_directional)
            ]
            if len(forms) == 1:
                found = forms[0]
        if len(self._parsed) < 200_000:  # addresses repeat in a city's history; memory stays bounded
            self._parsed[address] = found
        return found
