"""Any CSV through a mapping file: good rows imported, bad rows reported with their line and
reason, nothing imported twice, nothing emailed."""

from __future__ import annotations

import csv
import datetime as dt
import textwrap
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from civicdesk.cases.models import CaseEvent, Channel, EventKind, ServiceRequest, Status
from civicdesk.catalog.models import ServiceType
from civicdesk.history.pipeline import cases_import
from civicdesk.history.readers import ImportFileError, MappingError, read_files
from civicdesk.history.rows import BadRow
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")

MAPPING = textwrap.dedent(
    """\
    columns:
      external_id: Ticket
      service_type: Problem
      opened_at: [Date, Time]
      closed_at: Closed
      status: State
      description: Details
      address: Where
      lat: Y
      lng: X
    date_formats: ["%Y-%m-%d %H:%M", "%Y-%m-%d"]
    timezone: America/Chicago
    statuses:
      Open: new
      Done: {status: closed, resolution: resolved}
      Dup: {status: closed, resolution: duplicate}
    service_types:
      codes:
        trash: [Missed trash, Trash]
        pothole: Pothole
    """
)
LAT, LNG = INSIDE["independence"]
RAY_LAT, RAY_LNG = INSIDE["raytown"]

# line: what is on it (line 1 is the header; T-3's quoted value spans lines 4 and 5)
ROWS = [
    ["Ticket", "Problem", "Date", "Time", "Closed", "State", "Details", "Where", "Y", "X"],
    ["T-1", "Missed trash", "2021-10-01", "00:30", "", "Open", "Bin not emptied", "1 Main St", LAT, LNG],  # 2
    ["T-2", "Pothole", "2021-10-02", "14:05", "2021-10-04", "Done", "Deep hole", "2 Main St", LAT, LNG],  # 3
    ["T-3", "trash", "2021-10-03", "09:00", "", "Open", "Two lines\nof details", "3 Main St", "", ""],  # 4-5
    ["T-4", "Pothole", "2021-13-45", "09:00", "", "Open", "Bad date", "4 Main St", LAT, LNG],  # 6
    ["T-5", "Graffiti", "2021-10-05", "09:00", "", "Open", "Unknown type", "5 Main St", LAT, LNG],  # 7
    ["T-6", "Pothole", "2021-10-06", "09:00", "", "Open", "Latitude out of range", "6 Main St", "123.4", LNG],  # 8
    ["", "Pothole", "2021-10-07", "09:00", "", "Open", "No ticket number", "7 Main St", LAT, LNG],  # 9
    ["T-8", "Pothole", "2021-10-08", "09:00", "", "Open", "Missing column"],  # 10
    ["T-9", "Pothole", "2021-10-09", "09:00", "", "Open", "In Raytown", "9 Main St", RAY_LAT, RAY_LNG],  # 11
    ["T-10", "Pothole", "2021-10-10", "09:00", "2021-10-01", "Done", "Closed before opened", "", LAT, LNG],  # 12
    ["T-11", "Pothole", "2021-10-11", "09:00", "", "Lost", "Unknown status", "11 Main St", LAT, LNG],  # 13
]
EXPECTED_BAD = {
    6: "“2021-13-45 09:00” is not a date",
    7: "“Graffiti” is not a known problem type",
    8: "123.4 is not between -90 and 90",
    9: "Ticket is empty",
    10: "The row has 7 columns where the header has 10",
    11: "is in Raytown, not in Independence",
    13: "“Lost” is not a known status",
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "cases.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(ROWS)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return data, mapping


@pytest.fixture
def types(independence: City, make_service_type: Callable[..., ServiceType]) -> dict[str, ServiceType]:
    return {
        "trash": make_service_type(independence, "trash", name="Trash", target_days=3),
        "pothole": make_service_type(independence, "pothole", name="Pothole"),
    }


def run_import(city: City, data: Path, mapping: Path) -> tuple[Any, list[BadRow]]:
    bad: list[BadRow] = []
    report = cases_import(
        city=city, rows=read_files("csv", [data], tz=city.tz, mapping_path=mapping), on_bad_row=bad.append
    )
    return report, bad


def test_good_rows_are_imported_and_bad_rows_reported_with_line_and_reason(
    independence: City, types: dict[str, ServiceType], files: tuple[Path, Path], cities: Any
) -> None:
    data, mapping = files
    report, bad = run_import(independence, data, mapping)
    assert report.read == len(ROWS) - 1
    assert report.imported == 4
    assert {row.line: row.reason for row in bad}.keys() == EXPECTED_BAD.keys()
    for row in bad:
        assert EXPECTED_BAD[row.line] in row.reason, (row.line, row.reason)
        assert not row.reason.startswith("(")
        assert row.source == "cases.csv"
    assert report.bad == len(EXPECTED_BAD)
    assert sorted(ServiceRequest.objects.filter(city=independence).values_list("external_id", flat=True)) == [
        "T-1",
        "T-10",
        "T-2",
        "T-3",
    ]


def test_imported_rows_follow_the_citys_rules_and_email_nobody(
    independence: City, types: dict[str, ServiceType], files: tuple[Path, Path], cities: Any
) -> None:
    data, mapping = files
    run_import(independence, data, mapping)
    first = ServiceRequest.objects.get(city=independence, external_id="T-1")
    assert first.is_imported and first.channel == Channel.IMPORT
    assert first.service_type == types["trash"]
    assert first.department == types["trash"].department
    assert first.district is not None and first.district.city == independence
    assert first.opened_at == dt.datetime(2021, 10, 1, 0, 30, tzinfo=CHICAGO)
    assert first.due_at == first.opened_at + dt.timedelta(days=3)
    assert first.status == Status.NEW and first.closed_at is None

    closed = ServiceRequest.objects.get(city=independence, external_id="T-2")
    assert (closed.status, closed.resolution) == (Status.CLOSED, "resolved")
    assert closed.closed_at == dt.datetime(2021, 10, 4, 23, 59, 59, tzinfo=CHICAGO)
    assert [e.kind for e in closed.events.all()] == [EventKind.CREATED, EventKind.CLOSED]

    no_point = ServiceRequest.objects.get(city=independence, external_id="T-3")
    assert no_point.description == "Two lines\nof details"
    assert (no_point.lat, no_point.district) == (None, None)
    assert not OutboxMessage.objects.exists()


def test_a_case_closed_before_it_was_opened_is_kept_as_closed_when_opened_with_a_warning(
    independence: City, types: dict[str, ServiceType], files: tuple[Path, Path], cities: Any
) -> None:
    data, mapping = files
    report, _bad = run_import(independence, data, mapping)
    case = ServiceRequest.objects.get(city=independence, external_id="T-10")
    assert case.closed_at == case.opened_at
    assert report.warned == 1
    assert report.warnings[0].line == 12
    assert "before it was opened" in report.warnings[0].reason


def test_importing_the_file_again_imports_nothing_and_changes_nothing(
    independence: City, types: dict[str, ServiceType], files: tuple[Path, Path], cities: Any
) -> None:
    data, mapping = files
    run_import(independence, data, mapping)
    before = list(ServiceRequest.objects.order_by("pk").values())
    events = CaseEvent.objects.count()
    again, _bad = run_import(independence, data, mapping)
    assert (again.imported, again.already_present, again.bad) == (0, 4, len(EXPECTED_BAD))
    assert list(ServiceRequest.objects.order_by("pk").values()) == before
    assert CaseEvent.objects.count() == events


def test_the_same_case_twice_in_one_file_is_imported_once(
    independence: City, types: dict[str, ServiceType], files: tuple[Path, Path], tmp_path: Path, cities: Any
) -> None:
    _data, mapping = files
    twice = tmp_path / "twice.csv"
    with open(twice, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([ROWS[0], ROWS[1], ROWS[1]])
    report, bad = run_import(independence, twice, mapping)
    assert report.imported == 1
    assert [(row.line, "appears twice" in row.reason) for row in bad] == [(3, True)]


def test_a_point_in_no_member_city_is_reported_as_outside_the_city_and_every_other(
    independence: City, types: dict[str, ServiceType], files: tuple[Path, Path], tmp_path: Path, cities: Any
) -> None:
    _data, mapping = files
    st_louis = tmp_path / "st-louis.csv"
    with open(st_louis, "w", newline="", encoding="utf-8") as fh:
        row = ["T-12", "Pothole", "2021-10-12", "09:00", "", "Open", "In St. Louis", "", "38.627", "-90.1994"]
        csv.writer(fh).writerows([ROWS[0], row])
    report, bad = run_import(independence, st_louis, mapping)
    assert report.imported == 0
    assert [(row.line, row.reason) for row in bad] == [
        (2, "The point 38.627, -90.1994 is not in Independence, nor in any other member city.")
    ]


def test_a_file_without_a_mapped_column_is_refused_before_any_row(
    independence: City, types: dict[str, ServiceType], files: tuple[Path, Path], tmp_path: Path
) -> None:
    _data, mapping = files
    short = tmp_path / "short.csv"
    short.write_text("Ticket,Problem,Date\nT-1,Trash,2021-10-01\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"names column\(s\) 'Time'.*Its columns are: Ticket, Problem, Date"):
        cases_import(city=independence, rows=read_files("csv", [short], tz=independence.tz, mapping_path=mapping))
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colums: {}\n", "unknown key(s) colums"),
        ("columns: {external_id: A, service_type: B}\ndate_formats: ['%Y']\n", "opened_at must be mapped"),
        (
            "columns: {external_id: A, service_type: B, opened_at: C}\ndate_formats: ['%Y-%m-%d']\ntimezone: Mars/Base\n",
            "Mars/Base is not a known time zone",
        ),
        (
            "columns: {external_id: A, service_type: B, opened_at: C}\ndate_formats: ['%Y-%m-%d']\n"
            "statuses: {X: {status: closed, resolution: fixed}}\n",
            "resolution must be one of",
        ),
    ],
)
def test_a_mistake_in_the_mapping_file_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(text, encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("A,B,C\n", encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        read_files("csv", [data], tz=CHICAGO, mapping_path=mapping)
    assert message in str(caught.value)
    assert str(mapping) in str(caught.value)


def test_the_command_prints_counts_and_writes_every_bad_row(
    independence: City,
    types: dict[str, ServiceType],
    files: tuple[Path, Path],
    tmp_path: Path,
    capsys: Any,
    cities: Any,
) -> None:
    data, mapping = files
    bad_file = tmp_path / "bad.csv"
    call_command(
        "import_cases", "--format", "csv", "--city", "independence", "--mapping", str(mapping),
        "--bad-rows", str(bad_file), "--show", "2", str(data),
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "11 rows read from 1 file(s)" in out
    assert "4 imported" in out
    assert "0 already imported (skipped)" in out
    assert "7 bad (not imported)" in out
    assert "bad: cases.csv, line 6: Date, Time: “2021-13-45 09:00” is not a date" in out
    assert "… and 5 more bad row(s) in" in out
    with open(bad_file, newline="", encoding="utf-8") as fh:
        written = list(csv.DictReader(fh))
    assert [int(row["line"]) for row in written] == sorted(EXPECTED_BAD)
    assert written[0]["case id"] == "T-4"


def test_a_dry_run_checks_every_row_and_writes_nothing(
    independence: City, types: dict[str, ServiceType], files: tuple[Path, Path], capsys: Any, cities: Any
) -> None:
    data, mapping = files
    call_command(
        "import_cases", "--format", "csv", "--city", "independence", "--mapping", str(mapping), "--dry-run", str(data)
    )
    out = capsys.readouterr().out
    assert "4 would be imported" in out
    assert "7 bad (not imported)" in out
    assert not ServiceRequest.objects.exists()


def test_the_command_names_what_is_wrong_with_its_arguments(
    independence: City, files: tuple[Path, Path], tmp_path: Path
) -> None:
    data, mapping = files
    with pytest.raises(CommandError, match="No city 'atlantis'"):
        call_command("import_cases", "--format", "csv", "--city", "atlantis", "--mapping", str(mapping), str(data))
    with pytest.raises(CommandError, match="needs --mapping"):
        call_command("import_cases", "--format", "csv", "--city", "independence", str(data))
    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "import_cases", "--format", "csv", "--city", "independence", "--mapping", str(mapping), str(tmp_path / "x")
        )


def test_the_report_roll_ups_agree_with_the_imported_cases(
    independence: City, types: dict[str, ServiceType], files: tuple[Path, Path], cities: Any
) -> None:
    from civicdesk.reports import rollups

    data, mapping = files
    run_import(independence, data, mapping)
    assert rollups.verify(city=independence) == []
