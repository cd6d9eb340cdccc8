"""A new city's districts file: ``districts_import --template`` writes one the import takes as
it is (one "Citywide" district equal to the city's limits, for a city that elects at large),
and a file that is wrong is refused in the administrator's terms: a property missing, a
number given twice, a district outside the city's limits."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from shapely.affinity import translate
from shapely.geometry import box, mapping, shape
from shapely.ops import unary_union

from civicdesk.accounts.models import Role
from civicdesk.tenants import selectors
from civicdesk.tenants.districts import district_template
from civicdesk.tenants.models import City, District
from tests.onboarding.test_city_and_catalogue_commands import create_grain_valley, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def grain_valley(cities: dict[str, City]) -> City:
    create_grain_valley()
    return City.objects.get(slug="grain-valley")


def districts_import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("districts_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refusal(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        districts_import(*args)
    return str(caught.value)


def limits(city: City) -> Any:
    return shape(city.boundary)


def write_map(path: Path, features: list[tuple[dict[str, Any], Any]]) -> Path:
    """A districts file: each feature's properties and its (shapely) area."""
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": p, "geometry": mapping(g)} for p, g in features],
            }
        ),
        encoding="utf-8",
    )
    return path


def halves(city: City) -> tuple[Any, Any]:
    """The city's limits cut in two, west and east: a two-ward map of it."""
    area = limits(city)
    minx, miny, maxx, maxy = area.bounds
    middle = (minx + maxx) / 2
    return area.intersection(box(minx, miny, middle, maxy)), area.intersection(box(middle, miny, maxx, maxy))


def test_the_template_is_one_citywide_district_equal_to_the_citys_limits_with_the_properties_the_import_reads(
    grain_valley: City, tmp_path: Path
) -> None:
    path = tmp_path / "grain-valley-districts.geojson"

    out, _err = districts_import("--city", "grain-valley", "--template", str(path))

    assert f"Wrote {path}: one district, “Citywide”, equal to Grain Valley's limits." in out
    assert f"python manage.py districts_import --city grain-valley {path}" in out
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    [feature] = data["features"]
    assert feature["properties"] == {"name": "Citywide", "number": None}
    assert shape(feature["geometry"]).symmetric_difference(limits(grain_valley)).area < 1e-12
    # Readable in a text editor: the properties on a line of their own, no comment (JSON has none).
    assert '      "properties": {"name": "Citywide", "number": null},\n' in path.read_text()
    assert "//" not in path.read_text() and "#" not in path.read_text()


def test_a_city_that_elects_at_large_imports_the_template_as_it_is_and_its_cases_fall_in_citywide(
    grain_valley: City, tmp_path: Path
) -> None:
    path = tmp_path / "districts.geojson"
    districts_import("--city", "grain-valley", "--template", str(path))

    out, err = districts_import("--city", "grain-valley", str(path))

    assert out.strip() == "Grain Valley: created 1 district(s): Citywide."
    assert err == ""
    district = District.objects.get(city=grain_valley)
    assert (district.name, district.number, district.is_illustrative) == ("Citywide", None, False)
    point = limits(grain_valley).representative_point()
    assert selectors.district_at(city=grain_valley, lat=point.y, lng=point.x) == district


def test_the_template_with_a_feature_per_ward_imports_each_ward_with_its_name_and_number(
    grain_valley: City, tmp_path: Path
) -> None:
    west, east = halves(grain_valley)
    path = write_map(
        tmp_path / "wards.geojson", [({"name": "Ward 1", "number": 1}, west), ({"name": "Ward 2", "number": 2}, east)]
    )

    out, _err = districts_import("--city", "grain-valley", str(path))

    assert out.strip() == "Grain Valley: created 2 district(s): Ward 1 (1), Ward 2 (2)."
    assert sorted(District.objects.filter(city=grain_valley).values_list("name", "number")) == [
        ("Ward 1", 1),
        ("Ward 2", 2),
    ]


def test_a_dry_run_checks_the_file_and_creates_nothing(grain_valley: City, tmp_path: Path) -> None:
    path = tmp_path / "districts.geojson"
    path.write_text(district_template(grain_valley), encoding="utf-8")

    out, _err = districts_import("--city", "grain-valley", str(path), "--dry-run")

    assert out.splitlines() == [
        f"Grain Valley: nothing is imported yet. Importing {path.name} would:",
        "  create 1 district(s): Citywide;",
        "  keep the 0 current district(s): none.",
        "To import it, run:",
        f"  python manage.py districts_import --city grain-valley {path}",
    ]
    assert not District.objects.filter(city=grain_valley).exists()


def test_a_file_whose_features_lack_the_name_property_is_refused_naming_the_properties_it_has(
    grain_valley: City, tmp_path: Path
) -> None:
    west, east = halves(grain_valley)
    path = write_map(
        tmp_path / "wards.geojson",
        [({"WARD_NAME": "North", "WARD": 1}, west), ({"WARD_NAME": "South", "WARD": 2}, east)],
    )

    message = refusal("--city", "grain-valley", str(path))

    assert message == (
        "wards.geojson: nothing was imported.\n"
        "  The features have no property “name”. Properties found: WARD_NAME, WARD."
    )
    # Named as the file names them, it imports.
    out, _err = districts_import(
        "--city", "grain-valley", str(path), "--name-property", "WARD_NAME", "--number-property", "WARD"
    )
    assert "created 2 district(s): North (1), South (2)" in out


def test_a_feature_without_a_name_is_refused_by_its_position(grain_valley: City, tmp_path: Path) -> None:
    west, east = halves(grain_valley)
    path = write_map(
        tmp_path / "wards.geojson", [({"name": "Ward 1", "number": 1}, west), ({"name": "", "number": 2}, east)]
    )

    assert "Feature 2 has no value for “name”." in refusal("--city", "grain-valley", str(path))
    assert not District.objects.filter(city=grain_valley).exists()


def test_two_districts_with_one_number_are_refused_naming_both(grain_valley: City, tmp_path: Path) -> None:
    west, east = halves(grain_valley)
    path = write_map(
        tmp_path / "wards.geojson", [({"name": "Ward 1", "number": 1}, west), ({"name": "Ward 2", "number": 1}, east)]
    )

    message = refusal("--city", "grain-valley", str(path))

    assert "“Ward 1” and “Ward 2” both have the number 1: each district of a map has its own number." in message
    assert not District.objects.filter(city=grain_valley).exists()


def test_a_number_that_is_not_a_whole_number_is_refused(grain_valley: City, tmp_path: Path) -> None:
    west, east = halves(grain_valley)
    path = write_map(
        tmp_path / "wards.geojson",
        [({"name": "Ward 1", "number": 1}, west), ({"name": "Ward 2", "number": "two"}, east)],
    )

    assert "Feature 2: “two” in “number” is not a whole number." in refusal("--city", "grain-valley", str(path))


def test_another_citys_map_is_refused_as_outside_the_citys_limits(
    grain_valley: City, independence: City, tmp_path: Path
) -> None:
    path = tmp_path / "independence.geojson"
    path.write_text(district_template(independence), encoding="utf-8")

    message = refusal("--city", "grain-valley", str(path))

    assert message == (
        "independence.geojson: nothing was imported.\n"
        "  These districts are not in Grain Valley; nothing was created.\n"
        "  “Citywide” lies outside Grain Valley's limits (0% of it is inside): is the file another city's map?"
    )
    assert not District.objects.filter(city=grain_valley).exists()


def test_a_district_that_strays_a_little_past_the_limits_is_accepted(grain_valley: City, tmp_path: Path) -> None:
    # Digitised borders differ by metres: a ward drawn a little past the limits is the city's.
    west, east = halves(grain_valley)
    path = write_map(
        tmp_path / "wards.geojson",
        [
            ({"name": "Ward 1", "number": 1}, west.buffer(0.0005).difference(east)),
            ({"name": "Ward 2", "number": 2}, east),
        ],
    )
    out, _err = districts_import("--city", "grain-valley", str(path))
    assert "created 2 district(s)" in out


def test_the_command_says_what_it_needs(grain_valley: City, tmp_path: Path) -> None:
    assert "Give the districts file to import, or --template FILE.geojson" in refusal("--city", "grain-valley")
    assert "--city: no city 'grain-vally'. Cities: " in refusal("--city", "grain-vally", "--template", "-")
    existing = tmp_path / "districts.geojson"
    existing.write_text("{}")
    assert "already exists" in refusal("--city", "grain-valley", "--template", str(existing))
    assert existing.read_text() == "{}"


def test_the_template_can_be_written_to_the_screen(grain_valley: City) -> None:
    out = run("districts_import", "--city=grain-valley", "--template=-")
    assert json.loads(out)["features"][0]["properties"] == {"name": "Citywide", "number": None}


def test_the_admins_import_refuses_the_same_mistakes_in_the_same_words(
    login: Any, superuser: Any, grain_valley: City, independence: City, tmp_path: Path
) -> None:
    west, east = halves(grain_valley)
    twice = write_map(
        tmp_path / "wards.geojson", [({"name": "Ward 1", "number": 1}, west), ({"name": "Ward 2", "number": 1}, east)]
    )
    elsewhere = tmp_path / "independence.geojson"
    elsewhere.write_text(district_template(independence), encoding="utf-8")
    client = login(superuser)
    # The number property left empty: the template's "number", as the file has it.
    fields = {"city": grain_valley.pk, "name_property": "name", "number_property": ""}

    errors = []
    for path in (twice, elsewhere):
        with path.open("rb") as fh:
            response = client.post(reverse("admin:tenants_district_import"), {**fields, "file": fh})
        assert response.status_code == 200
        errors.append(" ".join(response.context["form"].non_field_errors()))

    assert "“Ward 1” and “Ward 2” both have the number 1" in errors[0]
    assert "“Citywide” lies outside Grain Valley's limits (0% of it is inside)" in errors[1]
    assert not District.objects.filter(city=grain_valley).exists()
    # The template, uploaded as it is, makes the city's one district.
    template = tmp_path / "grain-valley.geojson"
    template.write_text(district_template(grain_valley), encoding="utf-8")
    with template.open("rb") as fh:
        response = client.post(reverse("admin:tenants_district_import"), {**fields, "file": fh})
    assert response.status_code == 302
    assert list(District.objects.filter(city=grain_valley).values_list("name", "number")) == [("Citywide", None)]


def test_a_city_administrator_downloads_their_citys_template_from_the_import_page_and_no_other(
    login: Any, make_staff: Any, grain_valley: City, independence: City, regional_admin: Any
) -> None:
    admin = make_staff(grain_valley, Role.CITY_ADMIN, is_staff=True, username="grv-admin")
    client = login(admin)
    page = client.get(reverse("admin:tenants_district_import")).content.decode()
    url = f"{reverse('admin:tenants_district_template')}?city={grain_valley.pk}"
    assert f'<a href="{url}" download>Download the template for Grain Valley</a>' in page
    assert "Independence" not in page

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="grain-valley-districts.geojson"'
    assert response.content.decode() == district_template(grain_valley)
    other = f"{reverse('admin:tenants_district_template')}?city={independence.pk}"
    assert client.get(other).status_code == 403
    assert login(regional_admin).get(url).status_code == 403


def test_a_district_mostly_outside_is_imported_with_a_warning_by_the_command_and_the_admin(
    login: Any, superuser: Any, grain_valley: City, tmp_path: Path
) -> None:
    """A third of Ward 1 inside the limits (it has two copies of itself out west): more than
    the refusal's 1%, less than half. Both imports create it and warn, by the one measure."""
    west, east = halves(grain_valley)
    width = west.bounds[2] - west.bounds[0]
    strays = unary_union([west, translate(west, xoff=-1.5 * width), translate(west, xoff=-3 * width)])
    path = write_map(
        tmp_path / "wards.geojson", [({"name": "Ward 1", "number": 1}, strays), ({"name": "Ward 2", "number": 2}, east)]
    )
    warning = "Ward 1 lies mostly outside Grain Valley's limits (33% inside). Check that the file is this city's map."

    out, err = districts_import("--city", "grain-valley", "--dry-run", str(path))
    assert "  create 2 district(s): Ward 1 (1), Ward 2 (2);" in out
    assert err == f"Warning: {warning}\n"

    fields = {"city": grain_valley.pk, "name_property": "name", "number_property": ""}
    with path.open("rb") as fh:
        response = login(superuser).post(reverse("admin:tenants_district_import"), {**fields, "file": fh}, follow=True)
    assert warning in " ".join(str(m) for m in response.context["messages"])
    assert District.objects.filter(city=grain_valley).count() == 2
