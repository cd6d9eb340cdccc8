"""Onboarding as the docs tell it (rv3 #15): the checklist from the city's own page, nobody sent
to a page that refuses them, the city's intake email and phone, and a neighbour's catalogue
that would bring the neighbour's department emails."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import User
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City, Department, District
from civicdesk.tenants.selectors import city_setup_steps
from tests.onboarding.test_city_and_catalogue_commands import create_grain_valley

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
ONBOARDING = (REPO / "docs" / "onboarding.md").read_text(encoding="utf-8")


def _run(*args: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- the city's email, phone and website ------------------------------------------------------


def test_city_create_takes_the_email_residents_write_to_its_phone_and_website(cities: dict[str, City]) -> None:
    create_grain_valley(
        email="311@cityofgrainvalley.org", phone="816-847-6200", website="https://www.cityofgrainvalley.org"
    )
    city = City.objects.get(slug="grain-valley")
    assert (city.email, city.phone, city.website) == (
        "311@cityofgrainvalley.org",
        "816-847-6200",
        "https://www.cityofgrainvalley.org",
    )
    contact = next(s for s in city_setup_steps(city=city) if s.key == "contact")
    assert contact.done and "311@cityofgrainvalley.org" in contact.detail


def test_city_create_refuses_an_email_that_is_not_one_naming_the_option(cities: dict[str, City]) -> None:
    with pytest.raises(CommandError, match="--email:"):
        create_grain_valley(email="grain valley")
    assert not City.objects.filter(slug="grain-valley").exists()


def test_a_city_without_an_email_or_phone_has_that_step_to_do(cities: dict[str, City]) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    contact = next(s for s in city_setup_steps(city=city) if s.key == "contact")
    assert not contact.done
    assert contact.detail == "no email address for residents' reports; no phone"


def test_the_dashboard_is_an_optional_step(cities: dict[str, City]) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    dashboard = next(s for s in city_setup_steps(city=city) if s.key == "dashboard")
    assert dashboard.optional and not dashboard.done
    assert "/grain-valley/performance/" in dashboard.detail


# --- the checklist from the city's page, and what each user is offered ------------------------


def test_the_citys_own_page_has_a_checklist_button(
    cities: dict[str, City], login: Callable[[User], Client], superuser: User, city_admin: User
) -> None:
    city = cities["independence"]
    setup = reverse("admin:tenants_city_setup", args=[city.pk])
    for user in (superuser, city_admin):
        page = login(user).get(reverse("admin:tenants_city_change", args=[city.pk])).content.decode()
        assert re.search(rf'<a href="{setup}"[^>]*>Checklist</a>', page), user


def _links_and_rows(page: str) -> tuple[list[str], dict[str, str]]:
    body = page.split('id="setup-steps"', 1)[1].split("</table>", 1)[0]
    rows = dict(re.findall(r'<tr class="step-(\w+)[^"]*">(.*?)</tr>', body, flags=re.S))
    return re.findall(r'<a href="([^"]+)"', body), rows


def test_a_regional_administrator_is_offered_no_do_it_link_and_every_link_opens(
    cities: dict[str, City], login: Callable[[User], Client], regional_admin: User
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    client = login(regional_admin)
    page = client.get(reverse("admin:tenants_city_setup", args=[city.pk])).content.decode()
    links, rows = _links_and_rows(page)
    assert "Do it" not in page and "Review" not in page
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
    # Who does what is said where the link would be.
    assert "An operator does this (manage.py city_create)." in rows["limits"]
    assert "An operator adds the city&#x27;s first administrator, who adds the rest." in rows["staff"]
    assert "The city&#x27;s administrator or an operator does this." in rows["open311"]
    # The keys' page refuses them: no link where the step is done (the step's guide opens for them).
    assert "href" not in rows["open311"].split('class="step-link"', 1)[1]
    assert "Look (read-only)" in rows["districts"]
    assert "someone with a shell on the server" in page


def test_the_citys_administrator_and_an_operator_get_do_it_links_that_open(
    cities: dict[str, City], login: Callable[[User], Client], superuser: User, city_admin: User
) -> None:
    city = cities["independence"]
    for user, expected in ((superuser, "limits"), (city_admin, "contact")):
        client = login(user)
        page = client.get(reverse("admin:tenants_city_setup", args=[city.pk])).content.decode()
        links, rows = _links_and_rows(page)
        assert "Do it" in rows[expected] or "Review" in rows[expected]
        for link in links:
            assert client.get(link.replace("&amp;", "&")).status_code == 200, (user, link)
    # The limits are an operator's: the city's administrator is not told to do them.
    page = login(city_admin).get(reverse("admin:tenants_city_setup", args=[city.pk])).content.decode()
    assert "An operator does this (manage.py city_create)." in _links_and_rows(page)[1]["limits"]


def test_the_district_list_does_not_tell_a_regional_administrator_to_upload(
    cities: dict[str, City], login: Callable[[User], Client], regional_admin: User, city_admin: User
) -> None:
    city = cities["independence"]
    District.objects.filter(city=city).update(is_illustrative=True)  # the demo's slices
    assert District.objects.filter(city=city).exists()
    url = reverse("admin:tenants_district_changelist")
    regional = login(regional_admin).get(url).content.decode()
    assert "Upload the adopted map" not in regional
    assert "The city&#x27;s administrator or an operator replaces it with the adopted map." in regional
    own = login(city_admin).get(url).content.decode()
    assert "Upload the adopted map to replace it." in own


# --- a neighbour's catalogue brings the neighbour's department emails -------------------------


@pytest.fixture
def independence_export(cities: dict[str, City], tmp_path: Path) -> Path:
    """Independence's catalogue as ``catalog_export`` writes it: its departments' emails at
    its own domain."""
    independence = cities["independence"]
    independence.email = "311@independencemo.gov"
    independence.save()
    animals = Department.objects.create(
        city=independence, code="animal-services", name="Animal Services", email="animal-services@independencemo.gov"
    )
    streets = Department.objects.create(
        city=independence, code="streets", name="Street Maintenance", email="streets@independencemo.gov"
    )
    ServiceType.objects.create(city=independence, code="stray-dog", name="Stray dog", department=animals)
    ServiceType.objects.create(city=independence, code="pothole", name="Pothole", department=streets)
    path = tmp_path / "independence.yaml"
    _run("catalog_export", "--city=independence", f"--output={path}")
    assert "animal-services@independencemo.gov" in path.read_text(encoding="utf-8")
    return path


def test_the_dry_run_and_the_run_name_each_department_email_of_the_neighbour(independence_export: Path) -> None:
    create_grain_valley()
    out, err = _run("catalog_import", "--city=grain-valley", str(independence_export), "--dry-run")
    assert "Dry run, nothing written: departments: 2 created" in out
    assert (
        "Department “Animal Services” (animal-services): animal-services@independencemo.gov is an address of "
        "Independence, not of Grain Valley; Grain Valley's assignment emails for it would go to Independence."
    ) in err
    assert "Department “Street Maintenance” (streets): streets@independencemo.gov" in err
    assert "--without-emails" in err

    out, err = _run("catalog_import", "--city=grain-valley", str(independence_export))
    assert "departments: 2 created" in out and "animal-services@independencemo.gov is an address of" in err


def test_without_emails_the_neighbours_departments_come_without_their_emails(independence_export: Path) -> None:
    create_grain_valley()
    out, err = _run("catalog_import", "--city=grain-valley", str(independence_export), "--without-emails")
    assert "departments: 2 created" in out and "department emails left out" in out
    assert err == ""
    emails = dict(Department.objects.filter(city__slug="grain-valley").values_list("code", "email"))
    assert emails == {"animal-services": "", "streets": ""}
    # An email the city gave its department since is kept by a later import without emails.
    Department.objects.filter(city__slug="grain-valley", code="streets").update(email="streets@cityofgrainvalley.org")
    _run("catalog_import", "--city=grain-valley", str(independence_export), "--without-emails")
    assert Department.objects.get(city__slug="grain-valley", code="streets").email == "streets@cityofgrainvalley.org"


def test_a_citys_own_export_and_a_file_with_its_own_addresses_warn_of_nothing(
    independence_export: Path, tmp_path: Path
) -> None:
    _out, err = _run("catalog_import", "--city=independence", str(independence_export), "--dry-run")
    assert err == ""
    create_grain_valley(email="311@cityofgrainvalley.org")
    data = yaml.safe_load(independence_export.read_text(encoding="utf-8"))
    for department in data["departments"]:
        department["email"] = f"{department['code']}@cityofgrainvalley.org"
    own = tmp_path / "grain-valley.yaml"
    own.write_text(yaml.safe_dump(data), encoding="utf-8")
    _out, err = _run("catalog_import", "--city=grain-valley", str(own), "--dry-run")
    assert err == ""


def test_the_checklist_upload_warns_too_and_can_leave_the_emails_out(
    independence_export: Path, login: Callable[[User], Client], superuser: User
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    client = login(superuser)
    url = reverse("admin:tenants_city_setup", args=[city.pk])
    text = independence_export.read_bytes()

    checked = client.post(url, {"file": SimpleUploadedFile("independence.yaml", text), "dry_run": "on"})
    page = checked.content.decode()
    assert "animal-services@independencemo.gov is an address of Independence, not of Grain Valley" in page
    assert "Leave the departments&#x27; emails empty" in page

    done = client.post(
        url, {"file": SimpleUploadedFile("independence.yaml", text), "without_emails": "on"}, follow=True
    )
    page = done.content.decode()
    assert "department emails left out" in page and "is an address of Independence" not in page
    assert set(Department.objects.filter(city=city).values_list("email", flat=True)) == {""}


# --- the docs say what the product does ---------------------------------------------------------


def test_the_onboarding_doc_names_the_admins_pages_as_they_are_and_who_does_what() -> None:
    assert "Admin → Staff" not in ONBOARDING and "Accounts → Users" in ONBOARDING
    assert "**Checklist**" in ONBOARDING  # the button on the city's page, and the column of the list
    assert "operator" in ONBOARDING and "regional administrator" in ONBOARDING.lower()
    assert "--email" in ONBOARDING and "--without-emails" in ONBOARDING
    for path in re.findall(r"`((?:civicdesk|docs)/[\w./-]+\.(?:json|geojson|md))`", ONBOARDING):
        assert (REPO / path).exists(), path
