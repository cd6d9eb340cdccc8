"""The demo's street map: an invented grid of streets inside each member city, flagged
illustrative, so that ``make run`` draws streets with names under the pins.

No street centerlines of the member cities are at hand (docs/geocoding.md says where a city gets
its own: the Census TIGER/Line ROADS file), and the demo's cases, invented, have nothing real
to draw either. The grid follows the region's own
pattern: a section-line arterial every mile and local streets every eighth of a mile, north-south
streets named, east-west streets numbered. The lines are anchored on the same global grid for
every city, so they continue across city lines. The map says "Illustrative streets".

The demo's cases take their address from the same grid (``address_at``), and the grid's
blocks are the gazetteer's street segments with the same house numbers: a pin's address is
the street the map draws under it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import shapely
from shapely.geometry import LineString, mapping

from civicdesk.demo import texts
from civicdesk.places.models import Source, Street, StreetSegment
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import SegmentRow, StreetRow
from civicdesk.places.services import LoadReport, segments_load, streets_load
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City

BLOCK_M = 201.0  # an eighth of a mile
BLOCKS_PER_MILE = 8
NORTH_ORIGIN = 39.2  # 1st St's latitude: the numbers grow southwards, as in the region
_M_PER_DEG = 111_320.0


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# A block's hundred house numbers, as in the region: 6600 to 6698 on one side of a block.
NUMBERS_PER_BLOCK = 100
# East-west streets are numbered eastwards from State Line Road, the Missouri-Kansas line.
STATE_LINE_LNG = -94.6075
DLAT = BLOCK_M / _M_PER_DEG
DLNG = BLOCK_M / (_M_PER_DEG * math.cos(math.radians(NORTH_ORIGIN)))
# The grid lines of 1st St and of State Line Road: the hundreds of a street's numbers change
# at its cross streets, so the block south of E 64th St is the 6400 block.
_J_FIRST_ST = round(NORTH_ORIGIN / DLAT)
_K_STATE_LINE = round(STATE_LINE_LNG / DLNG)


def _blocks_south(lat: float) -> float:
    """Blocks south of 1st St's line, plus one: n on the line of E nth St."""
    return _J_FIRST_ST - lat / DLAT + 1


def _blocks_east(lng: float) -> float:
    """Blocks east of State Line Road."""
    return lng / DLNG - _K_STATE_LINE


def _north_south_name(k: int) -> str:
    """The name of the k-th north-south line of the grid (k * DLNG degrees of longitude): the
    mile's arterial "... Rd" on a mile line, else the next local street's name, west to east.
    The names come back only after 21 miles of local streets and 24 of arterials, wider than
    the five member cities together, so no city has two streets of one name."""
    mile, block = divmod(k, BLOCKS_PER_MILE)
    if block == 0:
        return f"{texts.GRID_ROADS[mile % len(texts.GRID_ROADS)]} Rd"
    local = mile * (BLOCKS_PER_MILE - 1) + block - 1
    return texts.GRID_STREETS[local % len(texts.GRID_STREETS)]


def _east_west_number(j: int) -> int:
    """The number of the j-th east-west line (j * DLAT degrees of latitude): 1st St at NORTH_ORIGIN."""
    return _J_FIRST_ST - j + 1


def address_at(lat: float, lng: float) -> str:
    """The invented address of a point: on the nearest street of the grid, with the number
    its position gives, even on the east and north sides of a street, as the map draws it.
    North-south streets count southwards from 1st St, east-west ones eastwards from State
    Line Road, a hundred numbers a block, changing hundreds at the cross streets."""
    k, j = lng / DLNG, lat / DLAT
    k_near, j_near = round(k), round(j)
    if abs(k - k_near) <= abs(j - j_near) or _east_west_number(j_near) < 1:
        number = int(_blocks_south(lat) * NUMBERS_PER_BLOCK)
        even = k >= k_near  # east of the street
        name = _north_south_name(k_near)
    else:
        number = int(_blocks_east(lng) * NUMBERS_PER_BLOCK)
        even = j >= j_near  # north of the street
        name = f"E {_ordinal(_east_west_number(j_near))} St"
    number = max(number - number % 2 + (0 if even else 1), 1)
    return f"{number} {name}"


def address_point(lat: float, lng: float) -> tuple[float, float]:
    """Where ``address_at``'s address lies: the point of its street's line (the line the map
    draws) level with ``lat``, ``lng``, at the place its number gives. A pin is anywhere in
    its block; the gazetteer's address is on the street it names."""
    k, j = lng / DLNG, lat / DLAT
    k_near, j_near = round(k), round(j)
    if abs(k - k_near) <= abs(j - j_near) or _east_west_number(j_near) < 1:
        return lat, k_near * DLNG
    return j_near * DLAT, lng


def illustrative_street_rows(city: City) -> Iterator[tuple[int, StreetRow | str]]:
    """The invented grid clipped to the city's limits, one row per street line."""
    shape = shape_from_geojson(city.boundary)
    west, south, east, north = shape.bounds
    dlat, dlng = DLAT, DLNG
    shapely.prepare(shape)
    rows: list[StreetRow] = []
    for k in range(math.floor(west / dlng), math.ceil(east / dlng) + 1):
        major = k % BLOCKS_PER_MILE == 0
        name = _north_south_name(k)
        rows.extend(_clipped(shape, f"ns:{k}", name, major, [(k * dlng, south - dlat), (k * dlng, north + dlat)]))
    for j in range(math.floor(south / dlat), math.ceil(north / dlat) + 1):
        number = _east_west_number(j)
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


def _numbers(a: float, b: float) -> tuple[int, int, int, int]:
    """Even from/to and odd from/to of a block whose numbers run from ``a`` to ``b`` hundreds
    of blocks (``address_at``'s arithmetic, so a number interpolated on the block is the
    number ``address_at`` gives the point)."""
    start, end = int(a * NUMBERS_PER_BLOCK), int(b * NUMBERS_PER_BLOCK)
    even = (max(start - start % 2, 0), max(end - end % 2, 0))
    odd = (max(start - start % 2 + 1, 1), max(end - end % 2 + 1, 1))
    return even[0], even[1], odd[0], odd[1]


def illustrative_segment_rows(city: City) -> Iterator[tuple[int, SegmentRow | str]]:
    """The grid's blocks inside the city's limits as street segments with house numbers, so
    that a pin anywhere on the map reads the address of the street under it and a typed
    number on a street is found between its corners. North-south lines run north to south
    and east-west ones west to east: the even (east, north) side is then on their left.

    A block the limits cut is cut as the map's street is (``illustrative_street_rows``), and
    its numbers are those of the part kept: no segment reaches where no street is drawn, so a
    number typed in a gap of a street that leaves the city is on none of its blocks."""
    shape = shape_from_geojson(city.boundary)
    west, south, east, north = shape.bounds
    blocks: list[tuple[str, str, bool, float, float, float, float]] = []  # id, name, north-south, x1 y1 x2 y2
    for k in range(math.floor(west / DLNG), math.ceil(east / DLNG) + 1):
        lng = k * DLNG
        name = _north_south_name(k)
        for j in range(math.ceil(north / DLAT), math.floor(south / DLAT), -1):
            blocks.append((f"ns:{k}:{j}", name, True, lng, j * DLAT, lng, (j - 1) * DLAT))
    for j in range(math.floor(south / DLAT), math.ceil(north / DLAT) + 1):
        number = _east_west_number(j)
        if number < 1:
            continue
        lat = j * DLAT
        name = f"E {_ordinal(number)} St"
        for k in range(math.floor(west / DLNG), math.ceil(east / DLNG)):
            blocks.append((f"ew:{j}:{k}", name, False, k * DLNG, lat, (k + 1) * DLNG, lat))
    lines = shapely.linestrings([[(b[3], b[4]), (b[5], b[6])] for b in blocks]) if blocks else np.zeros(0, object)
    shapely.prepare(shape)
    kept = shapely.intersection(lines, shape)
    number = 0
    for (source_id, name, north_south, *_), inside in zip(blocks, kept, strict=True):
        parts = [g for g in getattr(inside, "geoms", [inside]) if g.geom_type == "LineString" and g.length > 0]
        for i, part in enumerate(parts):
            (x1, y1), (x2, y2) = _ends(part, north_south)
            if north_south:
                even_from, even_to, odd_from, odd_to = _numbers(_blocks_south(y1), _blocks_south(y2))
            else:
                even_from, even_to, odd_from, odd_to = _numbers(_blocks_east(x1), _blocks_east(x2))
            number += 1
            yield (
                number,
                SegmentRow(
                    source_id=source_id if i == 0 else f"{source_id}:{i}",
                    street=parse_street(name),
                    left_from=even_from,
                    left_to=even_to,
                    right_from=odd_from,
                    right_to=odd_to,
                    left_parity="E",
                    right_parity="O",
                    left_zip="",
                    right_zip="",
                    coords=[(x1, y1), (x2, y2)],
                ),
            )


def _ends(part: shapely.LineString, north_south: bool) -> tuple[tuple[float, float], tuple[float, float]]:
    """A cut block's two ends, north to south or west to east (its numbers' direction)."""
    ends = sorted((float(x), float(y)) for x, y, *_ in (part.coords[0], part.coords[-1]))  # west first
    if north_south:
        ends.sort(key=lambda end: -end[1])  # north first
    return ends[0], ends[1]


def demo_streets_load(*, cities: list[City]) -> list[LoadReport]:
    """The invented grid for each city that has no street map of its own, as the map's
    streets and as the gazetteer's segments with house numbers (idempotent)."""
    reports = []
    for city in cities:
        if (
            Street.objects.filter(city=city).exclude(source=Source.INVENTED).exists()
            or StreetSegment.objects.filter(city=city).exclude(source=Source.INVENTED).exists()
        ):
            continue  # the city has loaded its real streets: no invented ones beside them
        rows = illustrative_street_rows(city)
        reports.append(streets_load(city=city, rows=rows, source=Source.INVENTED, illustrative=True))
        segments = illustrative_segment_rows(city)
        reports.append(segments_load(city=city, rows=segments, source=Source.INVENTED, illustrative=True))
    return reports
