"""Open311 GeoReport v2 JSON (a real requests.json answered by Bloomington, IN) imported into
a test city whose limits cover Bloomington."""

from __future__ import annotations

import datetime as dt
import io
import json
import textwrap
from pathlib import Path

import pytest
from shapely.geometry import box, mapping

from civicdesk.cases.models import EventKind, ServiceRequest, Status
from civicdesk.catalog.models import ServiceType
from civicdesk.history.pipeline import cases_import
from civicdesk.history.readers import read_files
from civicdesk.history.readers.georeport import iter_json_array
from civicdesk.history.rows import BadRow
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.models import City, District, Region
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.django_db
REQUESTS = SHARED_DATA / "311" / "open311_bloomington" / "bloomington_requests.json"
MAPPING = textwrap.dedent(
    """\
    service_types:
      codes:
        weeds: Weeds
        yard-waste: [Yard Waste]
        traffic: [Traffic Signals, Traffic Suggestions, Traffic Related Complaints]
      otherwise: other
    """
)


@pytest.fixture
def bloomington(db: None) -> City:
    region = Region.objects.create(name="Indiana test", slug="indiana-test")
    city = City.objects.create(
        region=region,
        name="Bloomington",
        slug="bloomington",
        jurisdiction_id="bloomington.in.gov",
        case_prefix="BLM",
        timezone="America/Indiana/Indianapolis",
        boundary=mapping(box(-86.60, 39.10, -86.45, 39.22)),
    )
    District.objects.create(city=city, name="North", number=1, boundary=mapping(box(-86.60, 39.15, -86.45, 39.22)))
    District.objects.create(city=city, name="South", number=2, boundary=mapping(box(-86.60, 39.10, -86.45, 39.15)))
    for code in ("weeds", "yard-waste", "traffic", "other"):
        ServiceType.objects.create(city=city, code=code, name=code.replace("-", " ").capitalize())
    return city


def test_requests_become_cases_with_status_times_notes_and_places(bloomington: City, tmp_path: Path) -> None:
    mapping_file = tmp_path / "bloomington.yaml"
    mapping_file.write_text(MAPPING, encoding="utf-8")
    raw = json.loads(REQUESTS.read_text())
    bad: list[BadRow] = []
    report = cases_import(
        city=bloomington,
        rows=read_files("georeport", [REQUESTS], tz=bloomington.tz, mapping_path=mapping_file),
        on_bad_row=bad.append,
    )
    assert (report.read, report.imported, report.bad) == (len(raw), len(raw), 0), bad
    cases = ServiceRequest.objects.filter(city=bloomington)
    assert cases.filter(service_type__code="weeds").count() == sum(r["service_name"] == "Weeds" for r in raw)
    assert cases.filter(status=Status.CLOSED).count() == sum(r["status"] == "closed" for r in raw)

    closed_raw = next(r for r in raw if r["status"] == "closed")
    closed = cases.get(external_id=closed_raw["service_request_id"])
    assert closed.closed_at == dt.datetime.fromisoformat(closed_raw["updated_datetime"])
    assert closed.opened_at == dt.datetime.fromisoformat(closed_raw["requested_datetime"])
    assert closed.closing_note == (closed_raw.get("status_notes") or "").strip()
    assert [e.kind for e in closed.events.all()] == [EventKind.CREATED, EventKind.CLOSED]

    pointed = next(r for r in raw if r["lat"] and r["long"])
    case = cases.get(external_id=pointed["service_request_id"])
    assert (case.lat, case.lng) == (pointed["lat"], pointed["long"])
    assert case.district is not None
    # Apps send 0, 0 for "no point": such a request keeps no point and no district.
    zero = next(r for r in raw if r["lat"] == 0)
    assert cases.get(external_id=zero["service_request_id"]).lat is None
    assert not cases.exclude(is_imported=True).exists()
    assert not OutboxMessage.objects.exists()

    again = cases_import(
        city=bloomington, rows=read_files("georeport", [REQUESTS], tz=bloomington.tz, mapping_path=mapping_file)
    )
    assert (again.imported, again.already_present) == (0, len(raw))


def test_a_service_no_mapping_names_is_a_bad_row_without_a_fallback(bloomington: City, tmp_path: Path) -> None:
    mapping_file = tmp_path / "strict.yaml"
    mapping_file.write_text("service_types:\n  codes:\n    weeds: Weeds\n", encoding="utf-8")
    bad: list[BadRow] = []
    report = cases_import(
        city=bloomington,
        rows=read_files("georeport", [REQUESTS], tz=bloomington.tz, mapping_path=mapping_file),
        on_bad_row=bad.append,
    )
    assert report.imported == 6
    assert report.bad == 15
    assert all("is not a known problem type" in row.reason for row in bad)
    assert bad[0].line == 1  # the file is one line: every request starts on it


def test_a_json_list_is_read_as_a_stream_with_the_line_each_element_starts_on() -> None:
    text = '[\n {"a": 1},\n {"b": "x\\ny"\n },\n\n {"c": [1,\n 2]}\n]\n'
    elements = list(iter_json_array(io.StringIO(text), name="t.json"))
    assert elements == [(2, {"a": 1}), (3, {"b": "x\ny"}), (6, {"c": [1, 2]})]
    # Elements that span the reader's chunks are read whole.
    big = json.dumps([{"n": i, "pad": "x" * 1000} for i in range(200)], indent=1)
    assert [value["n"] for _line, value in iter_json_array(io.StringIO(big), name="big.json")] == list(range(200))


def test_the_status_notes_of_a_closed_request_are_its_closing_note(bloomington: City, tmp_path: Path) -> None:
    dump = tmp_path / "requests.json"
    dump.write_text(
        json.dumps(
            [
                {
                    "service_request_id": "r-1",
                    "status": "closed",
                    "status_notes": "Mowed by the city crew.",
                    "service_code": "weeds",
                    "service_name": "Weeds",
                    "description": "Knee-high grass",
                    "requested_datetime": "2012-05-22T09:00:00-04:00",
                    "updated_datetime": "2012-05-25T16:30:00-04:00",
                    "address": "401 N Morton St",
                    "zipcode": "47404",
                    "lat": 39.1712,
                    "long": -86.5346,
                }
            ]
        ),
        encoding="utf-8",
    )
    report = cases_import(city=bloomington, rows=read_files("georeport", [dump], tz=bloomington.tz))
    assert report.imported == 1
    case = ServiceRequest.objects.get(city=bloomington, external_id="r-1")
    assert case.closing_note == "Mowed by the city crew."
    assert case.address == "401 N Morton St 47404"
    assert case.district is not None and case.district.name == "North"
    assert case.closed_at == dt.datetime(2012, 5, 25, 20, 30, tzinfo=dt.UTC)
