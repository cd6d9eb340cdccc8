"""The history importer under bad input: generated CSV rows (random text, dates in odd
formats, missing and extra columns, values with line breaks and quotes), files in the wrong
encoding, with a BOM, with NUL bytes, and GeoReport JSON holding half a character. No
exception escapes; every bad row is reported with the line it starts on and a reason; good
rows are kept exactly; importing the same file again changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from civicdesk.cases.models import CaseEvent, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.history.pipeline import cases_import
from civicdesk.history.readers import ImportFileError, read_files
from civicdesk.history.rows import BadRow
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

LAT, LNG = INSIDE["independence"]
HEADER = ["Ticket", "Problem", "Date", "Time", "Closed", "State", "Details", "Where", "Y", "X", "District", "Priority"]
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
      district: District
      priority: Priority
    date_formats: ["%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %I:%M %p", "%m/%d/%Y"]
    timezone: America/Chicago
    statuses:
      Open: new
      Done: {status: closed, resolution: resolved}
    service_types:
      codes:
        trash: [Trash, Missed trash]
        pothole: Pothole
    """
)
_examples = itertools.count(1)


@pytest.fixture
def types(independence: City, make_service_type: Callable[..., ServiceType]) -> dict[str, ServiceType]:
    return {
        "trash": make_service_type(independence, "trash", name="Trash", target_days=3),
        "pothole": make_service_type(independence, "pothole", name="Pothole"),
    }


@pytest.fixture
def mapping_file(tmp_path: Path) -> Callable[..., Path]:
    def write(extra: str = "") -> Path:
        path = tmp_path / "mapping.yaml"
        path.write_text(MAPPING + extra, encoding="utf-8")
        return path

    return write


def run(city: City, fmt: str, data: Path, mapping: Path | None) -> tuple[Any, list[BadRow]]:
    bad: list[BadRow] = []
    report = cases_import(
        city=city, rows=read_files(fmt, [data], tz=city.tz, mapping_path=mapping), on_bad_row=bad.append
    )
    return report, bad


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows([HEADER, *rows])


def start_lines(rows: list[list[str]]) -> list[int]:
    """The line each record starts on, as a reader counts them (line 1 is the header): a
    quoted value's line breaks (CR, LF or CRLF) add lines."""
    lines, line = [], 2
    for row in rows:
        lines.append(line)
        line += 1 + sum(len(re.findall(r"\r\n|\r|\n", value)) for value in row)
    return lines


# --- generated rows ---------------------------------------------------------------------------------

texts = st.text(max_size=40)
odd_dates = st.sampled_from(
    [
        "2021-02-30",
        "31/12/2021",
        "2021-12-31T10:00:00Z",
        "12/31/2021 10:00 PM",
        "12/31/2021 13:00 PM",
        "1e10",
        "0000-00-00",
        "0001-01-01",
        "9999-12-31",
        "9999-12-31 23:59",
        "2021-03-14 02:30",  # a local time that does not exist (the clocks went forward)
        "2021-11-07 01:30",  # one that happens twice
        "",
    ]
)
inside = st.tuples(st.floats(-0.002, 0.002), st.floats(-0.002, 0.002)).map(lambda d: [str(LAT + d[0]), str(LNG + d[1])])


@st.composite
def good_rows(draw: Callable[..., Any]) -> list[str]:
    opened = draw(st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2024, 12, 31)))
    closed = draw(st.one_of(st.just(""), st.just(opened.strftime("%m/%d/%Y"))))
    return [
        "",  # the ticket is numbered by the test
        draw(st.sampled_from(["Trash", "Missed trash", "pothole", "POTHOLE"])),
        opened.strftime("%Y-%m-%d"),
        draw(st.sampled_from([opened.strftime("%H:%M"), ""])),
        closed,
        "Done" if closed else draw(st.sampled_from(["Open", ""])),
        draw(st.text(max_size=200)),  # anything at all: line breaks, quotes, commas, NUL, emoji
        draw(st.text(max_size=60)),
        *draw(inside),
        draw(st.sampled_from(["", "1", "2.0", "x", "inf", "nan", "-1e400"])),
        draw(st.sampled_from(["", "low", "HIGH", "Urgent"])),
    ]


@st.composite
def any_rows(draw: Callable[..., Any]) -> list[str]:
    row = [
        draw(texts),
        draw(st.one_of(st.sampled_from(["Trash", "Pothole", "Graffiti"]), texts)),
        draw(st.one_of(odd_dates, texts)),
        draw(st.one_of(st.sampled_from(["10:00", "25:61", "9:5", ""]), texts)),
        draw(st.one_of(odd_dates, texts)),
        draw(st.one_of(st.sampled_from(["Open", "Done", "Lost"]), texts)),
        draw(texts),
        draw(texts),
        *draw(st.one_of(inside, st.lists(st.one_of(st.floats().map(repr), texts), min_size=2, max_size=2))),
        draw(st.one_of(st.sampled_from(["", "3", "inf", "-inf", "nan", "1e400", "9" * 30]), texts)),
        draw(st.one_of(st.sampled_from(["", "low", "normal", "max"]), texts)),
    ]
    width = draw(st.sampled_from([len(row)] * 4 + [2, 5, len(row) + 1]))
    return [*row, "extra"][:width]


@given(
    rows=st.lists(
        st.one_of(good_rows().map(lambda r: (True, r)), any_rows().map(lambda r: (False, r))), min_size=1, max_size=8
    )
)
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_csv_is_imported_row_by_row_with_every_bad_row_reported_by_its_line_and_nothing_changed_on_a_rerun(
    independence: City,
    types: dict[str, ServiceType],
    mapping_file: Callable[..., Path],
    tmp_path: Path,
    rows: list[tuple[bool, list[str]]],
) -> None:
    prefix = f"E{next(_examples)}-"
    records: list[list[str]] = []
    good_ids: dict[str, str] = {}  # id → the description it must read back as
    for n, (good, row) in enumerate(rows):
        row = list(row)
        if good:
            row[0] = f"{prefix}G{n}"  # its ticket is unique
            good_ids[row[0]] = row[6].strip().replace("\x00", "").strip()
        elif row[0].strip():
            row[0] = prefix + row[0]
        records.append(row)
    data = tmp_path / "generated.csv"
    write_csv(data, records)
    lines = start_lines(records)
    mapping = mapping_file()

    report, bad = run(independence, "csv", data, mapping)

    ours = ServiceRequest.objects.filter(city=independence, external_id__startswith=prefix)
    imported = dict(ours.values_list("external_id", "description"))
    event(f"{report.imported} imported, {report.bad} bad")
    assert report.read == len(records)
    assert report.imported + report.bad == report.read == len(bad) + len(imported)
    assert report.imported == len(imported)
    for row in bad:
        assert row.line in lines and row.source == "generated.csv"
        assert row.reason and not row.reason.startswith("("), row
    assert len({row.line for row in bad}) == len(bad)
    for external_id, description in good_ids.items():
        # A good row is imported with its text exactly (trimmed, without NUL).
        assert imported.get(external_id) == description, (external_id, [str(b) for b in bad])

    before = list(ours.order_by("pk").values())
    events = CaseEvent.objects.filter(case__in=ours).count()
    again, bad_again = run(independence, "csv", data, mapping)
    assert (again.imported, again.already_present, again.bad) == (0, report.imported, report.bad)
    assert [b.line for b in bad_again] == [b.line for b in bad]
    assert list(ours.order_by("pk").values()) == before
    assert CaseEvent.objects.filter(case__in=ours).count() == events


# --- encodings, BOM, NUL ----------------------------------------------------------------------------

TEXT = "Café – naïve € “quoted”, on Main St"
ROW = ["T-1", "Trash", "2021-10-01", "09:00", "", "Open", TEXT, "1 Main St", str(LAT), str(LNG), "", ""]


def test_a_cp1252_file_read_as_utf8_stops_with_the_line_and_the_setting_to_change(
    independence: City, types: dict[str, ServiceType], mapping_file: Callable[..., Path], tmp_path: Path
) -> None:
    data = tmp_path / "legacy.csv"
    write_csv(data, [ROW], encoding="cp1252")
    with pytest.raises(
        ImportFileError,
        match=r"is not utf-8-sig; set csv\.encoding in the mapping \(e\.g\. cp1252\)",
    ):
        run(independence, "csv", data, mapping_file())
    assert not ServiceRequest.objects.exists()


def test_a_cp1252_file_with_its_encoding_in_the_mapping_reads_back_exactly(
    independence: City, types: dict[str, ServiceType], mapping_file: Callable[..., Path], tmp_path: Path
) -> None:
    data = tmp_path / "legacy.csv"
    write_csv(data, [ROW], encoding="cp1252")
    report, bad = run(independence, "csv", data, mapping_file("csv:\n  encoding: cp1252\n"))
    assert (report.imported, bad) == (1, [])
    assert ServiceRequest.objects.get().description == TEXT


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_file_with_a_byte_order_mark_reads_its_header_and_text(
    independence: City, types: dict[str, ServiceType], mapping_file: Callable[..., Path], tmp_path: Path, encoding: str
) -> None:
    data = tmp_path / "excel.csv"
    write_csv(data, [ROW], encoding=encoding)
    extra = "csv:\n  encoding: utf-16\n" if encoding == "utf-16" else ""
    report, bad = run(independence, "csv", data, mapping_file(extra))
    assert (report.imported, bad) == (1, [])
    assert ServiceRequest.objects.get().external_id == "T-1"


def test_emoji_and_right_to_left_text_round_trip_through_an_import(
    independence: City, types: dict[str, ServiceType], mapping_file: Callable[..., Path], tmp_path: Path
) -> None:
    texts = ["حفرة كبيرة 🕳️", "בור גדול", "Cafe\u0301 👨‍👩‍👧", 'line one\nline "two", three']
    rows = [
        [f"R-{n}", "Pothole", "2021-10-01", "09:00", "", "Open", text, text, str(LAT), str(LNG), "", ""]
        for n, text in enumerate(texts)
    ]
    data = tmp_path / "intl.csv"
    write_csv(data, rows)
    report, bad = run(independence, "csv", data, mapping_file())
    assert (report.imported, bad) == (len(texts), [])
    for n, text in enumerate(texts):
        case = ServiceRequest.objects.get(external_id=f"R-{n}")
        assert (case.description, case.address) == (text, text)


def test_nul_bytes_in_a_csv_are_dropped_not_a_database_error(
    independence: City, types: dict[str, ServiceType], mapping_file: Callable[..., Path], tmp_path: Path
) -> None:
    data = tmp_path / "nul.csv"
    write_csv(
        data,
        [
            [
                "T-\x001",
                "Trash",
                "2021-10-01",
                "09:00",
                "",
                "Open",
                "Bin\x00 not emptied",
                "1 Main\x00 St",
                str(LAT),
                str(LNG),
                "",
                "",
            ]
        ],
    )
    report, bad = run(independence, "csv", data, mapping_file())
    assert (report.imported, bad) == (1, [])
    case = ServiceRequest.objects.get()
    assert (case.external_id, case.description, case.address) == ("T-1", "Bin not emptied", "1 Main St")


def test_an_infinite_district_number_is_a_warning_not_a_crash(
    independence: City, types: dict[str, ServiceType], mapping_file: Callable[..., Path], tmp_path: Path
) -> None:
    data = tmp_path / "district.csv"
    row = list(ROW)
    row[10] = "inf"
    write_csv(data, [row])
    report, bad = run(independence, "csv", data, mapping_file())
    assert (report.imported, bad) == (1, [])
    assert "District: “inf” is not a district number; ignored." in [w.reason for w in report.warnings]


# --- GeoReport JSON ---------------------------------------------------------------------------------


def georeport(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "requests.json"
    path.write_bytes(text.encode(encoding))
    return path


def request(**fields: Any) -> dict[str, Any]:
    return {
        "service_request_id": "G-1",
        "service_code": "trash",
        "status": "open",
        "requested_datetime": "2021-10-01T09:00:00-05:00",
        "lat": LAT,
        "long": LNG,
        "description": "Bin not emptied",
        **fields,
    }


def test_a_lone_surrogate_in_georeport_json_is_a_bad_row_naming_the_field(
    independence: City, types: dict[str, ServiceType], tmp_path: Path
) -> None:
    body = json.dumps([request(description="half an emoji \ud83d"), request(service_request_id="G-2")])
    assert "\\ud83d" in body
    report, bad = run(independence, "georeport", georeport(tmp_path, body), None)
    assert report.imported == 1 and ServiceRequest.objects.get().external_id == "G-2"
    assert [(b.line, b.external_id) for b in bad] == [(1, "G-1")]
    assert "description" in bad[0].reason and "half of a character" in bad[0].reason


def test_emoji_and_nul_in_georeport_json_round_trip_or_are_dropped(
    independence: City, types: dict[str, ServiceType], tmp_path: Path
) -> None:
    text = "حفرة 🕳️ \U0001d518 Cafe\u0301"
    body = json.dumps([request(description=text + "\u0000", address="1 Main St \u05d0")], ensure_ascii=False)
    report, bad = run(independence, "georeport", georeport(tmp_path, body), None)
    assert (report.imported, bad) == (1, [])
    assert (ServiceRequest.objects.get().description, ServiceRequest.objects.get().address) == (
        text,
        "1 Main St \u05d0",
    )


def test_a_georeport_file_that_is_not_utf8_stops_with_a_clear_error(
    independence: City, types: dict[str, ServiceType], tmp_path: Path
) -> None:
    body = json.dumps([request(description="Café – €")], ensure_ascii=False)
    with pytest.raises(ImportFileError, match="is not UTF-8"):
        run(independence, "georeport", georeport(tmp_path, body, encoding="cp1252"), None)
    assert not ServiceRequest.objects.exists()


# --- the command --------------------------------------------------------------------------------------


def test_the_command_reports_bad_rows_by_line_and_a_bad_file_as_a_command_error(
    independence: City, types: dict[str, ServiceType], mapping_file: Callable[..., Path], tmp_path: Path, capsys: Any
) -> None:
    data = tmp_path / "cases.csv"
    bad_row = list(ROW)
    bad_row[0], bad_row[2] = "T-2", "2021-02-30"
    write_csv(data, [ROW, ["T-3", "Pothole"], bad_row])
    listing = tmp_path / "bad.csv"
    call_command(
        "import_cases", str(data), fmt="csv", city="independence", mapping=str(mapping_file()), bad_rows=str(listing)
    )
    out = capsys.readouterr().out
    assert "1 imported" in out and "2 bad (not imported)" in out
    assert "cases.csv, line 3: The row has 2 columns where the header has 12" in out
    assert "cases.csv, line 4: Date, Time: “2021-02-30 09:00” is not a date" in out
    with open(listing, encoding="utf-8") as fh:
        assert [r[1] for r in csv.reader(fh)][1:] == ["3", "4"]

    legacy = tmp_path / "legacy.csv"
    write_csv(legacy, [ROW], encoding="cp1252")
    with pytest.raises(CommandError, match=r"set csv\.encoding"):
        call_command("import_cases", str(legacy), fmt="csv", city="independence", mapping=str(mapping_file()))
    json_file = georeport(tmp_path, json.dumps([request(description="Café")], ensure_ascii=False), encoding="cp1252")
    with pytest.raises(CommandError, match="is not UTF-8"):
        call_command("import_cases", str(json_file), fmt="georeport", city="independence")
