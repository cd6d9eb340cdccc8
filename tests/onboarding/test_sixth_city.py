"""Issue 17, "A sixth city joins in an afternoon": the whole path with commands, then one test
for each of the twelve surprises the issue lists, each of which would have caught it."""

from __future__ import annotations

import csv
import io
import json
import logging
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from shapely.geometry import shape

from civicdesk.accounts.models import User
from civicdesk.cases.models import ServiceRequest
from civicdesk.tenants import districts
from civicdesk.tenants.models import City, District
from civicdesk.tenants.services import district_import
from tests.conftest import CITY_LIMITS
from tests.expected.helpers import run_ready_tasks
from tests.onboarding.test_city_and_catalogue_commands import CATALOGUE, create_grain_valley, run

pytestmark = pytest.mark.django_db


def inside_grain_valley() -> tuple[float, float]:
    limits = json.loads((CITY_LIMITS / "grain-valley.json").read_text(encoding="utf-8"))
    point = shape(limits["features"][0]["geometry"]).representative_point()
    return round(point.y, 6), round(point.x, 6)


LAT, LNG = inside_grain_valley()
CITY_HALL = (LAT + 0.0001, LNG)  # the old system's stand-in point, a few metres from (LAT, LNG)

MAPPING = textwrap.dedent(
    f"""\
    columns:
      external_id: Ticket
      service_type: Type
      opened_at: Opened
      closed_at: Closed
      address: Address
      lat: Lat
      lng: Lng
      district: Ward
    date_formats: ["%Y-%m-%d %H:%M", "%Y-%m-%d"]
    match_types_by_name: true
    placeholder_points: [{{lat: {CITY_HALL[0]}, lng: {CITY_HALL[1]}, radius_m: 5}}]
    """
)
HEADER = ["Ticket", "Type", "Opened", "Closed", "Address", "Lat", "Lng", "Ward"]
HISTORY = [
    ["G-1", "Pothole", "2024-03-01 09:00", "2024-03-02", "1 Main St", LAT, LNG, ""],
    ["G-2", "Pothole", "2024-03-04 10:00", "", "2 Main St", LAT, LNG, ""],
    ["G-3", "Tall grass", "2024-03-05 11:00", "2024-03-20", "3 Main St", LAT, LNG, ""],
    ["G-4", "tall-grass", "2024-03-06 12:00", "", "4 Main St", CITY_HALL[0], CITY_HALL[1], "1.0"],  # stand-in
    ["G-5", "Pothole", "2024-03-07 13:00", "2024-03-01", "5 Main St", LAT, LNG, ""],  # closed before opened
    ["G-6", "Pothole", "2024-03-08 14:00", "", "6 Main St", "", "", "0.0"],  # no such district
    ["G-7", "Graffiti", "2024-03-09 15:00", "", "7 Main St", LAT, LNG, ""],  # no such type: bad
]


def write(tmp_path: Path, rows: list[list[Any]], mapping: str = MAPPING) -> tuple[Path, Path]:
    data, mapping_file = tmp_path / "history.csv", tmp_path / "mapping.yaml"
    with data.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    mapping_file.write_text(mapping, encoding="utf-8")
    return data, mapping_file


def import_history(data: Path, mapping: Path, *extra: str) -> str:
    return run("import_cases", "--format=csv", "--city=grain-valley", f"--mapping={mapping}", *extra, str(data))


@pytest.fixture
def grain_valley(cities: dict[str, City], tmp_path: Path) -> City:
    """The sixth city, made with the two commands, and one council district (its whole area)."""
    create_grain_valley()
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    run("catalog_import", "--city=grain-valley", str(catalogue))
    city = City.objects.get(slug="grain-valley")
    whole = districts.DistrictShape("Ward 1", 1, shape(city.boundary))
    district_import(city=city, shapes=[whole])
    return city


def test_a_sixth_city_from_its_limits_and_a_catalogue_file_imports_its_history_and_has_its_report(
    grain_valley: City, tmp_path: Path
) -> None:
    data, mapping = write(tmp_path, HISTORY)
    out = import_history(data, mapping)
    assert out.splitlines()[0] == (
        "Grain Valley: 7 rows read from 1 file(s): 6 imported (2 with a warning), "
        "0 already imported (skipped), 1 bad (not imported)."
    )
    report = run(
        "report", "service-requests", "--city=grain-valley", "--from=2024-03-01", "--to=2024-03-31", "--format=csv"
    )
    rows = list(csv.reader(io.StringIO(report)))
    assert ["Scope", "Grain Valley"] in rows
    assert ["Total new requests", "6"] in rows
    assert ["1", "Pothole", "4"] in rows and ["2", "Tall grass", "2"] in rows
    assert ["Public Works", "4", "66.7"] in rows


# 1. No way to create a member city but admin forms in the right order: city_create, and
#    docs/onboarding.md gives the order.
def test_1_city_create_and_the_onboarding_doc_give_the_order(cities: dict[str, City]) -> None:
    create_grain_valley()
    assert City.objects.filter(slug="grain-valley").exists()
    doc = (Path(settings.BASE_DIR) / "docs" / "onboarding.md").read_text(encoding="utf-8")
    headings = "\n".join(line for line in doc.splitlines() if line.startswith("## "))
    steps = ["city_create", "districts", "catalog_import", "Staff", "Open311", "import_cases", "first report"]
    positions = [headings.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), headings


# 2. No bulk import for departments and service types.
def test_2_a_catalogue_of_types_is_one_command(grain_valley: City) -> None:
    assert sorted(grain_valley.service_types.values_list("code", flat=True)) == ["pothole", "tall-grass"]
    assert sorted(grain_valley.departments.values_list("code", flat=True)) == ["codes", "public-works"]


# 3. The mapping needs one line per type even when the names are the city's.
def test_3_types_are_matched_by_the_citys_names_and_codes(grain_valley: City, tmp_path: Path) -> None:
    data, mapping = write(tmp_path, HISTORY[:4])
    import_history(data, mapping)
    types = dict(ServiceRequest.objects.filter(city=grain_valley).values_list("external_id", "service_type__code"))
    assert types == {"G-1": "pothole", "G-2": "pothole", "G-3": "tall-grass", "G-4": "tall-grass"}


# 4. Exit status 0 when every row is bad; an unknown code in codes: found only row by row.
def test_4_an_import_of_nothing_fails_and_mapping_mistakes_come_before_any_row(
    grain_valley: City, tmp_path: Path
) -> None:
    wrong_dates = MAPPING.replace('["%Y-%m-%d %H:%M", "%Y-%m-%d"]', '["%d.%m.%Y"]')
    data, mapping = write(tmp_path, HISTORY, wrong_dates)
    with pytest.raises(CommandError, match=r"Nothing was imported: 7 row\(s\) read, 7 bad"):
        import_history(data, mapping)

    unknown_code = MAPPING + "service_types:\n  codes:\n    potholes: [Pothole]\n"
    data, mapping = write(tmp_path, HISTORY, unknown_code)
    with pytest.raises(CommandError, match=r"names code\(s\) potholes that Grain Valley does not have"):
        import_history(data, mapping)

    bad_directive = MAPPING.replace('"%Y-%m-%d %H:%M"', '"%Y-%m-%d %H:%q"')
    data, mapping = write(tmp_path, HISTORY, bad_directive)
    with pytest.raises(CommandError, match="date_formats: The date format '%Y-%m-%d %H:%q' cannot be used"):
        import_history(data, mapping)
    assert not ServiceRequest.objects.filter(city=grain_valley).exists()

    data, mapping = write(tmp_path, HISTORY)
    with pytest.raises(CommandError, match=r"1 bad row\(s\) of 7, more than --max-bad 10%"):
        import_history(data, mapping, "--max-bad=10%")
    assert import_history(data, mapping, "--max-bad=1")  # at the threshold: fine


# 5. A re-run printed "0 imported … 197 imported with a warning".
def test_5_a_second_run_says_already_imported_and_warns_of_nothing(grain_valley: City, tmp_path: Path) -> None:
    data, mapping = write(tmp_path, HISTORY)
    import_history(data, mapping)
    again = import_history(data, mapping)
    assert again.splitlines()[0] == (
        "Grain Valley: 7 rows read from 1 file(s): 0 imported, 6 already imported (skipped), 1 bad (not imported)."
    )
    assert "warning" not in again


# 6. Warnings past --show could not be listed.
def test_6_every_warning_goes_to_the_warnings_file(grain_valley: City, tmp_path: Path) -> None:
    data, mapping = write(tmp_path, HISTORY)
    warnings, bad = tmp_path / "warnings.csv", tmp_path / "bad.csv"
    out = import_history(data, mapping, "--show=0", f"--warnings={warnings}", f"--bad-rows={bad}")
    assert f"… and 2 more warning(s) in {warnings}" in out
    with warnings.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["case id"], r["line"]) for r in rows] == [("G-5", "6"), ("G-6", "7")]
    assert "before it was opened" in rows[0]["reason"]


# 7. Memory grew with the file: with DEBUG on (a fresh install's default) every bulk insert's
#    SQL was kept. bench/onboarding.py measures the peak RSS; tests/history/test_memory.py
#    the Python heap.
def test_7_a_long_import_and_rebuild_keep_no_query_log(grain_valley: City, tmp_path: Path) -> None:
    from civicdesk.reports import rollups

    rows = [[f"M-{n}", "Pothole", "2024-03-01 09:00", "", f"{n} Main St", LAT, LNG, ""] for n in range(60)]
    data, mapping = write(tmp_path, rows)
    with override_settings(DEBUG=True):
        connection.queries_log.clear()
        run("import_cases", "--format=csv", "--city=grain-valley", f"--mapping={mapping}", "--batch-size=5", str(data))
        after_import = len(connection.queries_log)
        rollups.rebuild(city=grain_valley)
        after_rebuild = len(connection.queries_log)
    assert ServiceRequest.objects.filter(city=grain_valley).count() == 60
    # What is left is the last batch's and what follows the import once (the roll-ups, the
    # regional figures forgotten, the expected-dates task), not twelve batches'.
    assert after_import < 12, after_import
    assert after_rebuild - after_import < 12, after_rebuild - after_import


# 8. The city's placeholder point put 17,070 cases in City Hall's district.
def test_8_a_declared_stand_in_point_is_no_point(grain_valley: City, tmp_path: Path) -> None:
    data, mapping = write(tmp_path, HISTORY)
    import_history(data, mapping)
    stand_in = ServiceRequest.objects.get(city=grain_valley, external_id="G-4")
    assert (stand_in.lat, stand_in.lng) == (None, None)
    assert stand_in.district is not None and stand_in.district.number == 1  # the recorded ward
    real = ServiceRequest.objects.get(city=grain_valley, external_id="G-1")
    assert real.lat == LAT


# 9. District numbers the city does not have silently became "No district assigned".
def test_9_an_unknown_district_number_is_a_warning(grain_valley: City, tmp_path: Path) -> None:
    data, mapping = write(tmp_path, HISTORY)
    out = import_history(data, mapping)
    assert "warning: history.csv, line 7: Grain Valley has no district 0: imported without a district." in out
    assert ServiceRequest.objects.get(city=grain_valley, external_id="G-6").district is None


# 10. A second map with another name prefix was added beside the first.
def test_10_a_second_map_is_refused_unless_it_replaces_the_first_and_cases_keep_their_district(
    grain_valley: City, tmp_path: Path
) -> None:
    data, mapping = write(tmp_path, HISTORY[:1])
    import_history(data, mapping)
    case = ServiceRequest.objects.get(city=grain_valley, external_id="G-1")
    old = case.district
    assert old is not None and old.name == "Ward 1"

    second = districts.DistrictShape("P 1", 1, shape(grain_valley.boundary))
    with pytest.raises(ValidationError) as caught:
        district_import(city=grain_valley, shapes=[second])
    text = " ".join(caught.value.messages)
    assert "“P 1” has number 1, which “Ward 1” already has." in text
    assert "“P 1” covers 100% of “Ward 1”." in text
    unnumbered = districts.DistrictShape("North", None, shape(grain_valley.boundary))
    with pytest.raises(ValidationError, match="covers 100% of “Ward 1”"):
        district_import(city=grain_valley, shapes=[unnumbered])

    district_import(city=grain_valley, shapes=[second], replace=True)
    old.refresh_from_db()
    case.refresh_from_db()
    assert case.district_id == old.pk and old.retired_on is not None and old.name.startswith("Ward 1 (map until ")
    data, mapping = write(tmp_path, [["G-9", "Pothole", "2024-04-01 09:00", "", "9 Main St", LAT, LNG, ""]])
    import_history(data, mapping)
    assert ServiceRequest.objects.get(city=grain_valley, external_id="G-9").district.name == "P 1"
    current = District.objects.filter(city=grain_valley, retired_on__isnull=True)
    assert list(current.values_list("name", flat=True)) == ["P 1"]


# 11. The city form: free-text time zone pre-filled with America/Chicago; month 0 let through.
def test_11_the_city_form_offers_the_zones_and_bounds_the_fiscal_month(
    cities: dict[str, City], login: Callable[[User], Client], superuser: User
) -> None:
    client = login(superuser)
    page = client.get(reverse("admin:tenants_city_add")).content.decode()
    assert '<select name="timezone"' in page
    assert '<option value="America/Denver">' in page and '<option value="America/Chicago" selected>' in page
    assert 'name="fiscal_year_start_month"' in page and 'min="1"' in page and 'max="12"' in page
    independence = cities["independence"]
    response = client.post(
        reverse("admin:tenants_city_change", args=[independence.pk]),
        {
            "region": independence.region_id,
            "name": independence.name,
            "slug": independence.slug,
            "jurisdiction_id": independence.jurisdiction_id,
            "case_prefix": independence.case_prefix,
            "timezone": "America/Chicgo",
            "fiscal_year_start_month": "0",
        },
    )
    errors = response.context["adminform"].form.errors
    assert "timezone" in errors and "fiscal_year_start_month" in errors


# 12. The PDF command printed 14 lines of WeasyPrint INFO on stderr.
def test_12_the_pdf_command_prints_the_file_and_nothing_else(grain_valley: City, tmp_path: Path, capfd: Any) -> None:
    data, mapping = write(tmp_path, HISTORY[:3])
    import_history(data, mapping)
    capfd.readouterr()
    output = tmp_path / "report.pdf"
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "report", "service-requests", "--city=grain-valley", "--from=2024-03-01", "--to=2024-03-31",
        f"--output={output}", stdout=out, stderr=err,
    )  # fmt: skip
    captured = capfd.readouterr()
    assert out.getvalue().strip() == str(output)
    assert output.read_bytes().startswith(b"%PDF")
    assert err.getvalue() == "" and captured.err == "", captured.err[:500]
    assert logging.getLogger("weasyprint").getEffectiveLevel() >= logging.WARNING


def test_8_a_city_whose_history_is_imported_has_expected_dates_without_waiting_for_the_night(
    grain_valley: City, tmp_path: Path
) -> None:
    """The import queues the city's first training; the task worker runs it at once and the
    city's cases are dated from its own model, not from the target."""
    from django_tasks_db.models import DBTaskResult

    from civicdesk.expected import selectors
    from civicdesk.expected.models import ExpectedModel
    from civicdesk.expected.tasks import FIRST_TASK_PATH

    rows = []
    for i in range(360):
        kind = "Pothole" if i % 3 else "Tall grass"
        day, hour = 1 + (i // 6) % 28, 8 + i % 9
        month = 3 + i // 168
        closed = f"2024-{month:02}-{min(day + (2 if kind == 'Pothole' else 9) + i % 4, 28):02}" if i % 10 else ""
        rows.append([f"H-{i}", kind, f"2024-{month:02}-{day:02} {hour:02}:00", closed, f"{i} Main St", LAT, LNG, ""])
    data, mapping = write(tmp_path, rows)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        out = import_history(data, mapping)
        assert "360 imported" in out.splitlines()[0]
        assert "the first training of grain-valley is queued for the task worker" in out
        assert DBTaskResult.objects.filter(task_path=FIRST_TASK_PATH, status="READY").count() == 1
        assert run_ready_tasks() == 1
    assert ExpectedModel.objects.get(city=grain_valley).status == "current"
    case = ServiceRequest.objects.filter(city=grain_valley, external_id="H-10").get()
    assert not selectors.expected_for(case).is_fallback
