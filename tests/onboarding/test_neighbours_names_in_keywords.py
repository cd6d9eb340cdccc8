"""A type's keywords are the words email intake reads as a resident's words for that type
(civicdesk/intake/guess.py), so a keyword that names another member city ("independence" in
Grain Valley's catalog) would send every email that mentions that city to the type. The dry
run, the run and the checklist's upload warn of each such keyword by the one rule of the other
fields (whole words; "Independence Avenue" is a street, "Grandviewer" no city), in the same
place words (file, line, type, field), and say what it does to intake."""

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
from civicdesk.intake.guess import type_guess
from civicdesk.tenants.models import City
from tests.onboarding.test_city_and_catalogue_commands import create_grain_valley

pytestmark = pytest.mark.django_db

KEYWORDS_FILE = """\
departments:
  - {code: animal-services, name: Animal Services}
  - {code: public-works, name: Public Works}
service_types:
  - code: stray-dog
    name: Stray dog
    department: animal-services
    keywords: "loose dog, independence, Independence Avenue; LEES SUMMIT, raytown road, Grandviewer"
  - code: missed-trash
    name: Missed trash pickup
    department: public-works
    keywords: "garbage, Avenida Blue Springs"
"""


def _keyword_warning(line: int, text: str, other: str) -> str:
    return (
        f"neighbor.yaml, line {line}, service type “stray-dog”, keywords: “{text}” names {other}, not Grain Valley. "
        f"Email intake reads a keyword as a resident's words for this type: an email that mentions {other} would "
        "count towards “Stray dog” and could be sent there for that word alone. Take it out of the keywords."
    )


EXPECTED = [
    _keyword_warning(5, "independence", "Independence"),
    _keyword_warning(5, "LEES SUMMIT", "Lee's Summit"),
]


def _run(*args: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _warned(err: str) -> list[str]:
    return [line.removeprefix("Warning: ") for line in err.splitlines() if line.startswith("Warning: ")]


@pytest.fixture
def keywords_file(cities: dict[str, City], tmp_path: Path) -> Path:
    create_grain_valley()
    path = tmp_path / "neighbor.yaml"
    path.write_text(KEYWORDS_FILE, encoding="utf-8")
    return path


def test_a_keyword_naming_another_city_is_warned_of_but_a_street_or_a_longer_word_is_not(keywords_file: Path) -> None:
    out, err = _run("catalog_import", "--city=grain-valley", str(keywords_file), "--dry-run")
    assert "Dry run, nothing written" in out
    assert _warned(err) == EXPECTED
    assert "Take these keywords out of the file before importing" in err
    # Only keywords were found: the hint for names that may be a street or place is not given.
    assert "unless they mean a street or place" not in err
    assert not ServiceType.objects.filter(city__slug="grain-valley").exists()

    _out, err = _run("catalog_import", "--city=grain-valley", str(keywords_file))
    assert _warned(err) == EXPECTED
    # Warned, not refused.
    stray = ServiceType.objects.get(city__slug="grain-valley", code="stray-dog")
    assert "independence" in stray.keywords


def test_what_the_warning_says_a_keyword_does_to_email_intake_is_what_it_does(keywords_file: Path) -> None:
    _run("catalog_import", "--city=grain-valley", str(keywords_file))
    city = City.objects.get(slug="grain-valley")
    email = "Nobody picked up our trash this week. We moved here from Independence last year."
    assert type_guess(city, email).service_type == ServiceType.objects.get(city=city, code="stray-dog")
    # Without the keyword the same email is the missed pickup it is.
    ServiceType.objects.filter(city=city, code="stray-dog").update(keywords="loose dog")
    assert type_guess(city, email).service_type == ServiceType.objects.get(city=city, code="missed-trash")


def test_a_csv_names_the_row_of_the_keyword(keywords_file: Path, tmp_path: Path) -> None:
    _run("catalog_import", "--city=grain-valley", str(keywords_file))
    exported = tmp_path / "grain-valley.csv"
    _run("catalog_export", "--city=grain-valley", f"--output={exported}")
    rows = exported.read_text(encoding="utf-8-sig").splitlines()
    line = next(n for n, row in enumerate(rows, start=1) if row.startswith("stray-dog,"))
    _out, err = _run("catalog_import", "--city=grain-valley", str(exported), "--dry-run")
    assert _warned(err) == [w.replace("neighbor.yaml, line 5", f"grain-valley.csv, line {line}") for w in EXPECTED]


def test_names_and_keywords_together_get_both_hints(keywords_file: Path) -> None:
    both = keywords_file.with_name("both.yaml")
    both.write_text(KEYWORDS_FILE.replace("name: Animal Services", "name: Raytown Animal Services"), encoding="utf-8")
    _out, err = _run("catalog_import", "--city=grain-valley", str(both), "--dry-run")
    warned = _warned(err)
    assert warned[0].startswith("both.yaml, line 2, department “animal-services”, name: “Raytown Animal Services”")
    assert "a street or place of that name can stay" in warned[0]
    assert warned[1:] == [w.replace("neighbor.yaml", "both.yaml") for w in EXPECTED]
    assert "unless they mean a street or place" in err
    assert "Take these keywords out of the file before importing" in err


def test_the_checklist_upload_warns_of_keywords_in_english_and_spanish(
    keywords_file: Path, login: Callable[[User], Client], superuser: User
) -> None:
    city = City.objects.get(slug="grain-valley")
    client = login(superuser)
    url = reverse("admin:tenants_city_setup", args=[city.pk])
    text = keywords_file.read_bytes()

    page = client.post(url, {"file": SimpleUploadedFile("neighbor.yaml", text), "dry_run": "on"}).content.decode()
    page = page.replace("&#x27;", "'")
    for warning in EXPECTED:
        assert warning in page
    assert "Take these keywords out of the file before importing (or, once imported, out of the type's Keywords)." in (
        page
    )
    assert "unless they mean a street or place" not in page

    spanish = client.post(
        url,
        {"file": SimpleUploadedFile("neighbor.yaml", text), "dry_run": "on"},
        headers={"Accept-Language": "es"},
    ).content.decode()
    assert (
        "neighbor.yaml, línea 5, tipo de servicio “stray-dog”, keywords: “independence” nombra a Independence, "
        "no a Grain Valley. La recepción de correo lee una palabra clave"
    ) in spanish
    assert "Quite estas palabras clave del archivo antes de importarlo" in spanish

    done = client.post(url, {"file": SimpleUploadedFile("neighbor.yaml", text)}, follow=True)
    page = done.content.decode().replace("&#x27;", "'")
    assert "service types: 2 created" in page
    for warning in EXPECTED:  # as the admin's messages (which capitalize their first letter)
        assert warning[0].upper() + warning[1:] in page
