"""Loading a city's addresses and finding them again: search, interpolation, the address under a pin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapefile
from django.core.management import CommandError, call_command
from django.db import connection

from civicdesk.places.models import AddressPoint, StreetSegment
from civicdesk.places.selectors import How, address_near, address_search, with_prefix
from civicdesk.tenants.geo import metres_between
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

# A short north-south street: numbers grow 100 per ~110 m northwards, odd on the west side.
BASE_LAT, BASE_LNG = 39.0800, -94.4150
STEP = 0.00001  # degrees of latitude per house number (about 1.1 m)

OA_HEADER = "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH\n"


def _oa_row(number: int, street: str = "S NOLAND RD", unit: str = "", lng_offset: float = 0.0) -> str:
    side = -0.0002 if number % 2 else 0.0002
    lat = BASE_LAT + number * STEP
    return f"{BASE_LNG + side + lng_offset},{lat},{number},{street},{unit},Independence,,MO,64055,,h{number}{unit}\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _load(path: Path, city: City, fmt: str, *extra: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_addresses", str(path), "--city", city.slug, "--format", fmt, *extra, stdout=out)
    return out.getvalue()


@pytest.fixture
def noland(tmp_path: Path, independence: City) -> City:
    rows = [_oa_row(n) for n in range(1200, 1300, 4)]  # 1200, 1204, …: every other even, and no odds yet
    rows += [_oa_row(n) for n in range(1201, 1300, 8)]
    rows.append(_oa_row(1234))
    rows.append(_oa_row(1234, unit="APT 5"))
    rows.append(_oa_row(1234, street="N NOLAND RD", lng_offset=0.05))  # the other end of town
    # E 23rd St crosses Noland at the level of number 1250, its 100 block running east.
    rows.append(f"{BASE_LNG + 0.0004},{BASE_LAT + 1250 * STEP + 0.0001},101,E 23RD ST,,,,,,,e101\n")
    _load(_write(tmp_path, "oa.csv", OA_HEADER + "".join(rows)), independence, "openaddresses-csv")
    return independence


def test_openaddresses_csv_loads_reports_bad_rows_by_line_and_reloads_without_change(
    tmp_path: Path, independence: City
) -> None:
    text = OA_HEADER + _oa_row(1200) + "-94.4,39.08,,S NOLAND RD,,,,,,,x\n" + "abc,39.08,12,S NOLAND RD,,,,,,,y\n"
    text += _oa_row(1204) + "-94.4,39.08,1208,,,,,,,,z\n" + _oa_row(1200)
    path = _write(tmp_path, "oa.csv", text)
    out = _load(path, independence, "openaddresses-csv")
    assert "6 rows read" in out and "2 new" in out and "1 repeated in the file" in out and "3 not loaded" in out
    assert "line 3: no house number" in out
    assert "line 4: no coordinates" in out
    assert "line 6: no street name" in out
    point = AddressPoint.objects.get(city=independence, number=1200)
    assert (point.pre_directional, point.street_name, point.street_type, point.zip_code) == (
        "S",
        "NOLAND",
        "RD",
        "64055",
    )
    again = _load(path, independence, "openaddresses-csv")
    assert "0 new, 0 changed, 2 unchanged" in again
    moved = _write(tmp_path, "oa2.csv", OA_HEADER + _oa_row(1200, lng_offset=0.001) + _oa_row(1204))
    assert "0 new, 1 changed, 1 unchanged" in _load(moved, independence, "openaddresses-csv")
    assert AddressPoint.objects.filter(city=independence).count() == 2


def test_a_city_export_is_read_through_its_column_mapping(tmp_path: Path, independence: City) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [BASE_LNG, BASE_LAT]},
            "properties": {"ADDR_NUM": "1234", "PRE": "South", "NAME": "Noland", "TYPE": "Road", "ZIP5": 64055},
        },
        {"type": "Feature", "geometry": None, "properties": {"ADDR_NUM": "1236", "NAME": "Noland"}},
    ]
    data = _write(tmp_path, "points.geojson", json.dumps({"type": "FeatureCollection", "features": features}))
    mapping = _write(
        tmp_path,
        "mapping.yaml",
        "columns:\n  number: ADDR_NUM\n  pre_directional: PRE\n  street_name: NAME\n  street_type: TYPE\n  zip: ZIP5\n",
    )
    out = _load(data, independence, "geojson", "--mapping", str(mapping))
    assert "1 new" in out and "line 2: no coordinates" in out
    assert AddressPoint.objects.get(city=independence).address_key == "1234 S NOLAND RD"
    with pytest.raises(CommandError, match="needs --mapping"):
        _load(data, independence, "csv")
    bad = _write(tmp_path, "bad.yaml", "columns:\n  house: ADDR_NUM\n")
    with pytest.raises(CommandError, match="unknown field"):
        _load(data, independence, "geojson", "--mapping", str(bad))


def test_the_ways_people_write_an_address_find_its_point(noland: City) -> None:
    for query in ("1234 S Noland Rd", "1234 South Noland Road", "1234 s. noland", "1234 s noland rd 64055"):
        best = address_search(query)[0]
        assert (best.label, best.how) == ("1234 S Noland Rd", How.POINT), query
    with_unit = address_search("1234 S Noland Rd Apt 5")[0]
    assert with_unit.label == "1234 S Noland Rd APT 5"
    partial = address_search("1234 South Noland Ro")
    assert partial and partial[0].label == "1234 S Noland Rd"
    # As it is typed: the directional before any of the name.
    assert [p.label for p in address_search("1234 N")][:1] == ["1234 N Noland Rd"]
    assert [p.label for p in address_search("1234 s")][:1] == ["1234 S Noland Rd"]


def test_without_a_directional_the_nearer_street_comes_first(noland: City) -> None:
    west = (BASE_LAT, BASE_LNG)
    east = (BASE_LAT, BASE_LNG + 0.05)
    assert address_search("1234 noland rd", near=west)[0].label == "1234 S Noland Rd"
    assert address_search("1234 noland rd", near=east)[0].label == "1234 N Noland Rd"
    assert address_search("1234 noland rd", near=east)[0].distance_m is not None


def test_a_number_with_no_point_is_interpolated_between_its_neighbours_on_the_same_side(noland: City) -> None:
    # 1210 has no point; its even neighbours 1208 and 1212 do.
    found = address_search("1210 S Noland Rd")[0]
    assert found.how == How.INTERPOLATED
    expected = (BASE_LAT + 1210 * STEP, BASE_LNG + 0.0002)
    assert metres_between(found.lat, found.lng, *expected) < 1.0
    odd = address_search("1213 S Noland Rd")[0]  # between 1209 and 1217, west side
    assert metres_between(odd.lat, odd.lng, BASE_LAT + 1213 * STEP, BASE_LNG - 0.0002) < 1.0


def test_a_street_and_an_intersection_are_found(noland: City) -> None:
    street = address_search("s noland")[0]
    assert (street.label, street.how) == ("S Noland Rd", How.STREET)
    crossing = address_search("Noland Rd & 23rd St")
    assert crossing and crossing[0].how == How.INTERSECTION and crossing[0].label == "S Noland Rd & E 23rd St"


def test_the_address_under_a_pin_is_the_nearest_point(noland: City) -> None:
    pin = (BASE_LAT + 1240 * STEP, BASE_LNG + 0.0003)
    found = address_near(*pin)
    assert found is not None and found.label == "1240 S Noland Rd" and found.how == How.NEAREST
    assert found.distance_m is not None and 5 < found.distance_m < 15
    assert address_near(BASE_LAT + 1.0, BASE_LNG) is None


def _tiger_addrfeat(path: Path) -> Path:
    """A TIGER/Line ADDRFEAT shapefile with its real fields, made with pyshp's writer."""
    with shapefile.Writer(str(path), shapeType=shapefile.POLYLINE) as w:
        for name in ("TLID", "ARIDL", "ARIDR", "LINEARID", "FULLNAME"):
            w.field(name, "C", size=100)
        for name in ("LFROMHN", "LTOHN", "RFROMHN", "RTOHN", "ZIPL", "ZIPR"):
            w.field(name, "C", size=12)
        for name in ("PARITYL", "PARITYR"):
            w.field(name, "C", size=1)
        # From south to north along longitude -94.40: odd numbers on the left (west).
        w.line([[[-94.40, 39.00], [-94.40, 39.001]]])
        w.record("101", "a1", "a2", "L1", "S Ash Ave", "101", "199", "100", "198", "64055", "64055", "O", "E")
        w.line([[[-94.40, 39.001], [-94.40, 39.002]]])
        w.record("102", "b1", "b2", "L1", "S Ash Ave", "201", "299", "200", "298", "64055", "64055", "O", "E")
        w.line([[[-94.41, 39.00], [-94.41, 39.001]]])
        w.record("103", "c1", "c2", "L2", "", "1", "99", "2", "98", "", "", "O", "E")
    return path.with_suffix(".shp")


def test_tiger_address_ranges_place_an_address_along_its_segment_and_reload_unchanged(
    tmp_path: Path, independence: City
) -> None:
    shp = _tiger_addrfeat(tmp_path / "tl_2024_29095_addrfeat")
    out = _load(shp, independence, "tiger-addrfeat")
    assert "2 new" in out and "record" not in out and "line 3: no street name" in out
    assert "0 new, 0 changed, 2 unchanged" in _load(shp, independence, "tiger-addrfeat")
    segment = StreetSegment.objects.get(source_id="101:a1:a2")
    assert (segment.street_key, segment.pre_directional, segment.left_parity) == ("ASH AVE", "S", "O")
    found = address_search("150 south ash avenue")[0]
    assert found.how == How.INTERPOLATED
    assert metres_between(found.lat, found.lng, 39.0005, -94.40) < 2
    pin = address_near(39.0015, -94.3999)  # east of the line, half-way up the second segment
    assert pin is not None and pin.how == How.INTERPOLATED
    assert pin.number == 250 and pin.label == "250 S Ash Ave"  # 200 + half of 98, on the even side


def test_a_tiger_zip_is_read_as_published(tmp_path: Path, independence: City) -> None:
    import zipfile

    shp = _tiger_addrfeat(tmp_path / "tl_2024_29095_addrfeat")
    archive = tmp_path / "tl_2024_29095_addrfeat.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for suffix in (".shp", ".shx", ".dbf"):
            z.write(shp.with_suffix(suffix), shp.with_suffix(suffix).name)
    assert "2 new" in _load(archive, independence, "tiger-addrfeat")


def _plan(queryset: Any) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show its index choice
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(str(row) for row in cursor.fetchall())


def test_prefix_search_reads_the_search_key_index_on_either_database(noland: City) -> None:
    plan = _plan(with_prefix(AddressPoint.objects.all(), "search_key", "1234 NOL"))
    assert "address_search_key" in plan


def test_the_search_endpoint_answers_json_for_a_search_box_and_a_pin(client: Any, noland: City) -> None:
    response = client.get("/places/search", {"q": "1234 south noland", "near": f"{BASE_LAT},{BASE_LNG}"})
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert (first["label"], first["how"]) == ("1234 S Noland Rd", "point") and first["distance_m"] > 0
    assert client.get("/places/search", {"q": "1234 noland", "near": "north"}).status_code == 400
    pin = client.get("/places/near", {"lat": BASE_LAT + 1240 * STEP, "lng": BASE_LNG + 0.0003}).json()["result"]
    assert pin["label"] == "1240 S Noland Rd"
    assert client.get("/places/near", {"lat": "x", "lng": "1"}).status_code == 400


def test_a_pin_beside_a_corner_gets_its_own_street_not_the_cross_streets_corner_house(independence: City) -> None:
    from civicdesk.places.normalise import parse_street
    from civicdesk.places.readers import PointRow
    from civicdesk.places.services import addresses_load

    metre_lng = 1 / 86_000  # a metre of longitude at this latitude, near enough
    oak = parse_street("W OAK ST")
    rows: list[tuple[int, Any]] = [
        (n, PointRow(100 + 10 * n, "", oak, "", "", "", BASE_LAT, BASE_LNG + 20 * n * metre_lng)) for n in range(9)
    ]
    rows.remove(rows[5])  # 150 W Oak St has no point: that is where the pin is dropped
    elm = parse_street("N ELM AVE")
    corner = PointRow(300, "", elm, "", "", "", BASE_LAT + 12 / 111_320, BASE_LNG + 100 * metre_lng)
    rows.append((99, corner))
    addresses_load(city=independence, rows=rows, source="city")
    pin = address_near(BASE_LAT, BASE_LNG + 101 * metre_lng)
    assert pin is not None and pin.label == "160 W Oak St"


def test_tiger_edges_keep_the_streets_with_numbers_and_skip_rails_and_rivers(
    tmp_path: Path, independence: City
) -> None:
    path = tmp_path / "tl_2024_29095_edges"
    with shapefile.Writer(str(path), shapeType=shapefile.POLYLINE) as w:
        for name in ("TLID", "FULLNAME", "MTFCC", "LFROMADD", "LTOADD", "RFROMADD", "RTOADD", "ZIPL", "ZIPR"):
            w.field(name, "C", size=60)
        w.line([[[-94.40, 39.00], [-94.39, 39.00]]])
        w.record("201", "E Truman Rd", "S1400", "101", "199", "100", "198", "64050", "64050")
        w.line([[[-94.40, 39.01], [-94.39, 39.01]]])
        w.record("202", "Union Pacific RR", "R1011", "", "", "", "", "", "")
        w.line([[[-94.40, 39.02], [-94.39, 39.02]]])
        w.record("203", "", "H3010", "", "", "", "", "", "")
    out = _load(path.with_suffix(".shp"), independence, "tiger-edges")
    assert "1 new" in out and "0 not loaded" in out
    found = address_search("150 e truman road")[0]
    assert found.how == How.INTERPOLATED and abs(found.lng - (-94.395)) < 0.0002


def test_a_file_that_is_not_a_tiger_addrfeat_file_is_refused_with_what_is_missing(
    tmp_path: Path, independence: City
) -> None:
    path = tmp_path / "roads"
    with shapefile.Writer(str(path), shapeType=shapefile.POLYLINE) as w:
        w.field("LINEARID", "C", size=20)
        w.field("FULLNAME", "C", size=60)
        w.line([[[-94.40, 39.00], [-94.39, 39.00]]])
        w.record("1", "E Truman Rd")
    with pytest.raises(CommandError, match="TLID"):
        _load(path.with_suffix(".shp"), independence, "tiger-addrfeat")
