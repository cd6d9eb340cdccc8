"""Reading boundaries: real published maps with broken rings are repaired; anything that is
not an area in longitude/latitude is refused with a message that says what is wrong."""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import pytest
import shapely
from django.core.exceptions import ValidationError
from shapely.geometry import shape

from civicdesk.tenants import geo
from civicdesk.tenants.models import City, District
from tests.conftest import SHARED_DATA

SQUARE = [[[-94.40, 39.00], [-94.30, 39.00], [-94.30, 39.10], [-94.40, 39.10], [-94.40, 39.00]]]


@cache
def _neighbourhoods() -> dict[str, Any]:
    with open(SHARED_DATA / "311" / "kcmo" / "KCNeighborhood.json", encoding="utf-8") as fh:
        return json.load(fh)


def _invalid_neighbourhoods() -> list[dict[str, Any]]:
    return [f for f in _neighbourhoods()["features"] if not shape(f["geometry"]).is_valid]


def test_the_kc_neighbourhood_map_really_has_invalid_polygons():
    invalid = _invalid_neighbourhoods()
    assert invalid
    assert all("Self-intersection" in shapely.is_valid_reason(shape(f["geometry"])) for f in invalid)


@pytest.mark.parametrize("feature", _invalid_neighbourhoods(), ids=lambda f: f["properties"]["nbhname"])
def test_an_invalid_neighbourhood_polygon_is_repaired_and_keeps_its_area(feature):
    original = shape(feature["geometry"])
    repaired = geo.shape_from_geojson(feature)
    assert repaired.is_valid
    assert repaired.geom_type in {"Polygon", "MultiPolygon"}
    assert repaired.area == pytest.approx(original.area, rel=0.01)
    # Nothing of the original area is lost in the repair.
    assert original.buffer(0).difference(repaired).area < 1e-6 * original.area


def test_a_bow_tie_is_repaired_into_its_two_lobes():
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[-94.4, 39.0], [-94.3, 39.1], [-94.3, 39.0], [-94.4, 39.1], [-94.4, 39.0]]],
    }
    assert shape(bow_tie).area == pytest.approx(0)  # the lobes cancel out unrepaired
    repaired = geo.shape_from_geojson(bow_tie)
    assert repaired.is_valid
    assert repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(0.005)


def test_the_whole_neighbourhood_collection_loads_as_one_valid_area():
    collection = _neighbourhoods()
    assert len(collection["features"]) == 246
    area = geo.shape_from_geojson(collection)
    assert area.is_valid
    pieces = sum(geo.shape_from_geojson(f).area for f in collection["features"])
    assert area.area == pytest.approx(pieces, rel=0.01)


def test_an_index_of_the_neighbourhoods_finds_each_one_including_the_repaired():
    features = _neighbourhoods()["features"]
    index = geo.AreaIndex([geo.Area(int(f["properties"]["nbhid"]), geo.shape_from_geojson(f)) for f in features])
    for feature in features:
        inner = shape(feature["geometry"]).buffer(0).representative_point()
        assert int(feature["properties"]["nbhid"]) in index.covering(inner)
    repaired = _invalid_neighbourhoods()[0]
    inner = shape(repaired["geometry"]).buffer(0).representative_point()
    assert index.covering_many([inner.y], [inner.x])[0] is not None


def test_geojson_text_is_read_like_parsed_geojson():
    text = json.dumps({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": SQUARE}})
    assert geo.shape_from_geojson(text).area == pytest.approx(0.01)


def test_overlapping_parts_of_a_multipolygon_are_merged():
    twice = {"type": "MultiPolygon", "coordinates": [SQUARE, SQUARE]}
    area = geo.shape_from_geojson(twice)
    assert area.is_valid
    assert area.area == pytest.approx(0.01)


@pytest.mark.parametrize(
    ("geometry", "words"),
    [
        ({"type": "Point", "coordinates": [-94.35, 39.05]}, "not Point"),
        ({"type": "LineString", "coordinates": [[-94.4, 39.0], [-94.3, 39.1]]}, "not LineString"),
        ({"type": "MultiPoint", "coordinates": [[-94.4, 39.0]]}, "not MultiPoint"),
        ({"type": "GeometryCollection", "geometries": []}, "not GeometryCollection"),
        ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [-94.35, 39.05]}}, "not Point"),
        ({"type": "Feature", "geometry": None}, "not something without a geometry type"),
    ],
)
def test_a_geometry_that_is_not_an_area_is_refused(geometry, words):
    with pytest.raises(ValidationError) as exc:
        geo.shape_from_geojson(geometry)
    message = " ".join(exc.value.messages)
    assert "A boundary must be a GeoJSON Polygon or MultiPolygon" in message
    assert words in message


def test_a_collection_with_one_point_among_its_areas_says_which_feature_is_wrong():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": SQUARE}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-94.35, 39.05]}},
        ],
    }
    with pytest.raises(ValidationError, match=r"Feature 2 of 2: A boundary must be .* not Point"):
        geo.shape_from_geojson(collection)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("this is not json", "could not be read as JSON"),
        ("", "could not be read as JSON"),
        (42, "expected an object with a “type”, got int"),
        (None, "expected an object with a “type”, got NoneType"),
        ([[-94.4, 39.0]], "got list"),
        ({}, "not something without a geometry type"),
        ({"type": "FeatureCollection", "features": []}, "holds no features"),
        ({"type": "FeatureCollection"}, "holds no features"),
        ({"type": "Polygon"}, "has no coordinates"),
        ({"type": "Polygon", "coordinates": []}, "has no coordinates"),
        ({"type": "Polygon", "coordinates": "abc"}, "coordinates could not be read"),
        ({"type": "Polygon", "coordinates": [[[-94.4, 39.0], [-94.3, 39.1]]]}, "coordinates could not be read"),
        (
            {"type": "Polygon", "coordinates": [[["west", "north"], [-94.3, 39.0], [-94.3, 39.1], ["west", "north"]]]},
            "could not be read",
        ),
        (
            {"type": "Polygon", "coordinates": [[[-94.4, 39.0], [math.nan, 39.0], [-94.3, 39.1], [-94.4, 39.0]]]},
            "not numbers",
        ),
        (
            {"type": "Polygon", "coordinates": [[[-94.4, 39.0], [-94.3, 39.0], [-94.2, 39.0], [-94.4, 39.0]]]},
            "encloses no area",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_garbage_is_refused_with_a_clear_message(data, words):
    with pytest.raises(ValidationError) as exc:
        geo.shape_from_geojson(data)
    assert exc.value.code == "invalid_boundary"
    assert words in " ".join(exc.value.messages)


def test_projected_coordinates_in_state_plane_feet_are_refused():
    # The KC council districts' own SHAPE.AREA/SHAPE.LEN are in Missouri West state-plane
    # feet; a boundary exported in that system has coordinates in the millions.
    state_plane = {
        "type": "Polygon",
        "coordinates": [[[2750000, 1050000], [2760000, 1050000], [2760000, 1060000], [2750000, 1050000]]],
    }
    with pytest.raises(ValidationError) as exc:
        geo.shape_from_geojson(state_plane)
    message = " ".join(exc.value.messages)
    assert "not in longitude/latitude degrees" in message
    assert "EPSG:4326" in message


def test_latitude_and_longitude_written_the_wrong_way_round_are_refused_with_a_hint():
    swapped = {"type": "Polygon", "coordinates": [[[lat, lng] for lng, lat in SQUARE[0]]]}
    with pytest.raises(ValidationError, match="GeoJSON puts longitude first"):
        geo.shape_from_geojson(swapped)


def test_the_models_refuse_a_boundary_that_is_not_an_area():
    for model in (City, District):
        field = model._meta.get_field("boundary")
        with pytest.raises(ValidationError, match="not LineString"):
            field.run_validators({"type": "LineString", "coordinates": [[-94.4, 39.0], [-94.3, 39.1]]})
        field.run_validators({"type": "Polygon", "coordinates": SQUARE})
