"""A catalog copied from a neighbor brings the neighbor's names: the dry run, the run and the
checklist's upload warn of each department, type, group, description, question or choice
(English or Spanish) whose words name another member city, saying the file's line, the entry,
the field and the city. A city's name is found as words (not in "Grandviewer"), in any case
and with either apostrophe; a street or the holiday named for it ("Independence Avenue",
"Lee's Summit Road", "Avenida Independence", "Independence Day") is not a city, and the
warning leaves the rest (a place of that name) to the person."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import User
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import city_names_of_others
from tests.onboarding.test_city_and_catalogue_commands import create_grain_valley

pytestmark = pytest.mark.django_db

NEIGHBOURS_FILE = """\
departments:
  - {code: animal-services, name: Independence Animal Services}
  - {code: water, name: Water Utilities}
service_types:
  - code: stray-dog
    name: Stray dog
    name_es: Perro callejero en Independence
    department: animal-services
    group: Animals
    description: Dogs loose on Independence Avenue or anywhere in town.
  - code: water-leak
    name: Water leak
    department: water
    group: Lee's Summit utilities
    description: >-
      For a leak in the street or at the meter. After hours, call LEE’S SUMMIT Water Utilities
      at 816-969-1900 and ask for the crew on duty; they will send someone out tonight.
    questions:
      - code: where
        question: Is it on Lee's Summit Road?
        question_es: ¿Está en la ciudad de Blue Springs?
        datatype: singlevaluelist
        values:
          - {key: yard, name: In my yard}
          - {key: street, name: In the street, name_es: En una calle de Raytown}
  - code: fireworks
    name: Fireworks after Independence Day
    name_es: Fuegos artificiales en Avenida Independence
    department: water
    group: Grandviewer noise
"""


def _run(*args: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _warning(where: str, text: str, other: str) -> str:
    return (
        f"{where}: “{text}” names {other}, not Grain Valley. If it means {other} (its department, its service, "
        f"its phone), write Grain Valley's own words; a street or place of that name can stay."
    )


EXPECTED = [
    _warning(
        "independence.yaml, line 2, department “animal-services”, name",
        "Independence Animal Services",
        "Independence",
    ),
    _warning(
        "independence.yaml, line 5, service type “stray-dog”, name_es",
        "Perro callejero en Independence",
        "Independence",
    ),
    _warning("independence.yaml, line 11, service type “water-leak”, group", "Lee's Summit utilities", "Lee's Summit"),
    _warning(
        "independence.yaml, line 11, service type “water-leak”, description",
        "…at the meter. After hours, call LEE’S SUMMIT Water Utilities at 816-969-1900 and ask…",
        "Lee's Summit",
    ),
    _warning(
        "independence.yaml, line 19, service type “water-leak”, question “where”, question_es",
        "¿Está en la ciudad de Blue Springs?",
        "Blue Springs",
    ),
    _warning(
        "independence.yaml, line 19, service type “water-leak”, question “where”, choice “street”, name_es",
        "En una calle de Raytown",
        "Raytown",
    ),
]


@pytest.fixture
def neighbours_file(cities: dict[str, City], tmp_path: Path) -> Path:
    path = tmp_path / "independence.yaml"
    path.write_text(NEIGHBOURS_FILE, encoding="utf-8")
    return path


def test_words_name_a_city_but_a_street_or_the_holiday_named_for_it_does_not(cities: dict[str, City]) -> None:
    find = city_names_of_others(city=cities["raytown"])

    def named(text: str) -> list[str]:
        return [n.other_city for n in find(text)]

    assert named("Independence Animal Services") == ["Independence"]
    assert named("Call LEE’S SUMMIT Water Utilities") == ["Lee's Summit"]
    assert named("Lees Summit recycling") == ["Lee's Summit"]
    assert named("Blue Springs and Grandview parks") == ["Blue Springs", "Grandview"]
    assert named("En una calle de Independence") == ["Independence"]  # a street in it, not one named for it
    for not_a_city in (
        "Potholes on Independence Avenue",
        "Independence Ave. and 40 Hwy",
        "Lee's Summit Road at Blue Ridge",
        "Fireworks after Independence Day",
        "Baches en Avenida Independence",
        "Basura en la Calle de Grandview",
        "Grandviewer noise",
        "Raytown Public Works",  # the city's own name
        "independent living",
    ):
        assert named(not_a_city) == [], not_a_city


def test_the_dry_run_and_the_run_name_each_field_its_line_and_the_city(neighbours_file: Path) -> None:
    create_grain_valley()
    out, err = _run("catalog_import", "--city=grain-valley", str(neighbours_file), "--dry-run")
    assert "Dry run, nothing written: departments: 2 created, 0 updated; service types: 3 created" in out
    warned = [line.removeprefix("Warning: ") for line in err.splitlines() if line.startswith("Warning: ")]
    assert warned == EXPECTED
    assert "unless they mean a street or place" in err
    assert "--without-emails" not in err  # the file gives no department emails
    assert not ServiceType.objects.filter(city__slug="grain-valley").exists()

    out, err = _run("catalog_import", "--city=grain-valley", str(neighbours_file))
    assert "departments: 2 created, 0 updated; service types: 3 created" in out
    assert [line.removeprefix("Warning: ") for line in err.splitlines() if line.startswith("Warning: ")] == EXPECTED
    # Warned, not refused: the names are the city's to change.
    assert ServiceType.objects.get(city__slug="grain-valley", code="stray-dog").name_es == (
        "Perro callejero en Independence"
    )


def test_a_csv_names_the_row_of_each_field(neighbours_file: Path, tmp_path: Path) -> None:
    create_grain_valley()
    _run("catalog_import", "--city=grain-valley", str(neighbours_file))
    exported = tmp_path / "grain-valley.csv"
    _run("catalog_export", "--city=grain-valley", f"--output={exported}")
    rows = exported.read_text(encoding="utf-8-sig").splitlines()
    # The export's rows, in its order: each type on its own line after the header.
    line_of = {
        code: n
        for n, row in enumerate(rows, start=1)
        for code in ("stray-dog", "water-leak")
        if row.startswith(f"{code},")
    }
    _out, err = _run("catalog_import", "--city=grain-valley", str(exported), "--dry-run")
    assert (
        f"grain-valley.csv, line {line_of['stray-dog']}, service type “stray-dog”, name_es: "
        "“Perro callejero en Independence” names Independence"
    ) in err
    assert (
        f"grain-valley.csv, line {line_of['water-leak']}, service type “water-leak”, question “where”, "
        "question_es: “¿Está en la ciudad de Blue Springs?” names Blue Springs"
    ) in err
    assert "department “animal-services”, name: “Independence Animal Services” names Independence" in err


def test_a_citys_own_names_and_a_file_without_a_neighbours_warn_of_nothing(neighbours_file: Path) -> None:
    _out, err = _run("catalog_import", "--city=independence", str(neighbours_file), "--dry-run")
    assert "names Independence" not in err
    assert "names Lee's Summit" in err  # Independence's file naming its neighbor still warns
    create_grain_valley()
    plain = neighbours_file.with_name("plain.yaml")
    plain.write_text(
        "departments:\n  - {code: codes, name: Code Enforcement}\n"
        "service_types:\n  - {code: tall-grass, name: Tall grass on Independence Avenue, department: codes}\n",
        encoding="utf-8",
    )
    _out, err = _run("catalog_import", "--city=grain-valley", str(plain), "--dry-run")
    assert err == ""


def test_the_checklist_upload_warns_of_them_in_english_and_spanish(
    neighbours_file: Path, login: Callable[[User], Client], superuser: User
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    client = login(superuser)
    url = reverse("admin:tenants_city_setup", args=[city.pk])
    text = neighbours_file.read_bytes()

    checked = client.post(url, {"file": SimpleUploadedFile("independence.yaml", text), "dry_run": "on"})
    page = checked.content.decode().replace("&#x27;", "'")
    for warning in EXPECTED:
        assert warning in page
    assert "unless they mean a street or place" in page
    assert "Check “Leave the departments' emails empty”" not in page  # no neighbor's email in the file

    spanish = client.post(
        url,
        {"file": SimpleUploadedFile("independence.yaml", text), "dry_run": "on"},
        headers={"Accept-Language": "es"},
    ).content.decode()
    assert (
        "independence.yaml, línea 2, departamento “animal-services”, name: “Independence Animal Services” "
        "nombra a Independence, no a Grain Valley."
    ) in spanish

    done = client.post(url, {"file": SimpleUploadedFile("independence.yaml", text)}, follow=True)
    page = done.content.decode().replace("&#x27;", "'")
    assert "departments: 2 created" in page
    for warning in EXPECTED:  # as the admin's messages (which capitalize their first letter)
        assert warning[0].upper() + warning[1:] in page
