"""A new member city and its catalogue from the command line (issue points 1 and 2)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.tenants.models import City, Department
from tests.conftest import CITY_LIMITS

pytestmark = pytest.mark.django_db

CATALOGUE = textwrap.dedent(
    """\
    departments:
      - {code: public-works, name: Public Works, email: pw@grain-valley.test}
      - {code: codes, name: Code Enforcement}
    service_types:
      - code: pothole
        name: Pothole
        name_es: Bache
        department: public-works
        target_days: 5
        group: Streets
        questions:
          - {code: size, question: "How big is it?", datatype: singlevaluelist, required: true,
             values: [{key: small, name: Small}, {key: large, name: Large}]}
      - {code: tall-grass, name: Tall grass, name_es: Pasto alto, department: codes, target_days: 10}
    """
)


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def create_grain_valley(**overrides: Any) -> str:
    options = {
        "name": "Grain Valley",
        "slug": "grain-valley",
        "limits": str(CITY_LIMITS / "grain-valley.json"),
        "prefix": "GRV",
        "fiscal_year_start": 7,
        "population": 15627,
        **overrides,
    }
    args = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    return run("city_create", *args)


def test_city_create_makes_a_city_with_its_limits_and_the_regions_time_zone(cities: dict[str, City]) -> None:
    out = create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    assert "Grain Valley created" in out
    assert city.timezone == "America/Chicago"  # the region's
    assert city.fiscal_year_start_month == 7
    assert city.case_prefix == "GRV"
    assert city.region == cities["independence"].region
    assert city.boundary["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"timezone": "America/Chicgo"}, "--timezone: “America/Chicgo” is not a known time zone"),
        ({"timezone": "America/Chicgo"}, "Did you mean America/Chicago"),
        ({"fiscal_year_start": 0}, "--fiscal-year-start: The fiscal year's first month is a number from 1"),
        ({"fiscal_year_start": 13}, "not 13"),
        ({"prefix": "IND"}, "--prefix:"),
        ({"slug": "independence"}, "--slug:"),
    ],
)
def test_city_create_refuses_a_mistake_naming_the_option(
    cities: dict[str, City], override: dict[str, Any], message: str
) -> None:
    with pytest.raises(CommandError, match="The city was not created") as caught:
        create_grain_valley(**override)
    assert message in str(caught.value)
    assert not City.objects.filter(slug="grain-valley").exists()


def test_city_create_refuses_limits_that_are_not_an_area(cities: dict[str, City], tmp_path: Path) -> None:
    point = tmp_path / "point.geojson"
    point.write_text('{"type": "Point", "coordinates": [-94.2, 39.0]}', encoding="utf-8")
    with pytest.raises(CommandError, match="--limits: A boundary must be a GeoJSON Polygon or MultiPolygon"):
        create_grain_valley(limits=str(point))


def test_catalog_import_creates_departments_types_and_questions_and_a_second_run_changes_nothing(
    cities: dict[str, City], tmp_path: Path
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    path = tmp_path / "catalogue.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")

    first = run("catalog_import", "--city=grain-valley", str(path))
    assert "departments: 2 created, 0 updated; service types: 2 created, 0 updated" in first
    pothole = ServiceType.objects.get(city=city, code="pothole")
    assert (pothole.name_es, pothole.target_days, pothole.department.code) == ("Bache", 5, "public-works")
    size = ServiceAttribute.objects.get(service_type=pothole, code="size")
    assert size.required and size.value_keys() == ["small", "large"]

    second = run("catalog_import", "--city=grain-valley", str(path))
    assert "0 created, 0 updated; service types: 0 created, 0 updated; 4 unchanged" in second


def test_catalog_import_dry_run_writes_nothing(cities: dict[str, City], tmp_path: Path) -> None:
    create_grain_valley()
    path = tmp_path / "catalogue.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    out = run("catalog_import", "--city=grain-valley", "--dry-run", str(path))
    assert out.startswith("Grain Valley: Dry run, nothing written: departments: 2 created")
    assert not ServiceType.objects.filter(city__slug="grain-valley").exists()
    assert not Department.objects.filter(city__slug="grain-valley").exists()


def test_catalog_import_reports_every_mistake_by_line_and_field_and_writes_nothing(
    cities: dict[str, City], tmp_path: Path
) -> None:
    create_grain_valley()
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name,department,department_name,target_days,questions\n"
        "pothole,Pothole,public-works,Public Works,5,\n"
        "bad code,Tall grass,public-works,,ten,\n"
        "pothole,Pothole again,public-works,,5,\n"
        'signs,Signs,public-works,,3,"[{""code"": ""kind"", ""question"": ""Which?"", ""datatype"": ""colour""}]"\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        run("catalog_import", "--city=grain-valley", str(path))
    text = str(caught.value)
    assert "bad.csv: 4 mistake(s), nothing written" in text
    assert "bad.csv, line 3, code: “bad code” is not a code" in text
    assert "bad.csv, line 3, target_days: “ten” is not a whole number of days" in text
    assert "bad.csv, line 4: service type “pothole” is already defined on line 2" in text
    assert "bad.csv, line 5, questions, question 1: datatype “colour” is not one of" in text
    assert not ServiceType.objects.filter(city__slug="grain-valley").exists()


def test_catalog_import_names_a_department_the_city_does_not_have(cities: dict[str, City], tmp_path: Path) -> None:
    create_grain_valley()
    path = tmp_path / "c.yaml"
    path.write_text("service_types:\n  - {code: pothole, name: Pothole, department: streets}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2, department: “streets” is neither in the file's departments"):
        run("catalog_import", "--city=grain-valley", str(path))


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_a_neighbours_exported_catalogue_imports_into_a_new_city_unchanged(
    cities: dict[str, City], tmp_path: Path, fmt: str
) -> None:
    create_grain_valley()
    source = tmp_path / "source.yaml"
    source.write_text(CATALOGUE, encoding="utf-8")
    run("catalog_import", "--city=independence", str(source))
    exported = tmp_path / f"independence.{fmt}"
    run("catalog_export", "--city=independence", f"--output={exported}")
    run("catalog_import", "--city=grain-valley", str(exported))

    def shape(slug: str) -> list[tuple[Any, ...]]:
        return [
            (t.code, t.name, t.name_es, t.department.code if t.department else "", t.target_days,
             [(a.code, a.question, a.datatype, a.required, a.values) for a in t.attributes.all()])
            for t in ServiceType.objects.filter(city__slug=slug, code__in=["pothole", "tall-grass"]).order_by("code")
        ]  # fmt: skip

    assert shape("grain-valley") == shape("independence")
    again = run("catalog_import", "--city=grain-valley", str(exported))
    assert "service types: 0 created, 0 updated" in again


def test_on_a_fresh_install_the_first_city_brings_its_region(db: Any) -> None:
    out = create_grain_valley(region="east-county", timezone="America/Denver")
    city = City.objects.get(slug="grain-valley")
    assert "Grain Valley created (grain-valley, cases GRV-1001, America/Denver)." in out
    # It says where to go next: the city's checklist in the admin, at the site's own address.
    checklist = f"{settings.SITE_URL}/admin/tenants/city/{City.objects.get(slug='grain-valley').pk}/setup/"
    assert f"Next: its checklist, {checklist}, says what Grain Valley still lacks" in out
    assert (city.region.slug, city.region.name) == ("east-county", "East County")
