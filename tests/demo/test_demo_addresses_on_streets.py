"""Every address the demo's gazetteer offers lies on a street of its name that the map draws,
and no member city has two north-south streets of one name.

On 2026-12-07 "9150 Main St" in Blue Springs was placed between Ridgeview Dr and Hillcrest Dr,
on no street: the grid named its north-south lines from 29 names, so Blue Springs had two Main
St lines 29 blocks apart, and the number was interpolated between a case's address on each. The
gazetteer's points were also each case's pin, up to half a block off the street they name. The
grid's names now come back only after 21 miles, wider than the five cities together.

Later that day the same month of demo, loaded at 14:30, had "12646 River Blvd" 414 m off: River
Blvd leaves the city and comes back, its points on both sides of the gap, and the number was
interpolated between them where no street is drawn. The load is pinned to that moment (the
cases a load makes depend on the hour it ends at).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict

import pytest
import shapely
from shapely.geometry import shape

from civicdesk.cases.models import ServiceRequest
from civicdesk.core import clock
from civicdesk.demo import loader, streets
from civicdesk.demo.places import DEFAULT_DATA_DIR, MEMBER_CITIES, city_boundary
from civicdesk.places.models import AddressPoint, Street
from civicdesk.places.selectors import address_search
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

ON_THE_LINE_M = 5.0


def _metres(geometry: shapely.Geometry, lat0: float) -> shapely.Geometry:
    scale = 111_320.0
    return shapely.transform(
        geometry, lambda xy: xy * [scale * math.cos(math.radians(lat0)), scale]
    )  # lng, lat degrees to local metres


def test_every_offered_address_of_a_city_lies_on_a_drawn_street_of_its_name() -> None:
    # A month: enough cases that many streets have several addresses.
    with clock.frozen_at(dt.datetime(2026, 12, 7, 14, 30, tzinfo=dt.UTC)):
        loader.load_demo(days=30, scale=0.6, today=dt.date(2026, 12, 7))
    city = City.objects.get(slug="blue-springs")
    lat0 = shape(city.boundary).centroid.y
    drawn: dict[str, list[shapely.Geometry]] = defaultdict(list)
    for name, geometry in Street.objects.filter(city=city, illustrative=True).values_list("name", "geometry"):
        drawn[name].append(_metres(shape(geometry), lat0))
    lines = {name: shapely.union_all(parts) for name, parts in drawn.items()}
    assert len(lines) > 40  # the grid is there: named and numbered streets

    def off_its_street(label: str, lat: float, lng: float) -> float:
        name = label.split(" ", 1)[1]
        assert name in lines, label
        return float(lines[name].distance(_metres(shapely.Point(lng, lat), lat0)))

    points = list(AddressPoint.objects.filter(city=city, illustrative=True))
    assert len(points) > 20
    # The gazetteer's own addresses, as the search offers them.
    for point in points:
        found = address_search(point.search_key, city=city, limit=1)
        assert found, point.search_key
        place = found[0]
        assert off_its_street(place.label, place.lat, place.lng) <= ON_THE_LINE_M, place.label

    # Each north-south name is one line of the city (the numbered east-west streets are all
    # "E nth St"): drawn on one longitude, its addresses beside it, none 29 blocks away.
    north_south = {name: line for name, line in lines.items() if not name.startswith("E ")}
    assert len(north_south) > 40
    for name, line in north_south.items():
        west, _south, east, _north = line.bounds
        assert east - west < 1.0, name  # metres
    west_east: dict[str, list[float]] = defaultdict(list)
    for point in points:
        if not point.pre_directional:
            west_east[point.street_key].append(point.lng)
    assert len(west_east) > 5
    for key, lngs in west_east.items():
        assert (max(lngs) - min(lngs)) * 111_320 * math.cos(math.radians(lat0)) <= 2 * ON_THE_LINE_M, key

    # Numbers typed between two of a street's addresses, interpolated: on the street too.
    by_street: dict[str, list[int]] = defaultdict(list)
    for place in (address_search(p.search_key, city=city, limit=1)[0] for p in points):
        by_street[place.label.split(" ", 1)[1]].append(place.number or 0)
    typed = 0
    for name, numbers in by_street.items():
        numbers.sort()
        for low, high in itertools.pairwise(numbers):
            number = (low + high) // 2
            found = address_search(f"{number} {name}", city=city, limit=1)
            if not found or found[0].label != f"{number} {name}":
                continue  # a number on no block of the street: nothing to place
            typed += 1
            assert off_its_street(found[0].label, found[0].lat, found[0].lng) <= ON_THE_LINE_M, found[0].label
    assert typed > 10

    # The demo's pinned cases: each address is found on a street of its name.
    cases = ServiceRequest.objects.filter(city=city, lat__isnull=False).exclude(address="")
    assert cases.exists()
    for address in cases.values_list("address", flat=True).distinct():
        found = address_search(address, city=city, limit=1)
        assert found and found[0].label == address, address
        assert off_its_street(address, found[0].lat, found[0].lng) <= ON_THE_LINE_M, address


def test_no_member_city_has_two_north_south_streets_of_one_name() -> None:
    """Every grid line that reaches into a city's limits has its own name there, and across the
    five cities (the grid continues across city lines); an arterial's name before "Rd" is no
    local street's, so "9150 Main" typed without its type is one street."""
    everywhere: dict[int, str] = {}
    for spec in MEMBER_CITIES:
        west, _south, east, _north = shape_from_geojson(city_boundary(DEFAULT_DATA_DIR, spec.slug)).bounds
        ks = range(math.floor(west / streets.DLNG), math.ceil(east / streets.DLNG) + 1)
        names = [streets._north_south_name(k) for k in ks]
        assert len(names) > 25, spec.slug  # Raytown, the narrowest, is 28 lines wide
        assert len(set(names)) == len(names), [n for n in names if names.count(n) > 1]
        everywhere.update(zip(ks, names, strict=True))
    assert len(everywhere) > 145  # Grandview's west edge to Independence's east one
    assert len(set(everywhere.values())) == len(everywhere)
    roads = {name.removesuffix(" Rd") for name in everywhere.values() if name.endswith(" Rd")}
    local = {name.rsplit(" ", 1)[0] for name in everywhere.values() if not name.endswith(" Rd")}
    assert len(roads) > 15 and not roads & local
