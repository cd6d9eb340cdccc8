"""Line breaks in an imported file are stored as every other channel stores them: one "\\n"
(cases.invariants.clean_text), whatever the file's own line ends. An export written on
Windows has CR LF inside its quoted descriptions and closing notes."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.history.pipeline import ImportReport, cases_import
from civicdesk.history.readers import read_files
from civicdesk.history.rows import BadRow
from civicdesk.tenants.models import City
from tests.conftest import INSIDE, as_stored

pytestmark = pytest.mark.django_db

MAPPING = textwrap.dedent(
    """\
    columns:
      external_id: Ticket
      service_type: Problem
      opened_at: Opened
      closed_at: Closed
      status: State
      description: Details
      address: Where
      closing_note: Resolution
      lat: Y
      lng: X
    date_formats: ["%Y-%m-%d %H:%M"]
    timezone: America/Chicago
    statuses:
      Open: new
      Done: {status: closed, resolution: resolved}
    service_types:
      codes:
        pothole: Pothole
    """
)
LAT, LNG = INSIDE["independence"]
TWO_LINES = "Deep hole by the curb.\r\nA second one across the street."
THREE_LINES = "Two holes:\r\n- by the curb\r\n- across the street\r\n"
NOTE = "Patched both.\r\nCrew 4, cold mix."
# 10,000 characters once each CR LF is one "\n", as the portal's box counts them; 10,099 in the file.
LONGEST = "\r\n".join(["x" * 100] * 100)[: 10_000 + 99]


def csv_file(path: Path) -> Path:
    """A CSV as Excel on Windows saves it: CR LF after every record and inside quoted values."""
    records = [
        ["Ticket", "Problem", "Opened", "Closed", "State", "Details", "Where", "Resolution", "Y", "X"],
        ["W-1", "Pothole", "2021-10-01 09:00", "", "Open", TWO_LINES, "1 Main St", "", LAT, LNG],
        ["W-2", "Pothole", "2021-10-02 09:00", "2021-10-03 10:00", "Done", THREE_LINES, "2 Main St", NOTE, LAT, LNG],
        ["W-3", "Pothole", "2021-10-03 09:00", "", "Open", LONGEST, "3 Main St", "", LAT, LNG],
    ]

    def cell(value: object) -> str:
        text = str(value)
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text

    path.write_bytes("".join(",".join(cell(v) for v in record) + "\r\n" for record in records).encode())
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return csv_file(tmp_path / "windows.csv"), mapping


@pytest.fixture
def pothole(independence: City, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(independence, "pothole", name="Pothole")


def run_import(city: City, data: Path, mapping: Path) -> tuple[ImportReport, list[BadRow]]:
    bad: list[BadRow] = []
    report = cases_import(
        city=city, rows=read_files("csv", [data], tz=city.tz, mapping_path=mapping), on_bad_row=bad.append
    )
    return report, bad


def test_cr_lf_inside_quoted_descriptions_is_stored_as_one_line_break_like_every_other_channel(
    independence: City, pothole: ServiceType, files: tuple[Path, Path], cities: Any
) -> None:
    report, bad = run_import(independence, *files)

    assert (report.imported, bad) == (3, [])
    stored = dict(ServiceRequest.objects.filter(city=independence).values_list("external_id", "description"))
    assert stored["W-1"] == "Deep hole by the curb.\nA second one across the street." == as_stored(TWO_LINES)
    assert stored["W-2"] == "Two holes:\n- by the curb\n- across the street" == as_stored(THREE_LINES)
    assert not any("\r" in text for text in stored.values())
    closing = CaseEvent.objects.get(case__external_id="W-2", kind=EventKind.CLOSED)
    assert closing.text == "Patched both.\nCrew 4, cold mix."


def test_a_description_is_measured_as_stored_so_one_the_portal_would_take_is_not_refused_as_too_long(
    independence: City, pothole: ServiceType, files: tuple[Path, Path], cities: Any
) -> None:
    assert len(LONGEST) > 10_000

    run_import(independence, *files)

    assert len(ServiceRequest.objects.get(external_id="W-3").description) == 10_000


def test_importing_the_windows_file_again_adds_nothing_and_changes_nothing(
    independence: City, pothole: ServiceType, files: tuple[Path, Path], cities: Any
) -> None:
    run_import(independence, *files)
    before = list(ServiceRequest.objects.order_by("pk").values())
    events = list(CaseEvent.objects.order_by("pk").values())

    again, bad = run_import(independence, *files)

    assert (again.read, again.imported, again.already_present, again.bad, again.warned) == (3, 0, 3, 0, 0)
    assert bad == []
    assert list(ServiceRequest.objects.order_by("pk").values()) == before
    assert list(CaseEvent.objects.order_by("pk").values()) == events
