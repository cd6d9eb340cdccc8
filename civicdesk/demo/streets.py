"""The demo's street map: an invented grid of streets inside each member city, flagged
illustrative, so that ``make run`` draws streets with names under the pins.

No street centerlines of the member cities are at hand (docs/geocoding.md says where a city gets
its own: the Census TIGER/Line ROADS file). The demo's case addresses are invented too and
carry no geometry, so nothing real can be drawn from them. The grid follows the region's own
pattern: a section-line arterial every mile and local streets every eighth of a mile, north-south
streets named, east-west streets numbered. The lines are anchored on the same global grid for
every city, so they continue across city lines. The map says "Illustrative streets".
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import shapely
from shapely.geometry import LineString, mapping

from civicdesk.demo import texts
from civicdesk.places.models import Source, Street
from civicdesk.places.readers import StreetRow
from civicdesk.places.services import LoadReport, streets_load
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City

BLOCK_M = 201.0  # an eighth of a mile
BLOCKS_PER_MILE = 8
NORTH_ORIGIN = 39.2  # 1st St's latitude: the numbers grow southwards, as in the region
_M_PER_DEG = 111_320.0


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def illustrative_street_rows(city: City) -> Iterator[tuple[int, StreetRow | str]]:
    """The invented grid clipped to the city's limits, one row per street line."""
    shape = shape_from_geojson(city.boundary)
    west, south, east, north = shape.bounds
    dlat = BLOCK_M / _M_PER_DEG
    dlng = BLOCK_M / (_M_PER_DEG * math.cos(math.radians(NORTH_ORIGIN)))
    shapely.prepare(shape)
    rows: list[StreetRow] = []
    for k in range(math.floor(west / dlng), math.ceil(east / dlng) + 1):
        major = k % BLOCKS_PER_MILE == 0
        pool = texts.STREETS
        name = pool[(k // BLOCKS_PER_MILE if major else k) % len(pool)]
        if major:
            name = name.rsplit(" ", 1)[0] + " Rd"
        rows.extend(_clipped(shape, f"ns:{k}", name, major, [(k * dlng, south - dlat), (k * dlng, north + dlat)]))
    for j in range(math.floor(south / dlat), math.ceil(north / dlat) + 1):
        number = round((NORTH_ORIGIN - j * dlat) / dlat) + 1
        if number < 1:
            continue
        major = number % BLOCKS_PER_MILE == 0
        name = f"E {_ordinal(number)} St"
        rows.extend(_clipped(shape, f"ew:{j}", name, major, [(west - dlng, j * dlat), (east + dlng, j * dlat)]))
    yield from enumerate(rows, start=1)


def _clipped(
    shape: shapely.Geometry, source_id: str, name: str, major: bool, line: list[tuple[float, float]]
) -> list[StreetRow]:
    inside = shape.intersection(LineString(line))
    if inside.is_empty:
        return []
    geometry = mapping(inside)
    if geometry["type"] == "LineString":
        lines = [geometry["coordinates"]]
    elif geometry["type"] == "MultiLineString":
        lines = list(geometry["coordinates"])
    else:  # a grid line touching the limits at a point, or collinear pieces with points
        lines = [list(g.coords) for g in getattr(inside, "geoms", []) if g.geom_type == "LineString"]
    lines = [[(float(x), float(y)) for x, y, *_ in part] for part in lines if len(part) >= 2]
    if not lines:
        return []
    return [StreetRow(source_id=source_id, name=name, kind="S1200" if major else "S1400", lines=lines)]


def demo_streets_load(*, cities: list[City]) -> list[LoadReport]:
    """The invented grid for each city that has no street map of its own (idempotent)."""
    reports = []
    for city in cities:
        if Street.objects.filter(city=city).exclude(source=Source.INVENTED).exists():
            continue  # the city has loaded its real streets: no invented ones beside them
        rows = illustrative_street_rows(city)
        reports.append(streets_load(city=city, rows=rows, source=Source.INVENTED, illustrative=True))
    return reports
