"""The history import places rows that have an address and no point when the city's own
addresses know the address for certain, in batch (no query per row), and writes how each
address was found."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.cases.bulk import CityRules
from civicdesk.cases.models import AddressSource, ServiceRequest
from civicdesk.history.pipeline import cases_import
from civicdesk.history.readers import read_files
from civicdesk.tenants import selectors as places
from tests.placing.conftest import IND_MAIN, bs_main_point, noland_point

pytestmark = pytest.mark.django_db

MAPPING = textwrap.dedent(
    """\
    columns:
      external_id: Ticket
      service_type: Problem
      opened_at: Date
      status: State
      description: Details
      address: Where
      lat: Y
      lng: X
    date_formats: ["%Y-%m-%d %H:%M"]
    timezone: America/Chicago
    statuses:
      Open: new
    """
)
PIN = noland_point(1260)
ROWS = [
    ["Ticket", "Problem", "Date", "State", "Details", "Where", "Y", "X"],
    ["H-1", "trash", "2021-10-01 09:00", "Open", "Certain", "1234 south noland road", "", ""],
    ["H-2", "trash", "2021-10-01 09:00", "Open", "Both N and S", "1234 Noland Rd", "", ""],
    ["H-3", "trash", "2021-10-01 09:00", "Open", "Unknown", "77 Nowhere Ln", "", ""],
    ["H-4", "trash", "2021-10-01 09:00", "Open", "Only in Blue Springs", "152 Main St", "", ""],
    ["H-5", "trash", "2021-10-01 09:00", "Open", "Outside", "500 Faraway Rd", "", ""],
    ["H-6", "trash", "2021-10-01 09:00", "Open", "With its point", "1260 S Noland Rd", PIN[0], PIN[1]],
    ["H-7", "trash", "2021-10-01 09:00", "Open", "Independence's Main St", "150 Main St", "", ""],
]


def _import(city, tmp_path: Path):
    data, mapping = tmp_path / "cases.csv", tmp_path / "mapping.yaml"
    with data.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(ROWS)
    mapping.write_text(MAPPING, encoding="utf-8")
    return cases_import(city=city, rows=read_files("csv", [data], tz=city.tz, mapping_path=mapping))


def test_rows_with_a_certain_address_are_placed_the_others_kept_as_recorded(gazetteer, trash, tmp_path):
    report = _import(trash.city, tmp_path)
    assert (report.imported, report.bad) == (7, 0)
    case = {c.external_id: c for c in ServiceRequest.objects.all()}
    assert (case["H-1"].lat, case["H-1"].lng) == pytest.approx(noland_point(1234))
    assert (case["H-1"].address_source, case["H-1"].address_distance_m) == (AddressSource.MATCHED, 0.0)
    assert case["H-1"].address == "1234 south noland road"  # as the source recorded it
    assert case["H-1"].district == places.district_at(city=trash.city, lat=case["H-1"].lat, lng=case["H-1"].lng)
    assert case["H-1"].district is not None
    assert (case["H-7"].lat, case["H-7"].lng) == pytest.approx(IND_MAIN)
    for unplaced in ("H-2", "H-3", "H-4", "H-5"):
        # Ambiguous, unknown, another city's (an import names its city) or outside every city.
        assert case[unplaced].lat is None and case[unplaced].district is None, unplaced
        assert case[unplaced].address_source == AddressSource.IMPORTED
    assert (case["H-6"].lat, case["H-6"].address_source) == (pytest.approx(PIN[0]), AddressSource.IMPORTED)


def test_without_addresses_loaded_the_import_reads_none_and_places_nothing(cities, trash, tmp_path):
    with CaptureQueriesContext(connection) as queries:
        rules = CityRules(trash.city)
    assert rules.addresses is None
    assert sum("places_addresspoint" in q["sql"] for q in queries) == 1  # does the city have any
    report = _import(trash.city, tmp_path)
    assert report.imported == 7
    assert ServiceRequest.objects.filter(lat__isnull=False).count() == 1


def test_the_address_index_answers_with_no_query(gazetteer, trash):
    rules = CityRules(trash.city)
    assert rules.addresses is not None and len(rules.addresses) > 0
    with CaptureQueriesContext(connection) as queries:
        assert rules.place("1234 S Noland Rd") == pytest.approx(noland_point(1234))
        assert rules.place("1234 Noland") is None  # N and S
        assert rules.place("1234 N Noland Rd") is not None
        assert rules.place("1240 S Noland Dr") is None  # another type than the street's
    assert not queries


def test_a_row_naming_its_city_after_the_street_is_read_as_the_address_box_reads_it(gazetteer, bs_trash):
    """One reading everywhere: the city's name is the place, never part of the street, with
    or without the street's type, a state or a ZIP, typed after the street or before it;
    another member city's name is not this city's address."""
    rules = CityRules(bs_trash.city)
    with CaptureQueriesContext(connection) as queries:
        for written in (
            "150 Main St, Blue Springs",
            "150 Main Blue Springs",
            "150 MAIN ST BLUE SPRINGS MO 64015",
            "150 main, blue springs, missouri",
            "Blue Springs, 150 Main St",
            "BLUE SPRINGS 150 MAIN ST",
            "Blue Springs, MO 64015: 150 Main",
        ):
            assert rules.place(written) == pytest.approx(bs_main_point(150)), written
    assert not queries
    ind = CityRules(gazetteer["independence"])
    assert ind.place("150 Main St") == pytest.approx(IND_MAIN)
    assert ind.place("150 Main St, Independence, MO 64050") == pytest.approx(IND_MAIN)
    # Blue Springs' 150 Main St, named as such, is not Independence's.
    assert ind.place("150 Main St, Blue Springs") is None
    assert ind.place("150 Main Blue Springs") is None
    assert ind.place("Blue Springs, 150 Main St") is None
    assert ind.place("Independence - 150 Main St") == pytest.approx(IND_MAIN)


def test_an_import_places_a_row_whose_address_repeats_the_city_column(gazetteer, bs_trash, tmp_path):
    rows = [
        ROWS[0],
        ["B-1", "trash", "2021-10-01 09:00", "Open", "Typed after the street", "152 Main Blue Springs", "", ""],
        ["B-2", "trash", "2021-10-01 09:00", "Open", "With state", "154 Main St, Blue Springs, MO 64015", "", ""],
        ["B-3", "trash", "2021-10-01 09:00", "Open", "Typed before the street", "Blue Springs, 156 Main St", "", ""],
    ]
    data, mapping = tmp_path / "bs.csv", tmp_path / "mapping.yaml"
    with data.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    mapping.write_text(MAPPING, encoding="utf-8")
    city = bs_trash.city
    report = cases_import(city=city, rows=read_files("csv", [data], tz=city.tz, mapping_path=mapping))
    assert (report.imported, report.bad) == (3, 0)
    case = {c.external_id: c for c in ServiceRequest.objects.filter(city=city)}
    assert (case["B-1"].lat, case["B-1"].lng) == pytest.approx(bs_main_point(152))
    assert (case["B-2"].lat, case["B-2"].lng) == pytest.approx(bs_main_point(154))
    assert (case["B-3"].lat, case["B-3"].lng) == pytest.approx(bs_main_point(156))
    assert case["B-1"].address == "152 Main Blue Springs"  # as the source recorded it
    assert {case[key].address_source for key in ("B-1", "B-2", "B-3")} == {AddressSource.MATCHED}
