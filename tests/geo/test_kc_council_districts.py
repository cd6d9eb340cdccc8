"""District assignment checked against a real city's own records.

Kansas City, MO publishes its council districts (2012 plan) and 80,203 of its 311 cases,
each with the council district the city recorded at intake. Assigning every case's point
to a district polygon must agree with the city's own answer for nearly all of them (the
rest are mostly cases filed before the 2012 redistricting).
"""

from __future__ import annotations

import csv
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import shapely

from civicdesk.tenants import geo
from civicdesk.tenants.models import City, District, Region
from civicdesk.tenants.selectors import district_at, location_of
from tests.conftest import CITY_LIMITS, SHARED_DATA

KC_311 = SHARED_DATA / "311" / "kcmo"
DISTRICTS_2012 = SHARED_DATA / "geo" / "kcmo_council_districts_2012" / "KCCoucilDistrict_2012.geojson"
GEOCODE = re.compile(r"\((?P<lat>-?[\d.]+), (?P<lng>-?[\d.]+)\)\s*$")


@dataclass(frozen=True)
class Kc311Case:
    case_id: str
    year: int
    lat: float  # NaN where the export has no usable coordinates
    lng: float
    recorded_district: int | None
    address_with_geocode: str


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _district(text: str) -> int | None:
    # The export writes the district as a float: "4.0".
    value = _number(text.strip())
    return int(value) if math.isfinite(value) else None


@pytest.fixture(scope="module")
def kc_cases() -> list[Kc311Case]:
    files = sorted(KC_311.glob("*_neighborhood.csv"))
    assert len(files) == 16
    cases = []
    for path in files:
        # newline="" lets the csv module keep the newline inside the quoted ADDRESS WITH GEOCODE.
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                lat, lng = _number(row["LATITUDE"]), _number(row["LONGITUDE"])
                if lat == 0 and lng == 0:  # a geocoder's "unknown", not a place
                    lat = lng = math.nan
                cases.append(
                    Kc311Case(
                        case_id=row["CASE ID"],
                        year=int(row["CREATION YEAR"]),
                        lat=lat,
                        lng=lng,
                        recorded_district=_district(row["COUNCIL DISTRICT"]),
                        address_with_geocode=row["ADDRESS WITH GEOCODE"],
                    )
                )
    return cases


@pytest.fixture(scope="module")
def district_features() -> list[dict[str, Any]]:
    with open(DISTRICTS_2012, encoding="utf-8") as fh:
        return json.load(fh)["features"]


@pytest.fixture(scope="module")
def kc_districts(district_features: list[dict[str, Any]]) -> geo.AreaIndex:
    """The six districts, keyed by their district number."""
    return geo.AreaIndex(
        [geo.Area(int(f["properties"]["DISTRICT"]), geo.shape_from_geojson(f)) for f in district_features]
    )


def _located(cases: list[Kc311Case]) -> list[Kc311Case]:
    return [c for c in cases if math.isfinite(c.lat) and math.isfinite(c.lng)]


def test_the_export_reads_as_80203_cases_despite_a_newline_inside_a_quoted_field(kc_cases):
    assert len(kc_cases) == 80_203
    assert len({c.case_id for c in kc_cases}) == len(kc_cases)
    with_newline = [c for c in kc_cases if "\n" in c.address_with_geocode]
    assert len(with_newline) > 0.99 * len(kc_cases)
    # Had a row been split at the embedded newline, its columns would have shifted: the
    # point written inside the address would disagree with LATITUDE/LONGITUDE. (A handful
    # were re-geocoded a few metres away; none by more than about 100 m.)
    checked, moved = 0, []
    for case in _located(kc_cases):
        match = GEOCODE.search(case.address_with_geocode)
        if match:
            gap = max(abs(float(match["lat"]) - case.lat), abs(float(match["lng"]) - case.lng))
            assert gap < 1e-3, (case.case_id, gap)
            if gap > 1e-6:
                moved.append(case.case_id)
            checked += 1
    assert checked > 0.99 * len(kc_cases)
    assert len(moved) <= 10, moved


def test_at_least_97_percent_of_located_kc_cases_fall_in_the_district_the_city_recorded(
    kc_cases, kc_districts, record_property
):
    located = _located(kc_cases)
    skipped = len(kc_cases) - len(located)
    started = time.perf_counter()
    assigned = kc_districts.covering_many([c.lat for c in located], [c.lng for c in located])
    seconds = time.perf_counter() - started

    agree = sum(1 for case, district in zip(located, assigned, strict=True) if district == case.recorded_district)
    outside = sum(1 for district in assigned if district is None)
    share = agree / len(located)
    summary = (
        f"{len(kc_cases)} cases, {skipped} without coordinates skipped, {len(located)} located; "
        f"{agree} ({share:.2%}) in the district the city recorded, {outside} in no district; "
        f"assigned in {seconds:.2f}s ({len(located) / seconds:,.0f} points/s)"
    )
    print(summary)
    record_property("kc_district_agreement", summary)
    assert skipped + len(located) == len(kc_cases)
    assert share >= 0.97, summary

    # The disagreements are mostly cases filed under the 2001 plan: from 2013 on, the city's
    # own records and the 2012 map agree even more closely.
    recent = [(c, d) for c, d in zip(located, assigned, strict=True) if c.year >= 2013]
    recent_share = sum(1 for c, d in recent if d == c.recorded_district) / len(recent)
    assert recent_share > share, (recent_share, share)


def test_the_bulk_lookup_agrees_with_one_point_at_a_time(kc_cases, kc_districts):
    located = _located(kc_cases)
    rng = np.random.default_rng(2012)
    sample = [located[i] for i in rng.choice(len(located), size=3000, replace=False)]
    # Add each district's own vertices: points exactly on the lines between districts.
    for area in kc_districts.areas:
        for lng, lat in area.geom.exterior.coords[::40]:
            sample.append(Kc311Case("vertex", 2020, lat, lng, area.pk, ""))

    bulk = kc_districts.covering_many([c.lat for c in sample], [c.lng for c in sample])
    started = time.perf_counter()
    one_by_one = []
    for case in sample:
        hits = kc_districts.covering(geo.point(case.lat, case.lng))
        one_by_one.append(hits[0] if hits else None)
    seconds = time.perf_counter() - started
    print(f"one by one: {len(sample) / seconds:,.0f} points/s")
    assert bulk == one_by_one
    # Every vertex is in a district whose polygon really covers it (its own or a neighbour's).
    geoms = {area.pk: area.geom for area in kc_districts.areas}
    vertices = [(c, d) for c, d in zip(sample, bulk, strict=True) if c.case_id == "vertex"]
    assert vertices
    assert all(d is not None and geoms[d].covers(shapely.Point(c.lng, c.lat)) for c, d in vertices)


@pytest.mark.django_db
def test_district_rows_of_a_city_route_its_cases_through_the_selectors(kc_cases, district_features, kc_districts):
    with open(CITY_LIMITS / "kansas-city.json", encoding="utf-8") as fh:
        limits = json.load(fh)
    region = Region.objects.create(name="Test region", slug="test-region")
    kc = City.objects.create(
        region=region,
        name="Kansas City",
        slug="kansas-city",
        jurisdiction_id="kcmo.test",
        case_prefix="KC",
        boundary=limits["features"][0]["geometry"],
    )
    for feature in district_features:
        number = int(feature["properties"]["DISTRICT"])
        district = District(city=kc, name=f"District {number}", number=number, boundary=feature["geometry"])
        district.full_clean()
        district.save()

    kc_limits = geo.shape_from_geojson(limits)
    located = _located(kc_cases)
    sample = [located[i] for i in np.random.default_rng(7).choice(len(located), size=200, replace=False)]
    expected = kc_districts.covering_many([c.lat for c in sample], [c.lng for c in sample])

    through_rows = geo.district_index(kc.pk).covering_many([c.lat for c in sample], [c.lng for c in sample])
    by_number = {d.pk: d.number for d in kc.districts.all()}
    assert [by_number.get(pk) for pk in through_rows] == expected

    in_limits = 0
    for case, number in zip(sample, expected, strict=True):
        district = district_at(city=kc, lat=case.lat, lng=case.lng)
        assert (district.number if district else None) == number
        if kc_limits.covers(shapely.Point(case.lng, case.lat)):
            location = location_of(lat=case.lat, lng=case.lng)
            assert location.city == kc
            assert location.district == district
            in_limits += 1
    assert in_limits > 0.95 * len(sample)
