"""Routing a point to a member city on the real city limits (US Census TIGER 2019).

Every expectation is checked against the GeoJSON files themselves first, so a test states
what the data says (this point is in Raytown, that one in no member city) before asking
the code.
"""

from __future__ import annotations

import json
import math
from functools import cache
from itertools import combinations
from typing import Any

import numpy as np
import pytest
import shapely
from django.utils import timezone
from shapely.geometry import Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry

from civicdesk.core.errors import OutsideServiceArea, ValidationError
from civicdesk.tenants import geo
from civicdesk.tenants.models import City, Region
from civicdesk.tenants.selectors import city_at, district_at, location_of
from tests.conftest import CITY_LIMITS, INSIDE

MEMBERS = ["independence", "lees-summit", "blue-springs", "grandview", "raytown"]
ST_LOUIS = (38.6270, -90.1994)
# What a resident reads of any place in none of them: the member cities, by name.
MEMBER_NAMES = (
    "Blue Springs, Grandview, Independence, Lee's Summit or Raytown, the cities this service takes reports for"
)


@cache
def _feature(slug: str) -> dict[str, Any]:
    with open(CITY_LIMITS / f"{slug}.json", encoding="utf-8") as fh:
        return json.load(fh)["features"][0]


@cache
def _limits(slug: str) -> BaseGeometry:
    return shapely.geometry.shape(_feature(slug)["geometry"])


def _internal_point(slug: str) -> tuple[float, float]:
    props = _feature(slug)["properties"]
    return float(props["INTPTLAT"]), float(props["INTPTLON"])


def _members_covering(lng: float, lat: float) -> list[str]:
    return [slug for slug in MEMBERS if _limits(slug).covers(Point(lng, lat))]


def _rings(geom: BaseGeometry) -> list[Any]:
    return [ring for poly in getattr(geom, "geoms", [geom]) for ring in (poly.exterior, *poly.interiors)]


def _far_from_other_members(slug: str, lng: float, lat: float) -> bool:
    return all(_limits(other).distance(Point(lng, lat)) > 1e-6 for other in MEMBERS if other != slug)


def _outside(message_holder: pytest.ExceptionInfo[OutsideServiceArea]) -> str:
    return " ".join(message_holder.value.messages)


# --- inside -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", MEMBERS)
def test_the_census_internal_point_of_each_member_city_is_routed_to_that_city(cities, slug):
    lat, lng = _internal_point(slug)
    assert _members_covering(lng, lat) == [slug]
    assert city_at(lat=lat, lng=lng) == cities[slug]


@pytest.mark.django_db
def test_the_fixture_points_used_by_other_suites_are_inside_their_city(cities):
    for slug, (lat, lng) in INSIDE.items():
        assert _members_covering(lng, lat) == [slug]
        assert city_at(lat=lat, lng=lng) == cities[slug]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", MEMBERS)
def test_random_points_inside_a_member_city_are_routed_to_that_city(cities, slug):
    limits = _limits(slug)
    rng = np.random.default_rng(2019)
    minx, miny, maxx, maxy = limits.bounds
    candidates = shapely.points(rng.uniform(minx, maxx, 2000), rng.uniform(miny, maxy, 2000))
    inside = candidates[shapely.contains(limits, candidates)][:40]
    assert len(inside) == 40
    for pt in inside:
        assert city_at(lat=pt.y, lng=pt.x) == cities[slug]
    # Its district is one of the city's own.
    location = location_of(lat=inside[0].y, lng=inside[0].x)
    assert location.city == cities[slug]
    assert location.district is not None and location.district.city_id == cities[slug].pk


@pytest.mark.django_db
def test_numbers_written_as_text_are_read_as_coordinates(cities):
    lat, lng = INSIDE["grandview"]
    assert city_at(lat=f" {lat} ", lng=str(lng)) == cities["grandview"]


# --- on the boundary line ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", MEMBERS)
def test_a_vertex_of_a_citys_limits_is_routed_to_that_city(cities, slug):
    vertices = [
        (lng, lat)
        for ring in _rings(_limits(slug))
        for lng, lat in ring.coords[::25]
        if _far_from_other_members(slug, lng, lat)
    ]
    assert len(vertices) >= 5
    for lng, lat in vertices:
        assert city_at(lat=lat, lng=lng) == cities[slug]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", MEMBERS)
def test_the_midpoint_of_every_boundary_edge_is_routed_to_that_city(cities, slug):
    limits = _limits(slug)
    midpoints = [
        ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        for ring in _rings(limits)
        for a, b in zip(ring.coords, ring.coords[1:], strict=False)
    ]
    midpoints = [(lng, lat) for lng, lat in midpoints if _far_from_other_members(slug, lng, lat)]
    # Floating point puts many computed midpoints a rounding error off the line, some
    # outside: the routing must still treat them as on it.
    rounded_off = [m for m in midpoints if not limits.covers(Point(m))]
    assert rounded_off, "expected some midpoints to fall a rounding error outside the line"
    assert all(limits.distance(Point(m)) < 1e-12 for m in rounded_off)

    lngs, lats = zip(*midpoints, strict=True)
    assert geo.city_index().covering_many(lats, lngs) == [cities[slug].pk] * len(midpoints)
    for lng, lat in rounded_off[:10]:
        assert city_at(lat=lat, lng=lng) == cities[slug]


def _shared_border_points(a: str, b: str) -> list[tuple[float, float]]:
    """Vertices both cities' limits have in common: points exactly on their shared border."""
    shared = {c for ring in _rings(_limits(a)) for c in ring.coords} & {
        c for ring in _rings(_limits(b)) for c in ring.coords
    }
    return sorted(shared)


BORDERING = [(a, b) for a, b in combinations(MEMBERS, 2) if _limits(a).touches(_limits(b))]


def test_some_member_cities_share_a_border():
    assert ("independence", "raytown") in BORDERING
    assert len(BORDERING) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize(("a", "b"), BORDERING)
def test_a_point_on_a_border_shared_by_two_member_cities_gets_one_of_them_every_time(cities, a, b):
    points = _shared_border_points(a, b)[:15]
    assert points
    expected = min(cities[a].pk, cities[b].pk)
    for lng, lat in points:
        assert sorted(_members_covering(lng, lat)) == sorted([a, b])
        first = city_at(lat=lat, lng=lng)
        assert first in (cities[a], cities[b])
        # Stable: the same answer again, after the index is rebuilt, and the documented
        # tie-break (the lower id) so every process agrees.
        assert city_at(lat=lat, lng=lng) == first
        geo.clear_cache()
        assert city_at(lat=lat, lng=lng) == first
        assert first.pk == expected
    lngs, lats = zip(*points, strict=True)
    assert geo.city_index().covering_many(lats, lngs) == [expected] * len(points)


# --- holes -----------------------------------------------------------------------------


def _holes() -> list[tuple[str, Polygon]]:
    return [
        (slug, Polygon(ring))
        for slug in MEMBERS
        for poly in getattr(_limits(slug), "geoms", [_limits(slug)])
        for ring in poly.interiors
    ]


def test_the_real_limits_have_holes():
    slugs = {slug for slug, _ in _holes()}
    assert {"lees-summit", "blue-springs"} <= slugs


@pytest.mark.django_db
def test_a_point_in_a_hole_of_a_member_city_is_outside_and_its_rim_is_inside(cities):
    checked = 0
    for slug, hole in _holes():
        inner = hole.representative_point()
        if _members_covering(inner.x, inner.y):
            continue  # another member city fills this hole
        with pytest.raises(OutsideServiceArea) as exc:
            city_at(lat=inner.y, lng=inner.x)
        assert MEMBER_NAMES in _outside(exc)
        lng, lat = hole.exterior.coords[0]
        if _far_from_other_members(slug, lng, lat):
            assert city_at(lat=lat, lng=lng) == cities[slug]
        checked += 1
    assert checked >= 10


# --- outside --------------------------------------------------------------------------------


def _outside_points() -> dict[str, tuple[float, float]]:
    return {
        "Sugar Creek": _internal_point("sugar-creek"),
        "Kansas City (downtown)": _internal_point("kansas-city"),
        "Kansas City (between Raytown and Grandview)": (38.9500, -94.5500),
        "Grain Valley": _internal_point("grain-valley"),
        "North Kansas City": _internal_point("north-kansas-city"),
        "St. Louis": ST_LOUIS,
        "0, 0": (0.0, 0.0),
        "the South Pole": (-90.0, 0.0),
        "the antimeridian": (0.0, 180.0),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("where", list(_outside_points()))
def test_a_point_outside_every_member_city_is_refused_in_words(cities, where):
    lat, lng = _outside_points()[where]
    assert _members_covering(lng, lat) == []
    with pytest.raises(OutsideServiceArea) as exc:
        city_at(lat=lat, lng=lng)
    assert MEMBER_NAMES in _outside(exc)
    assert exc.value.code == "outside_service_area"
    assert geo.city_index().covering_many([lat], [lng]) == [None]


@pytest.mark.django_db
def test_the_kansas_city_points_near_member_cities_really_are_in_kansas_city(cities):
    lat, lng = _outside_points()["Kansas City (between Raytown and Grandview)"]
    assert _limits("kansas-city").covers(Point(lng, lat))


# --- invalid coordinates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lng", "words"),
    [
        (95, -94.4, "Latitude must be a number between -90 and 90"),
        (-90.0001, -94.4, "Latitude must be a number between -90 and 90"),
        (39.0, 180.5, "Longitude must be a number between -180 and 180"),
        (math.nan, -94.4, "Latitude must be a number"),
        (39.0, math.nan, "Longitude must be a number"),
        (math.inf, -94.4, "Latitude must be a number"),
        (39.0, -math.inf, "Longitude must be a number"),
        ("1e400", -94.4, "Latitude must be a number"),
        ("nan", -94.4, "Latitude must be a number"),
        ("north", -94.4, "Latitude must be a number between -90 and 90, not “north”"),
        (39.0, "94.4W", "Longitude must be a number"),
        (True, -94.4, "Latitude must be a number"),
        ([39.0], -94.4, "Latitude must be a number"),
        (None, -94.4, "Latitude is missing"),
        (39.0, "  ", "Longitude is missing"),
    ],
)
def test_invalid_coordinates_are_refused_with_a_clear_message(lat, lng, words):
    with pytest.raises(ValidationError) as exc:
        city_at(lat=lat, lng=lng)
    assert not isinstance(exc.value, OutsideServiceArea)
    assert exc.value.code == "invalid_coordinates"
    assert words in " ".join(exc.value.messages)


def test_the_bulk_lookup_gives_no_city_for_missing_or_impossible_coordinates():
    index = geo.AreaIndex([geo.Area(1, box(-95, 38, -94, 40))])
    lats = [39.0, None, math.nan, 95.0, 39.0, math.inf]
    lngs = [-94.5, -94.5, -94.5, -94.5, -200.0, -94.5]
    assert index.covering_many(lats, lngs) == [1, None, None, None, None, None]
    with pytest.raises(ValidationError, match="must be numbers"):
        index.covering_many(["north"], [-94.5])
    with pytest.raises(ValidationError, match="one longitude for each latitude"):
        index.covering_many([39.0, 39.1], [-94.5])


# --- the index follows the database ------------------------------------------------------


@pytest.mark.django_db
def test_a_city_boundary_changed_in_the_database_is_seen_by_the_next_lookup(cities):
    raytown = cities["raytown"]
    lat, lng = INSIDE["raytown"]
    assert city_at(lat=lat, lng=lng) == raytown
    index = geo.city_index()
    assert geo.city_index() is index, "the index is built once, not per lookup"

    # Redraw Raytown's limits around St. Louis, through the ORM as the admin would.
    raytown.boundary = mapping(box(ST_LOUIS[1] - 0.05, ST_LOUIS[0] - 0.05, ST_LOUIS[1] + 0.05, ST_LOUIS[0] + 0.05))
    raytown.save()

    with pytest.raises(OutsideServiceArea):
        city_at(lat=lat, lng=lng)
    assert city_at(lat=ST_LOUIS[0], lng=ST_LOUIS[1]) == raytown
    assert geo.city_index() is not index


@pytest.mark.django_db
def test_a_bulk_update_that_sets_updated_at_is_seen_too(cities):
    lat, lng = INSIDE["grandview"]
    assert city_at(lat=lat, lng=lng) == cities["grandview"]
    City.objects.filter(pk=cities["grandview"].pk).update(
        boundary=mapping(box(0, 0, 0.1, 0.1)), updated_at=timezone.now()
    )
    with pytest.raises(OutsideServiceArea):
        city_at(lat=lat, lng=lng)


@pytest.mark.django_db
def test_a_city_added_to_the_database_is_seen_by_the_next_lookup(cities):
    lat, lng = _internal_point("grain-valley")
    with pytest.raises(OutsideServiceArea):
        city_at(lat=lat, lng=lng)
    grain_valley = City.objects.create(
        region=Region.objects.get(),
        name="Grain Valley",
        slug="grain-valley",
        jurisdiction_id="grain-valley.test",
        case_prefix="GVY",
        boundary=_feature("grain-valley")["geometry"],
    )
    assert city_at(lat=lat, lng=lng) == grain_valley


@pytest.mark.django_db
def test_a_district_boundary_changed_in_the_database_is_seen_by_the_next_lookup(cities):
    independence = cities["independence"]
    lat, lng = INSIDE["independence"]
    before = district_at(city=independence, lat=lat, lng=lng)
    assert before is not None
    # Hand the whole city to another district.
    other = independence.districts.exclude(pk=before.pk).first()
    before.boundary = mapping(box(0, 0, 0.1, 0.1))
    before.save()
    other.boundary = independence.boundary
    other.save()
    assert district_at(city=independence, lat=lat, lng=lng) == other


@pytest.mark.django_db
def test_a_report_reads_its_district_with_the_index_and_a_renamed_district_is_seen(cities, django_assert_num_queries):
    """The district's row is read with its shape when the index is built: a report at a
    point asks the database nothing more for it, and gets a copy of its own."""
    independence = cities["independence"]
    lat, lng = INSIDE["independence"]
    first = district_at(city=independence, lat=lat, lng=lng)  # builds the index
    assert first is not None
    with django_assert_num_queries(1):  # the index's freshness stamp (GEO_FRESHNESS_SECONDS=0 in tests)
        again = district_at(city=independence, lat=lat, lng=lng)
    assert again == first and again is not first
    again.name = "Changed in one request only"
    assert district_at(city=independence, lat=lat, lng=lng).name == first.name
    # Saved under a new name: the stamp changes, the index and its rows are read again.
    first.name = "Northwest District"
    first.save()
    assert district_at(city=independence, lat=lat, lng=lng).name == "Northwest District"


@pytest.mark.django_db
def test_the_city_a_report_was_sent_to_is_not_read_again_when_the_point_is_in_it(cities, django_assert_num_queries):
    independence, raytown = cities["independence"], cities["raytown"]
    lat, lng = INSIDE["independence"]
    location_of(lat=lat, lng=lng)  # the indexes built
    with django_assert_num_queries(2):  # the two indexes' freshness stamps, nothing else
        assert location_of(lat=lat, lng=lng, known=independence).city is independence
    # Sent to Raytown, the point is in Independence: Independence is read, not Raytown kept.
    found = location_of(lat=lat, lng=lng, known=raytown).city
    assert found == independence and found is not raytown


@pytest.mark.django_db
def test_a_boundary_broken_behind_the_models_back_does_not_stop_other_cities(cities, caplog):
    # A raw update skips the model's validators: Blue Springs now holds a Point.
    City.objects.filter(pk=cities["blue-springs"].pk).update(
        boundary={"type": "Point", "coordinates": [-94.28, 39.01]}, updated_at=timezone.now()
    )
    lat, lng = INSIDE["raytown"]
    assert city_at(lat=lat, lng=lng) == cities["raytown"]
    assert "left out of routing" in caplog.text
