"""Reading the gazetteer: search as people type, interpolation, and the address under a pin.

``address_search`` answers a search box: a prefix query on an indexed key (one index range
scan whatever the gazetteer's size), then ranking in Python of at most a few hundred rows by
how well each matches what was typed and by nearness to the map's view. An address with no
point of its own is interpolated between its neighbours on the same street (same side first),
else along the street segment whose range holds its number.

``address_near`` answers "what is under this pin": the nearest address point, or a number
interpolated on the nearest segment, with the distance.
"""

from __future__ import annotations

import enum
import itertools
import json
import math
import string
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy
import shapely
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Avg, Model, QuerySet

from civicdesk.core.sql import column_of, first_row, table_of
from civicdesk.places.models import AddressPoint, StreetSegment
from civicdesk.places.models import Street as Centerline
from civicdesk.places.normalise import Kind, ParsedAddress, Street, house_number, parse_search, unit_id
from civicdesk.tenants import geo
from civicdesk.tenants.geo import metres_between
from civicdesk.tenants.models import City, NeighbourArea
from civicdesk.tenants.selectors import limits_near

_M_PER_DEG = 111_320.0
# The longest segment's extent in latitude that a box search still finds (about 5.5 km).
_MAX_SEGMENT_SPAN_DEG = 0.05
_PREFIX_ROWS = 400  # rows a prefix query reads at most before ranking
_NEIGHBOURS = 12  # numbers read on each side of a missing one
# Two neighbours at most this many numbers and metres apart are one stretch of one street (two
# blocks of a hundred numbers, a kilometre): a number between them is placed between them.
_ONE_STRETCH = (200, 1000.0)


class Instead(enum.StrEnum):
    """Why a place the words did not match is offered (``address_search``'s near misses)."""

    STREET = "street"  # the street exists, the number is not on it: the street instead
    SPELLING = "spelling"  # a street of a close spelling ("Mian St" for Main St)


class How(enum.StrEnum):
    POINT = "point"  # the address's own point
    INTERPOLATED = "interpolated"  # placed between its neighbours or along its segment
    STREET = "street"  # a street, no number
    INTERSECTION = "intersection"
    NEAREST = "nearest"  # the nearest address to a pin
    GEOCODED = "geocoded"  # found by a remote geocoder (places/geocoders.py)


@dataclass(frozen=True)
class Place:
    label: str
    lat: float
    lng: float
    how: How
    city_id: int
    score: int = 0
    distance_m: float | None = None  # from ``near`` for a search, from the pin for address_near
    number: int | None = None
    street_key: str = ""
    pre_directional: str = ""
    post_directional: str = ""
    zip_code: str = ""
    place: str = ""  # the city or place name the source gave, if any
    illustrative: bool = False  # invented for the demo
    # Offered although the words did not match (``Instead``): "" when they did.
    instead: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["how"] = str(self.how)
        if self.distance_m is not None:
            data["distance_m"] = round(self.distance_m, 1)
        return data


# --- prefix queries ------------------------------------------------------------------------


def with_prefix(queryset: QuerySet[Any], field: str, prefix: str) -> QuerySet[Any]:
    """Rows whose ``field`` starts with ``prefix``, in a form each database serves from an index."""
    if connections[queryset.db].vendor == "postgresql":
        # LIKE 'KEY%' on a varchar_pattern_ops index, right under any collation.
        return queryset.filter(**{f"{field}__startswith": prefix})
    # SQLite's LIKE ignores case and so skips the (binary) index; a range on upper-case keys does not.
    return queryset.filter(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\uffff"})


def street_keys_starting(model: type[Model], prefixes: Sequence[str], *, most: int) -> list[str]:
    """The distinct street keys of ``model``'s rows, in every city, that start with any of
    ``prefixes``, at most ``most``: one range of the keys' index each, joined by UNION in one
    plain statement. (An ``OR`` of ranges is read by SQLite as a scan of the whole index, a
    city's rows through the city's index, and building some fifty ORM querysets took Django
    longer than the database's reading.)"""
    alias = router.db_for_read(model)
    postgres = connections[alias].vendor == "postgresql"
    table, key = table_of(model, alias), column_of(model, "street_key", alias)
    # PostgreSQL: LIKE 'KEY%' on the varchar_pattern_ops index (keys are A-Z, 0-9, "/" and
    # spaces, never a LIKE wildcard); SQLite: a range on the plain index.
    where = f"{key} LIKE %s" if postgres else f"{key} >= %s AND {key} < %s"
    params: list[Any] = []
    for prefix in prefixes:
        params += [prefix + "%"] if postgres else [prefix, prefix + "\uffff"]
    union = " UNION ".join([f"SELECT {key} FROM {table} WHERE {where}"] * len(prefixes))  # noqa: S608 (names from the model)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"{union} LIMIT %s", [*params, most])
        return [row[0] for row in cursor.fetchall()]


def _points(city: City | None) -> QuerySet[AddressPoint]:
    qs = AddressPoint.objects.all()
    return qs.filter(city=city) if city is not None else qs


def _segments(city: City | None) -> QuerySet[StreetSegment]:
    qs = StreetSegment.objects.all()
    return qs.filter(city=city) if city is not None else qs


def _street_label(pre: str, key: str, post: str) -> str:
    name, _, kind = key.rpartition(" ") if " " in key else (key, "", "")
    street = Street(pre, name or key, kind if name else "", post)
    return street.label


# --- search --------------------------------------------------------------------------------

_POINT_FIELDS = (
    "id",
    "city_id",
    "number",
    "number_suffix",
    "pre_directional",
    "street_name",
    "street_type",
    "post_directional",
    "unit",
    "zip_code",
    "lat",
    "lng",
    "street_key",
    "search_key",
    "place",
    "illustrative",
)


def address_search(
    query: str, *, near: tuple[float, float] | None = None, limit: int = 8, city: City | None = None
) -> list[Place]:
    """Candidates for what was typed, best first: a member city's places first when its name
    is typed with the words ("Main St Blue Springs", "1234 S Noland Rd, Independence, MO",
    "Raytown: 9150 Maple Ave"),
    then by how well they match, then by nearness. Words that match nothing get near misses."""
    parsed, named = read_query(query)
    if parsed.kind not in (Kind.INTERSECTION, Kind.ADDRESS, Kind.STREET):
        return []
    if city is not None and named is not None and named != city:
        named = None  # the caller asked for one city's places only
    # The named city is read first, on its own: a search of every city stops at its first
    # rows (_PREFIX_ROWS, a few streets), which may all be another city's.
    scopes = [city] if named is None else [named] if city is not None else [named, None]
    places = _gathered(parsed, scopes, _matches, enough=limit, limit=limit)
    if not places:
        # Near misses of the named city only, when it has some: the resident said where.
        places = _gathered(parsed, scopes, _near_misses, enough=1, limit=limit)
    if near is not None:
        places = [replace(p, distance_m=metres_between(near[0], near[1], p.lat, p.lng)) for p in places]
    named_pk = named.pk if named is not None else None
    places.sort(key=lambda p: (named_pk is not None and p.city_id != named_pk, -p.score, p.distance_m or 0.0, p.label))
    return places[:limit]


def read_query(query: str) -> tuple[ParsedAddress, City | None]:
    """What a search's words ask for (``normalise.parse_search``) and the member city named
    with the street, if any ("Main St Blue Springs", "Blue Springs, 150 Main St"): the search
    box and placing a case read an address alike."""
    if len(query.split()) < 2:  # a city's name comes with a street
        return parse_search(query)[0], None
    members = {c.name: c for c in City.objects.only("pk", "name")}
    parsed, name = parse_search(query, places=members)
    return parsed, members.get(name)


def _matches(parsed: ParsedAddress, *, city: City | None, limit: int) -> list[Place]:
    if parsed.kind is Kind.INTERSECTION:
        return _intersections(parsed, city=city)
    if parsed.kind is Kind.ADDRESS:
        return _addresses(parsed, city=city, limit=limit)
    if parsed.kind is Kind.STREET and len(parsed.street.key) >= 2:
        return _streets(parsed, city=city, limit=limit)
    return []


def _gathered(
    parsed: ParsedAddress, scopes: Sequence[City | None], find: Callable[..., list[Place]], *, enough: int, limit: int
) -> list[Place]:
    """``find``'s places in each scope in turn (a named city, then every city), each once,
    until ``enough`` are found."""
    places: dict[tuple[int, str, str], Place] = {}
    for scope in scopes:
        for place in find(parsed, city=scope, limit=limit):
            places.setdefault((place.city_id, place.label, place.how), place)
        if len(places) >= enough:
            break
    return list(places.values())


def _prefix_rows(key: str, city: City | None) -> list[dict[str, Any]]:
    """Rows whose search key starts with ``key``; if none, with ``key`` less its last word
    (still being typed: "1234 NOLAND RO"), or less its type ("1234 NOLAND DR" for a Road)."""
    words = key.split()
    while True:
        rows = list(with_prefix(_points(city), "search_key", " ".join(words)).values(*_POINT_FIELDS)[:_PREFIX_ROWS])
        if rows or len(words) <= 2:
            return rows
        words.pop()


_DIRECTIONS = frozenset(("N", "S", "E", "W", "NE", "NW", "SE", "SW"))


def _point_place(row: dict[str, Any], *, label: str, how: How, **extra: Any) -> Place:
    """The ``Place`` of one address point's row (``score``, ``distance_m`` in ``extra``)."""
    return Place(
        label=label,
        lat=row["lat"],
        lng=row["lng"],
        how=how,
        city_id=row["city_id"],
        number=row["number"],
        street_key=row["street_key"],
        pre_directional=row["pre_directional"],
        post_directional=row["post_directional"],
        zip_code=row["zip_code"],
        place=row["place"],
        illustrative=row["illustrative"],
        **extra,
    )


def _addresses(parsed: ParsedAddress, *, city: City | None, limit: int) -> list[Place]:
    street = parsed.street
    if street.name in _DIRECTIONS and not street.street_type and not street.pre_directional:
        # "1234 S" while the street is still to be typed: a directional, not a street named S.
        parsed = replace(parsed, street=Street(pre_directional=street.name))
    rows = _prefix_rows(parsed.search_key, city) if parsed.street else _number_rows(parsed, city)
    places: dict[tuple[Any, ...], Place] = {}
    exact_streets = False
    for row in rows:
        score = _score(parsed, row)
        if row["number"] == parsed.number and (not parsed.street or row["street_name"].startswith(parsed.street.name)):
            exact_streets = True
        street = Street(row["pre_directional"], row["street_name"], row["street_type"], row["post_directional"])
        unit = row["unit"] if parsed.unit else ""  # without a unit typed, one candidate per building
        label = " ".join(p for p in (house_number(row["number"], row["number_suffix"]), street.label, unit) if p)
        key = (row["city_id"], label)
        if key in places and places[key].score >= score:
            continue
        places[key] = _point_place(row, label=label, how=How.POINT, score=score)
    found = list(places.values())
    if parsed.street and parsed.number is not None and not exact_streets:
        found += _interpolated(parsed, city=city, limit=limit)
    return found


def _number_rows(parsed: ParsedAddress, city: City | None) -> list[dict[str, Any]]:
    return list(with_prefix(_points(city), "search_key", f"{parsed.number} ").values(*_POINT_FIELDS)[:_PREFIX_ROWS])


def _score(parsed: ParsedAddress, row: dict[str, Any]) -> int:
    score = 0
    if row["number"] == parsed.number:
        score += 100
    if parsed.number_suffix:
        score += 5 if row["number_suffix"] == parsed.number_suffix else -5
    elif row["number_suffix"]:
        score -= 3
    street = parsed.street
    if street.name:
        score += 40 if row["street_name"] == street.name else 20 if row["street_name"].startswith(street.name) else 0
    if street.street_type:
        score += 10 if row["street_type"] == street.street_type else -10
    if street.pre_directional:
        score += 15 if row["pre_directional"] == street.pre_directional else -30
    if street.post_directional:
        score += 10 if row["post_directional"] == street.post_directional else -20
    if parsed.unit:
        score += 8 if unit_id(row["unit"]) == unit_id(parsed.unit) else -4
    elif row["unit"]:
        score -= 2
    if parsed.zip_code and row["zip_code"]:
        score += 5 if row["zip_code"][:5] == parsed.zip_code else -5
    return score


# --- near misses: a number not on the street, a street misspelt ------------------------------

_CLOSE_NAMES_READ = 5000  # distinct street keys read at most, from each table
_CLOSE_NAME_MIN = 4  # letters typed before a close spelling is looked for
_LETTERS = string.ascii_uppercase


def _slips_allowed(name: str) -> int:
    """Letters a close spelling may differ by (an edit: one letter wrong, missing, added, or
    two swapped): one in a name of four or five letters, two from six. So "Nain" is Main or
    Rain, never every street of four letters."""
    return 1 if len(name) <= 5 else 2


def edits(typed: str, name: str, most: int) -> tuple[int, int] | None:
    """(edits from ``typed`` to ``name``, edits from ``typed`` to the nearest beginning of
    ``name``), each counting a letter wrong, missing, added or two neighbours swapped (the
    optimal string alignment distance); None when even the beginning needs more than ``most``."""
    if len(typed) - len(name) > most:
        return None
    before: list[int] = []
    row = list(range(len(name) + 1))
    for i in range(1, len(typed) + 1):
        current = [i] + [0] * len(name)
        for j in range(1, len(name) + 1):
            cost = typed[i - 1] != name[j - 1]
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and typed[i - 1] == name[j - 2] and typed[i - 2] == name[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > most:
            return None
        before, row = row, current
    return row[-1], min(row)


def _near_misses(parsed: ParsedAddress, *, city: City | None, limit: int) -> list[Place]:
    """What to offer when the words match nothing, rather than nothing: the street itself when
    its number is not on it ("101 Main St" on a Main St numbered from 9100), else the streets
    whose names are a close spelling of the one typed ("Mian St"), with the number on them
    when it is there. A directional typed that the street does not have is let go first
    ("SW Main St" for Main St). Each is marked ``instead`` so the page says why it is offered."""
    street = parsed.street
    if not street.name:
        return []
    tries = [street]
    if street.pre_directional or street.post_directional:
        tries.append(Street(name=street.name, street_type=street.street_type))
    if parsed.number is not None:
        for loose in tries[1:]:
            found = _addresses(replace(parsed, street=loose), city=city, limit=limit)
            if found:
                return [replace(p, instead=Instead.SPELLING) for p in found]
        for loose in tries:
            found = _streets(replace(parsed, kind=Kind.STREET, number=None, street=loose), city=city, limit=limit)
            if found:
                return [replace(p, instead=Instead.STREET, score=p.score - 20) for p in found]
    elif len(tries) > 1:
        found = _streets(replace(parsed, street=tries[1]), city=city, limit=limit)
        if found:
            return [replace(p, instead=Instead.SPELLING) for p in found]
    places: list[Place] = []
    for name, kind in _close_names(street, limit=limit):
        close = replace(parsed, street=Street(name=name, street_type=kind))
        if parsed.number is not None:
            found = _addresses(close, city=city, limit=limit)
            if not any(p.number == parsed.number for p in found):
                found = _streets(replace(close, kind=Kind.STREET, number=None), city=city, limit=limit)
        else:
            found = _streets(close, city=city, limit=limit)
        places += [replace(p, instead=Instead.SPELLING, score=p.score - 30) for p in found]
    return places


def _close_names(street: Street, *, limit: int) -> list[tuple[str, str]]:
    """The (name, type) of streets whose names are a close spelling of ``street``'s, closest
    first: at most ``_slips_allowed`` edits from the whole name, or one from its beginning
    (a slip in a name still being typed: "Hilcre"). The names are every city's, read through
    the keys' index: those of the same first letter, and those a slip of the first letter
    gives ("Nain" for Main: any letter then "AI"; "Oland" for Noland: any letter then "OL";
    "Xmain": "MA"; "Amin": "MAI"); a city's search then finds those it has."""
    name = street.name
    if len(name) < _CLOSE_NAME_MIN or not name[0].isalpha():
        return []
    prefixes = {name[0], name[1:3], name[1] + name[0] + name[2:3]}
    prefixes |= {letter + name[1:3] for letter in _LETTERS} | {letter + name[:2] for letter in _LETTERS}
    keys: set[str] = set()
    for model in (AddressPoint, StreetSegment):
        keys.update(street_keys_starting(model, sorted(prefixes), most=_CLOSE_NAMES_READ))
    named: dict[str, set[str]] = {}
    for key in keys:
        known, _, kind = key.rpartition(" ") if " " in key else (key, "", "")
        named.setdefault(known or key, set()).add(kind if known else "")
    most = _slips_allowed(name)
    ranked = []
    for known in named:
        found = edits(name, known, most)
        if found is None:
            continue
        whole, beginning = found
        if whole <= most or (beginning <= 1 and len(name) >= 6 and len(known) > len(name)):
            ranked.append((min(whole, beginning + 1), known[0] != name[0], known))
    found_names: list[tuple[str, str]] = []
    for _slips, _other_first, known in sorted(ranked)[:limit]:
        kinds = sorted(named[known])
        if street.street_type in kinds:
            kinds = [street.street_type]
        found_names += [(known, kind) for kind in kinds]
    return found_names[:limit]


# --- interpolation -------------------------------------------------------------------------


def _street_groups(street: Street, *, city: City | None, limit: int) -> list[tuple[int, str, str, str]]:
    """The streets (city, pre-directional, key, post-directional) that ``street`` may mean."""
    if not street.key:
        return []
    groups: set[tuple[int, str, str, str]] = set()
    for qs in (_points(city), _segments(city)):
        qs = qs.filter(street_key=street.key) if street.street_type else with_prefix(qs, "street_key", street.key)
        if street.pre_directional:
            qs = qs.filter(pre_directional=street.pre_directional)
        if street.post_directional:
            qs = qs.filter(post_directional=street.post_directional)
        rows = qs.values_list("city_id", "pre_directional", "street_key", "post_directional").distinct()
        groups.update(rows[: limit * 2])
    return sorted(groups)[: limit * 2]


def _interpolated(parsed: ParsedAddress, *, city: City | None, limit: int) -> list[Place]:
    assert parsed.number is not None
    places = []
    for city_id, pre, key, post in _street_groups(parsed.street, city=city, limit=limit):
        found = interpolate(
            city_id=city_id, pre_directional=pre, street_key=key, post_directional=post, number=parsed.number
        )
        if found is None:
            continue
        lat, lng = found
        score = 60 + (10 if key == parsed.street.key else 0) + (5 if pre == parsed.street.pre_directional else 0)
        label = f"{house_number(parsed.number, parsed.number_suffix)} {_street_label(pre, key, post)}"
        places.append(
            Place(
                label=label,
                lat=lat,
                lng=lng,
                how=How.INTERPOLATED,
                city_id=city_id,
                score=score,
                number=parsed.number,
                street_key=key,
                pre_directional=pre,
                post_directional=post,
            )
        )
    return places


def interpolate(
    *, city_id: int, pre_directional: str, street_key: str, post_directional: str, number: int
) -> tuple[float, float] | None:
    """Where ``number`` lies on a street: between the nearest numbers on the same side that
    have points (then either side), else along the segment whose range holds it.

    Two neighbours are one stretch of street only when they are close in numbers and on the
    ground (``_ONE_STRETCH``): a city can have two streets of one name far apart (the demo's
    grid repeats its names every 29 blocks), and a number between a point on each would land
    between them, on no street. Such a pair is used only when no segment holds the number.

    Where the street's numbered segments hold a neighbour's number but not ``number``, the
    number falls in a gap between its blocks: a street that leaves the city and comes back has
    points on both sides, and a number between them would be placed where no street is drawn.
    Neighbours that no segment holds say nothing of the ranges, and are used as before."""
    segments = [
        segment
        for segment in StreetSegment.objects.filter(
            city_id=city_id,
            street_key=street_key,
            pre_directional=pre_directional,
            post_directional=post_directional,
        ).only("left_from", "left_to", "right_from", "right_to", "left_parity", "right_parity")
        if _numbered(segment)
    ]
    holding = next((segment for segment in segments if _holds(segment, number) is not None), None)

    def across_a_gap(low: int, high: int) -> bool:
        return holding is None and any(_holds(s, n) is not None for s in segments for n in (low, high))

    street = AddressPoint.objects.filter(
        city_id=city_id, street_key=street_key, pre_directional=pre_directional, post_directional=post_directional
    )
    fields = ("number", "lat", "lng")
    below = list(street.filter(number__lt=number).order_by("-number").values_list(*fields)[:_NEIGHBOURS])
    above = list(street.filter(number__gt=number).order_by("number").values_list(*fields)[:_NEIGHBOURS])
    apart: tuple[float, float] | None = None
    for same_side in (True, False):
        low = next((r for r in below if not same_side or r[0] % 2 == number % 2), None)
        high = next((r for r in above if not same_side or r[0] % 2 == number % 2), None)
        if low is not None and high is not None and not across_a_gap(low[0], high[0]):
            t = (number - low[0]) / (high[0] - low[0])
            between = low[1] + t * (high[1] - low[1]), low[2] + t * (high[2] - low[2])
            numbers, metres = _ONE_STRETCH
            if high[0] - low[0] <= numbers and metres_between(low[1], low[2], high[1], high[2]) <= metres:
                return between
            apart = apart or between
    if holding is not None:
        start, end = _holds(holding, number) or (0, 0)
        t = 0.5 if start == end else (number - start) / (end - start)
        geometry = StreetSegment.objects.values_list("geometry", flat=True).get(pk=holding.pk)
        return point_along(line_coords(geometry), t)
    return apart


def _numbered(segment: StreetSegment) -> bool:
    return (segment.left_from is not None and segment.left_to is not None) or (
        segment.right_from is not None and segment.right_to is not None
    )


def _holds(segment: StreetSegment, number: int) -> tuple[int, int] | None:
    """The (from, to) of the side of ``segment`` whose range holds ``number``, if one does."""
    for start, end, parity in (
        (segment.left_from, segment.left_to, segment.left_parity),
        (segment.right_from, segment.right_to, segment.right_parity),
    ):
        if start is not None and end is not None and _in_range(number, start, end, parity):
            return start, end
    return None


def _in_range(number: int, start: int, end: int, parity: str) -> bool:
    if not min(start, end) <= number <= max(start, end):
        return False
    if parity == "O":
        return number % 2 == 1
    if parity == "E":
        return number % 2 == 0
    if parity == "B":
        return True
    return start % 2 != end % 2 or number % 2 == start % 2  # not given: the ends tell


def line_coords(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    """(lng, lat) pairs of a GeoJSON LineString (a MultiLineString's parts, joined)."""
    if geometry.get("type") == "MultiLineString":
        return [(float(x), float(y)) for part in geometry["coordinates"] for x, y, *_ in part]
    return [(float(x), float(y)) for x, y, *_ in geometry["coordinates"]]


def _local(coords: Sequence[tuple[float, float]], lat0: float) -> list[tuple[float, float]]:
    k = math.cos(math.radians(lat0)) * _M_PER_DEG
    return [(x * k, y * _M_PER_DEG) for x, y in coords]


def point_along(coords: Sequence[tuple[float, float]], t: float) -> tuple[float, float]:
    """The (lat, lng) a fraction ``t`` of the way along a line of (lng, lat) pairs, by length."""
    if len(coords) == 1:
        return coords[0][1], coords[0][0]
    local = _local(coords, coords[0][1])
    lengths = [math.dist(a, b) for a, b in itertools.pairwise(local)]
    goal = max(0.0, min(1.0, t)) * sum(lengths)
    for (a, b), length in zip(itertools.pairwise(coords), lengths, strict=True):
        if goal <= length and length > 0:
            f = goal / length
            return a[1] + f * (b[1] - a[1]), a[0] + f * (b[0] - a[0])
        goal -= length
    return coords[-1][1], coords[-1][0]


# --- streets and intersections -------------------------------------------------------------


def _streets(parsed: ParsedAddress, *, city: City | None, limit: int) -> list[Place]:
    places = []
    groups = _street_groups(parsed.street, city=city, limit=limit)
    for city_id, pre, key, post in groups:
        middle = _street_middle(city_id, pre, key, post)
        if middle is None:
            continue
        score = (
            50 + (10 if key == parsed.street.key else 0) + (5 if pre and pre == parsed.street.pre_directional else 0)
        )
        places.append(
            Place(
                label=_street_label(pre, key, post),
                lat=middle[0],
                lng=middle[1],
                how=How.STREET,
                city_id=city_id,
                score=score,
                street_key=key,
                pre_directional=pre,
                post_directional=post,
            )
        )
    return places


def _street_middle(city_id: int, pre: str, key: str, post: str) -> tuple[float, float] | None:
    where = {"city_id": city_id, "pre_directional": pre, "street_key": key, "post_directional": post}
    mean = AddressPoint.objects.filter(**where).aggregate(lat=Avg("lat"), lng=Avg("lng"))
    if mean["lat"] is not None:
        return mean["lat"], mean["lng"]
    segment = StreetSegment.objects.filter(**where).only("geometry").first()
    return point_along(line_coords(segment.geometry), 0.5) if segment else None


def _street_vertices(city_id: int, pre: str, key: str, post: str) -> list[tuple[float, float]]:
    """(lng, lat) points along a street: its addresses and its segments' vertices."""
    where = {"city_id": city_id, "pre_directional": pre, "street_key": key, "post_directional": post}
    coords = [(lng, lat) for lat, lng in AddressPoint.objects.filter(**where).values_list("lat", "lng")[:5000]]
    for geometry in StreetSegment.objects.filter(**where).values_list("geometry", flat=True)[:2000]:
        coords.extend(line_coords(geometry))
    return coords


# Two streets whose nearest addresses are farther apart than this do not meet.
INTERSECTION_GAP_M = 120.0


def _intersections(parsed: ParsedAddress, *, city: City | None) -> list[Place]:
    import shapely
    from shapely.ops import nearest_points

    assert parsed.cross_street is not None
    places = []
    firsts = _street_groups(parsed.street, city=city, limit=4)
    seconds = _street_groups(parsed.cross_street, city=city, limit=4)
    for a in firsts:
        a_coords = _street_vertices(*a)
        if not a_coords:
            continue
        a_shape = shapely.MultiPoint(a_coords)
        for b in seconds:
            if b[0] != a[0]:
                continue
            b_coords = _street_vertices(*b)
            if not b_coords:
                continue
            pa, pb = nearest_points(a_shape, shapely.MultiPoint(b_coords))
            gap = metres_between(pa.y, pa.x, pb.y, pb.x)
            if gap > INTERSECTION_GAP_M:
                continue
            score = 80 - int(gap / 10)
            places.append(
                Place(
                    label=f"{_street_label(a[1], a[2], a[3])} & {_street_label(b[1], b[2], b[3])}",
                    lat=(pa.y + pb.y) / 2,
                    lng=(pa.x + pb.x) / 2,
                    how=How.INTERSECTION,
                    city_id=a[0],
                    score=score,
                    street_key=a[2],
                    pre_directional=a[1],
                    post_directional=a[3],
                )
            )
    return places


# --- reverse -------------------------------------------------------------------------------


def address_near(lat: float, lng: float, *, city: City | None = None, within_m: float = 250.0) -> Place | None:
    """The address under a pin: the nearest address point, or a number interpolated on the
    nearest street segment when that is clearly nearer; None when nothing is within ``within_m``."""
    point = None
    for radius in (60.0, within_m):
        point = _nearest_point(lat, lng, radius, city)
        if point is not None:
            break
    segment = _nearest_segment(lat, lng, within_m, city)
    if segment is not None and (point is None or (segment.distance_m or 0) + 20 < (point.distance_m or 0)):
        return segment
    return point


def _box(lat: float, lng: float, radius_m: float) -> tuple[float, float]:
    return radius_m / _M_PER_DEG, radius_m / (_M_PER_DEG * max(0.1, math.cos(math.radians(lat))))


# A pin between two streets' addresses is put on the street whose line of addresses passes
# nearest (a house beside a corner is nearer the corner house of the cross street than its
# own neighbours, but lies on its own street's line); streets whose nearest address is more
# than this farther than the nearest of all are not considered.
_STREET_SLACK_M = 30.0
_STREET_LINE_BOX_M = 120.0


def _nearest_point(lat: float, lng: float, radius_m: float, city: City | None) -> Place | None:
    dlat, dlng = _box(lat, lng, max(radius_m, _STREET_LINE_BOX_M))
    rows = _points(city).filter(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))
    scored = [(metres_between(lat, lng, row["lat"], row["lng"]), row) for row in rows.values(*_POINT_FIELDS)]
    if not scored:
        return None
    nearest = min(d for d, _ in scored)
    if nearest > radius_m:
        return None
    streets: dict[tuple[Any, ...], list[tuple[float, dict[str, Any]]]] = {}
    for d, row in scored:
        key = (row["city_id"], row["pre_directional"], row["street_key"], row["post_directional"])
        streets.setdefault(key, []).append((d, row))
    candidates = [key for key, items in streets.items() if min(d for d, _ in items) <= nearest + _STREET_SLACK_M]
    chosen = min(
        candidates,
        key=lambda key: (_line_distance(lat, lng, streets[key]), min(d for d, _ in streets[key])),
    )
    best = min(streets[chosen], key=lambda item: (item[0], item[1]["unit"]))
    d, row = best
    street = Street(row["pre_directional"], row["street_name"], row["street_type"], row["post_directional"])
    label = f"{house_number(row['number'], row['number_suffix'])} {street.label}"
    return _point_place(row, label=label, how=How.NEAREST, distance_m=d)


def _line_distance(lat: float, lng: float, items: list[tuple[float, dict[str, Any]]]) -> float:
    """Distance from the pin to the line through a street's addresses in number order, each
    side of the street apart (one address alone: the distance to it)."""
    best = math.inf
    for parity in (0, 1):
        by_number = {row["number"]: (row["lng"], row["lat"]) for _, row in items if row["number"] % 2 == parity}
        coords = [by_number[n] for n in sorted(by_number)]
        if len(coords) == 1:
            best = min(best, metres_between(lat, lng, coords[0][1], coords[0][0]))
        elif coords:
            best = min(best, _project(lat, lng, coords)[0])
    return best


def _nearest_segment(lat: float, lng: float, radius_m: float, city: City | None) -> Place | None:
    dlat, dlng = _box(lat, lng, radius_m)
    rows = _segments(city).filter(
        min_lat__gte=lat - dlat - _MAX_SEGMENT_SPAN_DEG,
        min_lat__lte=lat + dlat,
        max_lat__gte=lat - dlat,
        min_lng__lte=lng + dlng,
        max_lng__gte=lng - dlng,
    )
    best: tuple[float, StreetSegment, float, float] | None = None
    for segment in rows:
        d, t, side = _project(lat, lng, line_coords(segment.geometry))
        if d <= radius_m and (best is None or d < best[0]):
            best = (d, segment, t, side)
    if best is None:
        return None
    d, segment, t, side = best
    start, end = (segment.left_from, segment.left_to) if side > 0 else (segment.right_from, segment.right_to)
    if start is None or end is None:
        start, end = (segment.right_from, segment.right_to) if side > 0 else (segment.left_from, segment.left_to)
    number = None
    if start is not None and end is not None:
        number = round(start + t * (end - start))
        if start % 2 == end % 2 and number % 2 != start % 2:
            number += 1 if end >= start else -1
    foot = point_along(line_coords(segment.geometry), t)
    street = Street(segment.pre_directional, segment.street_name, segment.street_type, segment.post_directional)
    return Place(
        label=f"{number} {street.label}" if number is not None else street.label,
        lat=foot[0],
        lng=foot[1],
        how=How.INTERPOLATED,
        city_id=segment.city_id,
        distance_m=d,
        number=number,
        street_key=segment.street_key,
        pre_directional=segment.pre_directional,
        post_directional=segment.post_directional,
        zip_code=segment.left_zip if side > 0 else segment.right_zip,
        illustrative=segment.illustrative,
    )


def _project(lat: float, lng: float, coords: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    """Distance (m) from the point to the line, the fraction of the line's length at its foot,
    and which side it is on (> 0 left of the line's direction, < 0 right)."""
    local = _local(coords, lat)
    k = math.cos(math.radians(lat)) * _M_PER_DEG
    px, py = lng * k, lat * _M_PER_DEG
    total = sum(math.dist(a, b) for a, b in itertools.pairwise(local)) or 1.0
    best = (math.inf, 0.0, 0.0)
    walked = 0.0
    for (ax, ay), (bx, by) in itertools.pairwise(local):
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        f = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
        fx, fy = ax + f * dx, ay + f * dy
        d = math.hypot(px - fx, py - fy)
        if d < best[0]:
            best = (d, (walked + f * math.sqrt(length2)) / total, dx * (py - ay) - dy * (px - ax))
        walked += math.sqrt(length2)
    return best


# --- which city a place is in --------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """Where a point lies: the member city whose limits cover it, or else the place outside
    the member cities it belongs to when that is known (a neighbour whose limits the product
    holds, or the city the address data named); both empty when nothing is known."""

    city: str = ""
    outside: str = ""
    # Outside every member city: the one whose limits are near, and how far (tenants.selectors.nearest_limits).
    nearest: str = ""
    metres: float | None = None

    @property
    def is_member(self) -> bool:
        return bool(self.city)


def areas_at(points: Sequence[tuple[float, float]], *, places: Sequence[str] = ()) -> list[Area]:
    """The ``Area`` of each (lat, lng), in one pass over the cached city and neighbour
    indexes (no query per point). ``places`` are the place names the address data gave
    each point, the last resort for one outside every known limit."""
    if not points:
        return []
    lats, lngs = [p[0] for p in points], [p[1] for p in points]
    city_ids = geo.city_index().covering_many(lats, lngs)
    outside = [i for i, pk in enumerate(city_ids) if pk is None]
    neighbour_ids: dict[int, int | None] = {}
    if outside:
        found = geo.neighbour_index().covering_many([lats[i] for i in outside], [lngs[i] for i in outside])
        neighbour_ids = dict(zip(outside, found, strict=True))
    near = {i: limits_near(geo.point(lats[i], lngs[i])) for i in outside}
    wanted_cities = {pk for pk in city_ids if pk} | {pk for hits in near.values() for pk, _metres in hits}
    city_names = dict(City.objects.filter(pk__in=wanted_cities).values_list("pk", "name"))
    wanted = {pk for pk in neighbour_ids.values() if pk}
    neighbour_names = dict(NeighbourArea.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}
    member_names = {name.casefold() for name in city_names.values()}
    areas = []
    for i, city_id in enumerate(city_ids):
        if city_id is not None:
            areas.append(Area(city=city_names.get(city_id, "")))
            continue
        neighbour = neighbour_ids.get(i)
        named = places[i].strip() if i < len(places) else ""
        nearest, metres = next(((city_names[pk], m) for pk, m in near[i] if pk in city_names), ("", None))
        if neighbour:
            place = neighbour_names.get(neighbour, "")
        elif named and named.casefold() not in member_names:
            # Sources write place names in capitals ("KANSAS CITY"): shown as a name.
            place = string.capwords(named) if named.isupper() else named
        else:
            place = ""
        areas.append(Area(outside=place, nearest=nearest, metres=metres))
    return areas


# --- the map's street layer ----------------------------------------------------------------

# Tiles are the web map's usual z/x/y squares (256 px at zoom z), drawn by the maps at 512 px:
# a tile of zoom z is drawn at map zoom z + 1, and its detail is chosen for that.
STREET_TILE_ZOOMS = range(9, 16)
STREET_TILE_FEATURES = 2500  # at most this many lines in a tile, the most important first
STREETS_GENERATION_KEY = "places:streets:generation"


def streets_loaded(*, city: City | None = None) -> bool:
    """Whether the city (or, with no city, any city) has centerlines for the map."""
    qs = Centerline.objects.all()
    return (qs.filter(city=city) if city is not None else qs).exists()


# Whether a city has centerlines, and whether any are the demo's: every case page with a map
# asks, in one plain statement (core/sql.py) rather than two ORM queries.
_STREETS_SHOWN = (
    f'SELECT EXISTS (SELECT 1 FROM "{Centerline._meta.db_table}" WHERE "city_id" = %s),'  # noqa: S608 (its table)
    f' EXISTS (SELECT 1 FROM "{Centerline._meta.db_table}" WHERE "city_id" = %s AND "illustrative")'
)


def streets_shown(*, city: City | None = None) -> tuple[bool, bool]:
    """(``streets_loaded``, ``streets_illustrative``) of the city, asked at once."""
    if city is None:
        return streets_loaded(), streets_illustrative()
    row = first_row(Centerline, _STREETS_SHOWN, [city.pk, city.pk])
    return (bool(row[0]), bool(row[1])) if row is not None else (False, False)


def streets_illustrative(*, city: City | None = None) -> bool:
    """Whether the city's (or any city's) centerlines are the demo's invented ones."""
    qs = Centerline.objects.filter(illustrative=True)
    return (qs.filter(city=city) if city is not None else qs).exists()


def streets_generation() -> str:
    """A token that changes whenever centerlines are loaded (services.streets_load renews it):
    part of every tile's ETag and cache key, so a reload is seen at once."""
    token = cache.get(STREETS_GENERATION_KEY)
    if token is None:
        cache.add(STREETS_GENERATION_KEY, uuid.uuid4().hex[:12], timeout=None)
        token = cache.get(STREETS_GENERATION_KEY) or "0"
    return str(token)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of the web-mercator tile z/x/y."""
    n = 2.0**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def street_rank_shown(map_zoom: int) -> int:
    """The highest (least important) rank drawn at a map zoom: main roads when a whole city
    is in view, every local street from the zoom at which a block is a few pixels wide."""
    if map_zoom <= 10:
        return 1
    if map_zoom <= 12:
        return 2
    if map_zoom <= 14:
        return 3
    return 5


def _shape(geometry: dict[str, Any]) -> shapely.Geometry:
    if geometry.get("type") == "MultiLineString":
        return shapely.MultiLineString(geometry["coordinates"])
    return shapely.LineString(geometry["coordinates"])


def streets_in_tile(z: int, x: int, y: int) -> str:
    """The streets crossing tile z/x/y as a GeoJSON FeatureCollection (its JSON text): clipped to the tile
    (with a margin, so lines join across tile edges), simplified to a pixel of the zoom they
    are drawn at, at most STREET_TILE_FEATURES of them (``truncated`` says if more were left
    out). Each feature has ``name`` and ``rank``."""
    west, south, east, north = tile_bounds(z, x, y)
    margin_x, margin_y = (east - west) / 16, (north - south) / 16
    box = (west - margin_x, south - margin_y, east + margin_x, north + margin_y)
    pixel = (east - west) / 512  # degrees of longitude per pixel where the tile is drawn
    rows = (
        Centerline.objects.filter(
            rank__lte=street_rank_shown(z + 1),
            min_lat__lte=box[3],
            max_lat__gte=box[1],
            min_lng__lte=box[2],
            max_lng__gte=box[0],
        )
        .order_by("rank", "pk")
        .values_list("pk", "name", "rank", "geometry", "illustrative")
    )
    found = list(rows[: STREET_TILE_FEATURES + 1])
    truncated = len(found) > STREET_TILE_FEATURES
    found = found[:STREET_TILE_FEATURES]
    # Clipped, simplified and written by shapely's array functions, all lines at once: a tile
    # of 2,500 lines one by one spent most of its time calling into GEOS.
    shapes = shapely.simplify(
        shapely.clip_by_rect(numpy.array([_shape(g) for _, _, _, g, _ in found], dtype=object), *box),
        pixel,
    )
    texts = shapely.to_geojson(shapely.set_precision(shapes, 1e-6))
    # Written as text: shapely's GeoJSON of each line goes in as it is (decoding it only to
    # encode it again took half of a full tile's time).
    features: list[str] = []
    for (pk, name, rank, _geometry, illustrative), shape, text in zip(found, shapes, texts, strict=True):
        if shape.is_empty or shape.geom_type not in ("LineString", "MultiLineString"):
            continue
        properties = {"name": name, "rank": rank, **({"illustrative": True} if illustrative else {})}
        features.append(
            f'{{"type":"Feature","id":{int(pk)},"properties":{json.dumps(properties, separators=(",", ":"))},'
            f'"geometry":{text}}}'
        )
    return (
        f'{{"type":"FeatureCollection","truncated":{"true" if truncated else "false"},'
        f'"features":[{",".join(features)}]}}'
    )
