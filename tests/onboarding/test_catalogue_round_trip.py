"""A city's catalogue file read back changes nothing (review 2, items 2 and 3): the export
writes every field the import reads, a column a file leaves out keeps what the city has, and
the city's administrator downloads the file from the checklist page."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.tenants.models import City, Department
from tests.onboarding.test_city_and_catalogue_commands import run

pytestmark = pytest.mark.django_db

SIZES = [{"key": "small", "name": "Small", "name_es": "Pequeño"}, {"key": "large", "name": "Large"}]


def every_field_set(city: City) -> None:
    """A catalogue with every field the file carries set, none at its default."""
    streets = Department.objects.create(city=city, code="streets", name="Streets", email="streets@city.test")
    codes = Department.objects.create(city=city, code="codes", name="Code Enforcement", email="codes@city.test")
    old = Department.objects.create(city=city, code="old-parks", name="Parks", email="parks@city.test", active=False)
    pothole = ServiceType.objects.create(
        city=city,
        code="pothole",
        name="Pothole",
        name_es="Bache",
        department=streets,
        target_days=5,
        group="Streets",
        group_es="Calles",
        description="A hole in the road.",
        keywords="hole, road, asphalt",
        sort_order=3,
    )
    ServiceAttribute.objects.create(
        service_type=pothole,
        code="size",
        question="How big is it?",
        question_es="¿Qué tan grande es?",
        datatype="singlevaluelist",
        required=True,
        values=SIZES,
        description="Roughly.",
        order=1,
    )
    ServiceAttribute.objects.create(
        service_type=pothole, code="note", question="Drive carefully.", variable=False, order=4
    )
    ServiceType.objects.create(
        city=city,
        code="trash",
        name="Trash on a property",
        name_es="Basura en una propiedad",
        department=codes,
        target_days=10,
        target_in_business_days=True,
        group="Neighborhood",
        keywords="junk, debris, trash",
        is_confidential=True,
        sort_order=1,
    )
    ServiceType.objects.create(
        city=city, code="sinkhole", name="Sinkhole", department=old, keywords="collapse", active=False
    )
    ServiceType.objects.create(city=city, code="triage", name="Triage")


def dump(city: City) -> list[Any]:
    """Every column of the city's departments, types and questions."""
    return [
        list(Department.objects.filter(city=city).order_by("code").values()),
        list(ServiceType.objects.filter(city=city).order_by("code").values()),
        list(ServiceAttribute.objects.filter(service_type__city=city).order_by("service_type__code", "code").values()),
    ]


@pytest.mark.parametrize("fmt", ["csv", "yaml"])
def test_a_citys_exported_catalogue_imported_back_changes_nothing(
    cities: dict[str, City], tmp_path: Path, fmt: str
) -> None:
    city = cities["independence"]
    every_field_set(city)
    before = dump(city)
    exported = tmp_path / f"independence.{fmt}"
    run("catalog_export", "--city=independence", f"--output={exported}")

    checked = run("catalog_import", "--city=independence", "--dry-run", str(exported))
    assert "departments: 0 created, 0 updated; service types: 0 created, 0 updated" in checked
    done = run("catalog_import", "--city=independence", str(exported))
    assert "departments: 0 created, 0 updated; service types: 0 created, 0 updated; 7 unchanged" in done
    assert dump(city) == before


@pytest.mark.parametrize("fmt", ["csv", "yaml"])
def test_the_export_into_a_new_city_brings_every_field(cities: dict[str, City], tmp_path: Path, fmt: str) -> None:
    every_field_set(cities["independence"])
    exported = tmp_path / f"independence.{fmt}"
    run("catalog_export", "--city=independence", f"--output={exported}")
    run("catalog_import", "--city=raytown", str(exported))

    def shape(city: City) -> list[Any]:
        return [
            [
                {k: v for k, v in row.items() if k not in ("id", "city_id", "department_id", "service_type_id")}
                for row in rows
            ]
            for rows in dump(city)
        ]

    ours, theirs = shape(cities["independence"]), shape(cities["raytown"])
    assert ours[0] == theirs[0]  # departments (the CSV's: those of the types, here all three)
    assert ours[2] == theirs[2]  # questions, their order too
    strip = [{k: v for k, v in t.items() if k != "sort_order"} for t in ours[1]]
    assert strip == [{k: v for k, v in t.items() if k != "sort_order"} for t in theirs[1]]
    size = ServiceAttribute.objects.get(service_type__city=cities["raytown"], code="size")
    assert (size.order, size.values, size.required) == (1, SIZES, True)
    assert Department.objects.get(city=cities["raytown"], code="streets").email == "streets@city.test"


def test_an_older_csv_without_the_email_and_keywords_columns_keeps_them(
    cities: dict[str, City], tmp_path: Path
) -> None:
    city = cities["independence"]
    every_field_set(city)
    before = dump(city)
    exported = tmp_path / "independence.csv"
    run("catalog_export", "--city=independence", f"--output={exported}")
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    older = tmp_path / "older.csv"
    left_out = ("department_email", "department_active", "keywords")
    with older.open("w", encoding="utf-8", newline="") as out:
        columns = [c for c in rows[0] if c not in left_out]
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)

    done = run("catalog_import", "--city=independence", str(older))
    assert "departments: 0 created, 0 updated; service types: 0 created, 0 updated" in done
    assert dump(city) == before
    assert Department.objects.get(city=city, code="streets").email == "streets@city.test"
    assert not Department.objects.get(city=city, code="old-parks").active


def test_an_empty_cell_in_a_column_the_file_has_means_empty(cities: dict[str, City], tmp_path: Path) -> None:
    city = cities["independence"]
    every_field_set(city)
    path = tmp_path / "c.csv"
    path.write_text(
        "code,name,department,department_name,department_email,keywords\npothole,Pothole,streets,Streets,,\n",
        encoding="utf-8",
    )
    done = run("catalog_import", "--city=independence", str(path))
    assert "departments: 0 created, 1 updated; service types: 0 created, 1 updated" in done
    assert Department.objects.get(city=city, code="streets").email == ""
    pothole = ServiceType.objects.get(city=city, code="pothole")
    # Given empty: emptied; not given (no such column): kept.
    assert (pothole.keywords, pothole.name_es, pothole.target_days) == ("", "Bache", 5)


def test_a_yaml_key_left_out_is_kept_and_a_new_question_goes_after_the_one_before(
    cities: dict[str, City], tmp_path: Path
) -> None:
    city = cities["independence"]
    every_field_set(city)
    path = tmp_path / "c.yaml"
    path.write_text(
        "service_types:\n"
        "  - code: pothole\n"
        "    name: Pothole\n"
        "    target_days: 3\n"
        "    questions:\n"
        '      - {code: size, question: "How big is it?"}\n'
        '      - {code: depth, question: "How deep is it?"}\n',
        encoding="utf-8",
    )
    done = run("catalog_import", "--city=independence", str(path))
    assert "service types: 0 created, 1 updated" in done
    pothole = ServiceType.objects.get(city=city, code="pothole")
    assert (pothole.target_days, pothole.keywords, pothole.department.code) == (3, "hole, road, asphalt", "streets")
    size = ServiceAttribute.objects.get(service_type=pothole, code="size")
    assert (size.order, size.datatype, size.values, size.required) == (1, "singlevaluelist", SIZES, True)
    assert ServiceAttribute.objects.get(service_type=pothole, code="depth").order == 2


# --- the checklist page's download -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("csv", "text/csv; charset=utf-8"), ("yaml", "application/yaml; charset=utf-8")]
)
def test_the_citys_administrator_downloads_the_catalogue_and_uploading_it_back_changes_nothing(
    cities: dict[str, City], login: Callable[[User], Client], city_admin: User, fmt: str, content_type: str
) -> None:
    city = cities["independence"]
    every_field_set(city)
    before = dump(city)
    client = login(city_admin)
    setup = reverse("admin:tenants_city_setup", args=[city.pk])
    page = client.get(setup).content.decode()
    download = reverse("admin:tenants_city_catalog", args=[city.pk]) + f"?format={fmt}"
    assert f'href="{download}"' in page
    assert f"Download the catalog ({fmt.upper()})" in page

    answer: Any = client.get(download)
    assert answer.status_code == 200
    assert answer["Content-Type"] == content_type
    assert answer["Content-Disposition"] == f'attachment; filename="independence-catalog.{fmt}"'
    body = answer.content
    assert b"streets@city.test" in body and b"hole, road, asphalt" in body

    upload = SimpleUploadedFile(f"independence-catalog.{fmt}", body)
    done = client.post(setup, {"file": upload}, follow=True).content.decode()
    assert "departments: 0 created, 0 updated; service types: 0 created, 0 updated; 7 unchanged" in done
    assert dump(city) == before


def test_another_citys_administrator_cannot_download_and_a_regional_one_can(
    cities: dict[str, City],
    login: Callable[[User], Client],
    make_staff: Callable[..., User],
    regional_admin: User,
) -> None:
    every_field_set(cities["independence"])
    download = reverse("admin:tenants_city_catalog", args=[cities["independence"].pk])
    raytown_admin = make_staff(cities["raytown"], Role.CITY_ADMIN, is_staff=True)
    refused: Any = login(raytown_admin).get(download)
    assert refused.status_code in (403, 404)
    assert b"streets@city.test" not in refused.content
    worker = make_staff(cities["independence"], Role.SUPERVISOR, is_staff=True)
    assert login(worker).get(download).status_code in (302, 403, 404)
    regional: Any = login(regional_admin).get(download + "?format=yaml")
    assert regional.status_code == 200 and b"streets@city.test" in regional.content
