"""Streets under the map: loading centerlines (TIGER/Line ROADS, a city's GeoJSON or CSV export,
the segments already loaded), the tiles the maps draw them from, and the demo's invented grid."""

from __future__ import annotations

import json
import math
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import shapefile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from shapely.geometry import MultiLineString

from civicdesk.catalog.models import ServiceType
from civicdesk.demo.streets import demo_streets_load, illustrative_street_rows
from civicdesk.places import selectors
from civicdesk.places.models import Source, Street
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import SegmentRow
from civicdesk.places.services import segments_load, street_rank
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

LAT, LNG = 39.0800, -94.4150  # inside Independence


def _tile(lat: float, lng: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    r = math.radians(lat)
    return z, int((lng + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)


def _load(city: City, fmt: str, *args: str) -> str:
    out = StringIO()
    call_command("load_streets", *args, "--city", city.slug, "--format", fmt, stdout=out)
    return out.getvalue()


def _roads(path: Path) -> Path:
    """A TIGER/Line ROADS shapefile with its real fields (LINEARID, FULLNAME, RTTYP, MTFCC)."""
    with shapefile.Writer(str(path), shapeType=shapefile.POLYLINE) as w:
        w.field("LINEARID", "C", size=22)
        w.field("FULLNAME", "C", size=100)
        w.field("RTTYP", "C", size=1)
        w.field("MTFCC", "C", size=5)
        w.line([[[LNG, LAT - 0.004], [LNG, LAT], [LNG, LAT + 0.004]]])
        w.record("1101", "S Noland Rd", "M", "S1400")
        w.line([[[LNG - 0.01, LAT + 0.001], [LNG + 0.01, LAT + 0.001]], [[LNG + 0.01, LAT + 0.001], [LNG + 0.02, LAT]]])
        w.record("1102", "I- 70", "I", "S1100")
        w.line([[[LNG - 0.002, LAT - 0.002], [LNG + 0.002, LAT - 0.002]]])
        w.record("", "E 23rd St", "M", "S1400")
        w.line([[[LNG, LAT]]])
        w.record("1104", "Dot Ln", "M", "S1400")
        w.line([[[LNG - 0.003, LAT + 0.003], [LNG + 0.003, LAT + 0.003]]])
        w.record("1105", "", "M", "S1730")  # an unnamed alley: drawn, not labelled
    return path.with_suffix(".shp")


def test_tiger_roads_load_reports_bad_records_and_reload_changes_nothing(tmp_path: Path, independence: City) -> None:
    shp = _roads(tmp_path / "tl_2024_29095_roads")
    out = _load(independence, "tiger-roads", str(shp))
    assert "5 streets read" in out and "3 new" in out and "2 not loaded" in out
    assert "line 3: no LINEARID" in out
    assert "line 4: the line has fewer than two points" in out
    noland = Street.objects.get(city=independence, source=Source.TIGER_ROADS, source_id="1101")
    assert (noland.name, noland.kind, noland.rank) == ("S Noland Rd", "S1400", 3)
    assert noland.geometry["type"] == "LineString" and len(noland.geometry["coordinates"]) == 3
    assert noland.min_lat == pytest.approx(LAT - 0.004) and noland.max_lat == pytest.approx(LAT + 0.004)
    interstate = Street.objects.get(source_id="1102")
    assert interstate.geometry["type"] == "MultiLineString" and interstate.rank == 1
    assert Street.objects.get(source_id="1105").rank == 5
    assert "0 new, 0 changed, 3 unchanged" in _load(independence, "tiger-roads", str(shp))


def test_a_changed_centerline_is_updated_in_place(tmp_path: Path, independence: City) -> None:
    _load(independence, "tiger-roads", str(_roads(tmp_path / "a")))
    first = Street.objects.get(source_id="1101")
    with shapefile.Writer(str(tmp_path / "b"), shapeType=shapefile.POLYLINE) as w:
        for name, size in (("LINEARID", 22), ("FULLNAME", 100), ("MTFCC", 5)):
            w.field(name, "C", size=size)
        w.line([[[LNG, LAT - 0.004], [LNG + 0.0001, LAT + 0.004]]])
        w.record("1101", "S Noland Rd", "S1200")
    out = _load(independence, "tiger-roads", str(tmp_path / "b.shp"))
    assert "0 new, 1 changed" in out
    again = Street.objects.get(source_id="1101")
    assert again.pk == first.pk and again.rank == 2 and len(again.geometry["coordinates"]) == 2


def test_not_a_roads_file_says_what_is_missing(tmp_path: Path, independence: City) -> None:
    with shapefile.Writer(str(tmp_path / "x"), shapeType=shapefile.POLYLINE) as w:
        w.field("TLID", "C", size=10)
        w.line([[[LNG, LAT], [LNG, LAT + 0.001]]])
        w.record("1")
    with pytest.raises(CommandError, match="no LINEARID, FULLNAME, MTFCC field"):
        _load(independence, "tiger-roads", str(tmp_path / "x.shp"))


def _export(tmp_path: Path) -> tuple[Path, Path]:
    features = [
        {
            "type": "Feature",
            "properties": {"CL_ID": "77", "ST_NAME": "S NOLAND RD", "CLASS": "Minor Arterial"},
            "geometry": {"type": "LineString", "coordinates": [[LNG, LAT], [LNG, LAT + 0.003]]},
        },
        {
            "type": "Feature",
            "properties": {"CL_ID": "78", "ST_NAME": "E TWENTY-THIRD ST", "CLASS": "Local"},
            "geometry": {"type": "Point", "coordinates": [LNG, LAT]},
        },
        {
            "type": "Feature",
            "properties": {"CL_ID": "79", "ST_NAME": "W MAPLE AVE", "CLASS": "Local"},
            "geometry": {"type": "LineString", "coordinates": [[LNG, LAT], [LNG, 95.0]]},
        },
        {
            "type": "Feature",
            "properties": {"CL_ID": "", "ST_NAME": "ELM ST", "CLASS": "Local"},
            "geometry": {"type": "LineString", "coordinates": [[LNG, LAT], [LNG + 0.001, LAT]]},
        },
    ]
    data = tmp_path / "centerlines.geojson"
    data.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    mapping = tmp_path / "centerlines.yaml"
    mapping.write_text("columns:\n  name: ST_NAME\n  kind: CLASS\n  id: CL_ID\n", encoding="utf-8")
    return data, mapping


def test_city_geojson_export_with_a_mapping(tmp_path: Path, independence: City) -> None:
    data, mapping = _export(tmp_path)
    out = _load(independence, "geojson", str(data), "--mapping", str(mapping))
    assert "4 streets read" in out and "1 new" in out and "3 not loaded" in out
    assert "line 2: a Point, not a line" in out
    assert "line 3: coordinates -94.415, 95.0 are not a longitude and latitude" in out
    assert "line 4: no id" in out
    street = Street.objects.get(city=independence, source=Source.CITY)
    # A name in capitals is read as a street and written as people read it.
    assert (street.name, street.kind, street.rank) == ("S Noland Rd", "Minor Arterial", 2)
    assert "0 new, 0 changed, 1 unchanged" in _load(independence, "geojson", str(data), "--mapping", str(mapping))


def test_city_csv_export_carries_lines_as_wkt(tmp_path: Path, independence: City) -> None:
    data = tmp_path / "centerlines.csv"
    data.write_text(
        "OBJECTID,FULLNAME,WKT\n"
        f'1,N MAIN ST,"LINESTRING ({LNG} {LAT}, {LNG} {LAT + 0.002})"\n'
        f'2,E WALNUT ST,"MULTILINESTRING (({LNG} {LAT}, {LNG + 0.001} {LAT}), ({LNG + 0.002} {LAT}, {LNG + 0.003} {LAT}))"\n'
        "3,OAK ST,not a line at all\n"
        "4,ELM ST,\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: {name: FULLNAME, id: OBJECTID, geometry: WKT}\n", encoding="utf-8")
    out = _load(independence, "csv", str(data), "--mapping", str(mapping))
    assert "2 new" in out and "line 4: “not a line at all” is not a WKT line" in out and "line 5: no geometry" in out
    walnut = Street.objects.get(source_id="2")
    assert walnut.name == "E Walnut St" and walnut.geometry["type"] == "MultiLineString"


def test_an_export_needs_a_usable_mapping(tmp_path: Path, independence: City) -> None:
    data, _ = _export(tmp_path)
    with pytest.raises(CommandError, match="needs --mapping"):
        _load(independence, "geojson", str(data))
    no_id = tmp_path / "no-id.yaml"
    no_id.write_text("columns:\n  name: ST_NAME\n", encoding="utf-8")
    with pytest.raises(CommandError, match="map id to the column"):
        _load(independence, "geojson", str(data), "--mapping", str(no_id))
    no_wkt = tmp_path / "no-wkt.yaml"
    no_wkt.write_text("columns:\n  name: ST_NAME\n  id: CL_ID\n", encoding="utf-8")
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("CL_ID,ST_NAME\n1,A ST\n", encoding="utf-8")
    with pytest.raises(CommandError, match="needs geometry: mapped"):
        _load(independence, "csv", str(csv_file), "--mapping", str(no_wkt))


def test_centerlines_from_the_segments_already_loaded(independence: City) -> None:
    rows = [
        (
            1,
            SegmentRow(
                source_id="901",
                street=parse_street("S ASH AVE"),
                left_from=101,
                left_to=199,
                right_from=100,
                right_to=198,
                left_parity="O",
                right_parity="E",
                left_zip="",
                right_zip="",
                coords=[(LNG, LAT), (LNG, LAT + 0.001)],
            ),
        )
    ]
    segments_load(city=independence, rows=rows, source=Source.TIGER_EDGES)
    assert "1 new" in _load(independence, "segments")
    street = Street.objects.get(city=independence, source=Source.SEGMENTS)
    assert street.name == "S Ash Ave" and street.source_id == "tiger-edges:901"
    assert street.geometry["coordinates"] == [[LNG, LAT], [LNG, round(LAT + 0.001, 7)]]
    assert "1 unchanged" in _load(independence, "segments")
    with pytest.raises(CommandError, match="give no file"):
        _load(independence, "segments", "some.shp")


@pytest.mark.parametrize(
    ("kind", "rank"),
    [("S1100", 1), ("S1200", 2), ("S1400", 3), ("S1630", 4), ("S1730", 5), ("Principal Arterial", 2), ("", 3)],
)
def test_street_rank_from_the_class(kind: str, rank: int) -> None:
    assert street_rank(kind) == rank


# --- the tiles --------------------------------------------------------------------------------


@pytest.fixture
def roads(tmp_path: Path, independence: City) -> City:
    _load(independence, "tiger-roads", str(_roads(tmp_path / "roads")))
    return independence


def _get_tile(client: Client, z: int, x: int, y: int, **headers: str) -> Any:
    return client.get(reverse("places:street-tile", args=[z, x, y]), headers=headers)


def test_a_tile_gives_the_streets_in_it_clipped_and_named(roads: City) -> None:
    z, x, y = _tile(LAT, LNG, 15)
    response = _get_tile(Client(), z, x, y)
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    assert response["ETag"]
    body = json.loads(response.content)
    names = {f["properties"]["name"] for f in body["features"]}
    assert {"S Noland Rd", "I 70", ""} <= names and body["truncated"] is False
    west, south, east, north = selectors.tile_bounds(z, x, y)
    for feature in body["features"]:
        parts = feature["geometry"]["coordinates"]
        parts = [parts] if feature["geometry"]["type"] == "LineString" else parts
        for lng, lat in (p for part in parts for p in part):
            # Clipped to the tile and a sixteenth of it around.
            assert west - (east - west) / 15 <= lng <= east + (east - west) / 15
            assert south - (north - south) / 15 <= lat <= north + (north - south) / 15


def test_small_zooms_draw_only_main_roads(roads: City) -> None:
    body = json.loads(_get_tile(Client(), *_tile(LAT, LNG, 11)).content)
    assert [f["properties"]["name"] for f in body["features"]] == ["I 70"]


def test_a_tile_with_too_many_streets_keeps_the_most_important(roads: City, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "STREET_TILE_FEATURES", 1)
    body = json.loads(_get_tile(Client(), *_tile(LAT, LNG, 15)).content)
    assert [f["properties"]["rank"] for f in body["features"]] == [1] and body["truncated"] is True


def test_a_tile_is_revalidated_by_etag_and_changes_when_streets_are_loaded(
    roads: City, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    zxy = _tile(LAT, LNG, 15)
    etag = _get_tile(client, *zxy)["ETag"]
    assert _get_tile(client, *zxy, If_None_Match=etag).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        data, mapping = _export(tmp_path)
        _load(roads, "geojson", str(data), "--mapping", str(mapping))
    fresh = _get_tile(client, *zxy, If_None_Match=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert "S Noland Rd" in [f["properties"]["name"] for f in json.loads(fresh.content)["features"]]


def test_tiles_outside_the_zooms_served_are_not_found(roads: City) -> None:
    assert _get_tile(Client(), 3, 1, 1).status_code == 404
    assert _get_tile(Client(), 15, 2**15, 0).status_code == 404


# --- the maps' attributes -----------------------------------------------------------------------


def test_the_report_map_says_when_no_street_map_is_loaded(
    independence: City, trash: ServiceType, settings: Any
) -> None:
    # The form and its map are shown once the city has a problem type (trash).
    settings.MAP_TILES_URL = ""
    page = Client().get(reverse("portal:city-report", args=[independence.slug])).content.decode()
    assert 'data-streets-missing="Street map not loaded for this city"' in page
    assert "data-streets=" not in page


def test_the_report_map_draws_the_streets_once_loaded_and_leaves_them_to_a_tile_server(
    roads: City, trash: ServiceType, settings: Any
) -> None:
    settings.MAP_TILES_URL = ""
    url = reverse("portal:city-report", args=[roads.slug])
    page = Client().get(url).content.decode()
    assert 'data-streets="/places/streets/{z}/{x}/{y}.geojson"' in page and "streets-missing" not in page
    settings.MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = Client().get(url).content.decode()
    assert "data-streets" not in page and 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in page


# --- the demo's invented grid -----------------------------------------------------------------


def test_the_demo_grid_lies_inside_the_city_named_and_flagged(independence: City) -> None:
    rows = [row for _, row in illustrative_street_rows(independence)]
    assert len(rows) > 50
    shape = shape_from_geojson(independence.boundary).buffer(1e-6)
    assert all(shape.covers(MultiLineString(r.lines)) for r in rows)
    names = {r.name for r in rows}
    assert any(n.startswith("E ") and n.endswith(" St") for n in names) and any(n.endswith(" Rd") for n in names)
    reports = demo_streets_load(cities=[independence])
    assert reports[0].inserted == len(rows)
    assert Street.objects.filter(city=independence, illustrative=True).count() == len(rows)
    assert demo_streets_load(cities=[independence])[0].written == 0
    assert selectors.streets_illustrative(city=independence)


def test_a_city_with_its_own_streets_gets_no_invented_ones(roads: City) -> None:
    assert demo_streets_load(cities=[roads]) == []
    assert not Street.objects.filter(city=roads, illustrative=True).exists()


def test_whether_a_city_has_streets_and_invented_ones_is_one_plain_question(
    tmp_path: Path, independence: City, raytown: City
) -> None:
    def shown(city: City) -> tuple[bool, bool]:
        with CaptureQueriesContext(connection) as queries:
            answer = selectors.streets_shown(city=city)
        assert len(queries.captured_queries) == 1
        assert answer == (selectors.streets_loaded(city=city), selectors.streets_illustrative(city=city))
        return answer

    assert shown(independence) == (False, False)
    _load(independence, "tiger-roads", str(_roads(tmp_path / "roads")))
    assert shown(independence) == (True, False)
    demo_streets_load(cities=[raytown])
    assert shown(raytown) == (True, True) and shown(independence) == (True, False)
    assert selectors.streets_shown() == (True, True)  # any city
