"""The admin's checklist of a new member city: what it lacks, each step linked, and the
catalogue upload (issue points 1 and 2, in the browser's form)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City, District
from civicdesk.tenants.selectors import city_setup_steps
from tests.onboarding.test_city_and_catalogue_commands import CATALOGUE, create_grain_valley
from tests.pages.form_errors_html import assert_told_as_every_form, read_error_page

pytestmark = pytest.mark.django_db


def missing(city: City) -> list[str]:
    return [s.key for s in city_setup_steps(city=city) if not s.done and not s.optional]


def test_a_new_city_lacks_everything_but_its_limits_until_each_step_is_done(
    cities: dict[str, City], make_staff: Callable[..., User]
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    assert missing(city) == ["contact", "districts", "departments", "types", "staff"]
    District.objects.create(city=city, name="Ward 1", number=1, boundary=city.boundary)
    make_staff(city, Role.CITY_ADMIN)
    assert missing(city) == ["contact", "departments", "types"]


def test_the_checklist_page_links_each_missing_step_and_imports_a_catalogue(
    cities: dict[str, City],
    login: Callable[[User], Client],
    superuser: User,
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    client = login(superuser)
    url = reverse("admin:tenants_city_setup", args=[city.pk])
    page = client.get(url).content.decode()
    assert page.count("Still to do") == 5
    assert f"/admin/tenants/district/?city__id__exact={city.pk}" in page
    assert f"/admin/catalog/servicetype/?city__id__exact={city.pk}" in page

    upload = SimpleUploadedFile("catalogue.yaml", CATALOGUE.encode(), content_type="application/yaml")
    checked = client.post(url, {"file": upload, "dry_run": "on"}).content.decode()
    assert "Dry run, nothing written: departments: 2 created" in checked
    assert not ServiceType.objects.filter(city=city).exists()

    upload = SimpleUploadedFile("catalogue.yaml", CATALOGUE.encode(), content_type="application/yaml")
    response = client.post(url, {"file": upload}, follow=True)
    assert "service types: 2 created" in response.content.decode()
    assert ServiceType.objects.filter(city=city).count() == 2
    # Code Enforcement came without an email: the departments step says so and stays to do.
    assert response.content.decode().count("Still to do") == 4
    assert "no one is told of their new cases (give each an email under Departments): Code Enforcement" in (
        response.content.decode()
    )

    bad = SimpleUploadedFile("bad.yaml", b"service_types:\n  - {code: x y, name: X}\n")
    answer = client.post(url, {"file": bad}).content.decode()
    assert "bad.yaml, line 2, code: “x y” is not a code" in answer


def test_a_city_administrator_sees_only_their_own_checklist_and_a_regional_one_cannot_upload(
    cities: dict[str, City],
    login: Callable[[User], Client],
    city_admin: User,
    regional_admin: User,
) -> None:
    own = reverse("admin:tenants_city_setup", args=[city_admin.city_id])
    other = reverse("admin:tenants_city_setup", args=[cities["raytown"].pk])
    mine: Any = login(city_admin).get(own)
    assert mine.status_code == 200 and "Import the catalog" in mine.content.decode()
    assert login(city_admin).get(other).status_code in (403, 404)
    regional = login(regional_admin)
    page: Any = regional.get(other)
    assert page.status_code == 200 and "Import the catalog" not in page.content.decode()
    upload = SimpleUploadedFile("catalogue.yaml", CATALOGUE.encode())
    assert regional.post(other, {"file": upload}).status_code == 403


def _types_step(city: City) -> Any:
    return next(s for s in city_setup_steps(city=city) if s.key == "types")


def test_types_left_to_wait_in_triage_are_named_and_not_counted_as_missing(
    independence: City, make_service_type: Callable[..., ServiceType], settings: Any
) -> None:
    make_service_type(independence, "pothole", name="Pothole")  # routed to a department of its own
    make_service_type(independence, settings.INTAKE_TRIAGE_SERVICE_CODE, name="Needs triage", department=None)
    make_service_type(independence, "other", name="Other / not sure", department=None)
    step = _types_step(independence)
    assert step.done
    assert (
        step.detail == "3 active; 2 wait in triage for staff to route (no department): Needs triage, Other / not sure"
    )


def test_a_city_whose_every_type_waits_in_triage_still_has_its_types_to_do(
    independence: City, make_service_type: Callable[..., ServiceType]
) -> None:
    make_service_type(independence, "other", name="Other / not sure", department=None)
    step = _types_step(independence)
    assert not step.done
    assert step.detail == "1 active, none routed to a department: every case would wait in triage"


def test_a_catalogue_with_mistakes_is_summed_up_at_the_top_linked_to_the_file_which_is_invalid(
    cities: dict[str, City], login: Callable[[User], Client], superuser: User
) -> None:
    """The checklist's upload tells its mistakes as every form does (civicdesk/core/forms.py):
    "Error: " in the title, the summary at the top (focused by admin_forms.js) with each
    mistake of the file linked to the file's box, which is invalid and described by them."""
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    client = login(superuser)
    url = reverse("admin:tenants_city_setup", args=[city.pk])
    bad = SimpleUploadedFile("bad.yaml", b"service_types:\n  - {code: x y, name: X}\n")
    html = client.post(url, {"file": bad}).content.decode()
    told = assert_told_as_every_form(html, field="id_file", says="bad.yaml, line 2, code: “x y” is not a code")
    assert "1 mistake; nothing was written:" in told.summary_text
    html = client.post(url, {"dry_run": ""}).content.decode()  # a browser always sends something
    assert_told_as_every_form(html, field="id_file", says="This field is required.")
    first = read_error_page(client.get(url).content.decode())
    assert not first.summary_id and not first.invalid and not first.title.startswith("Error")
