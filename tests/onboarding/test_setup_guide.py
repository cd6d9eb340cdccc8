"""A city's setup guide inside the product (admin/tenants/city/<id>/setup/guide/): whoever may
open the checklist may open it, each step of the checklist links to its own section, each
section shows the city's state of the step as the checklist computes it, and the guide reads
in Spanish with the product's own Spanish words."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import city_setup_steps
from civicdesk.tenants.setup_guide import SECTION_OF
from tests.onboarding.test_city_and_catalogue_commands import create_grain_valley

pytestmark = pytest.mark.django_db


def _guide(city: City) -> str:
    return reverse("admin:tenants_city_setup_guide", args=[city.pk])


def _sections(html: str) -> dict[str, str]:
    """Each section of the guide by its step's key: its HTML, up to the section's end."""
    return dict(re.findall(r'<section id="step-([a-z0-9]+)"[^>]*>(.*?)</section>', html, re.S))


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_citys_administrator_regional_administrator_and_operators_open_it_no_one_else(
    cities: dict[str, City],
    login: Callable[[User], Client],
    city_admin: User,
    regional_admin: User,
    superuser: User,
    make_staff: Callable[..., User],
) -> None:
    own, other = cities["independence"], cities["raytown"]
    assert login(city_admin).get(_guide(own)).status_code == 200
    assert login(city_admin).get(_guide(other)).status_code in (403, 404)
    assert login(regional_admin).get(_guide(other)).status_code == 200
    assert login(superuser).get(_guide(other)).status_code == 200
    supervisor = make_staff(own, Role.SUPERVISOR, username="ind-supervisor")
    refused = login(supervisor).get(_guide(own))
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]
    anonymous = Client().get(_guide(own))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_each_step_of_the_checklist_links_to_its_own_section_and_each_section_says_the_citys_state(
    cities: dict[str, City], login: Callable[[User], Client], superuser: User
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    client = login(superuser)
    steps = city_setup_steps(city=city)
    checklist = client.get(reverse("admin:tenants_city_setup", args=[city.pk])).content.decode()
    assert f'href="{_guide(city)}"' in checklist  # the page's own link, in its opening words
    rows = dict(re.findall(r'<tr class="step-([a-z0-9]+) [^"]*">(.*?)</tr>', checklist, re.S))
    assert list(rows) == [s.key for s in steps]
    for step in steps:
        assert f'href="{_guide(city)}#step-{step.key}"' in rows[step.key], step.key

    guide = client.get(_guide(city)).content.decode()
    sections = _sections(guide)
    assert list(sections) == [s.key for s in steps]  # one section a step, in the checklist's order
    for number, step in enumerate(steps, start=1):
        section = _text(sections[step.key])
        assert f"{number}. {step.label}" in section
        assert step.detail in section  # the state the checklist computes, not a copy of its own
        status = "Done" if step.done else "Optional" if step.optional else "Still to do"
        assert re.search(rf"Grain Valley now: {status}\b", section), section
        for heading in ("What it is for", "When it is finished", "The commonest mistake"):
            assert heading in section
        words = SECTION_OF[step.key].words(city)
        assert words["purpose"] in section and words["mistake"] in section
        assert f'href="#step-{step.key}"' in guide  # the guide's own list of steps


def test_a_finished_step_reads_done_in_its_section_as_it_does_in_the_checklist(
    independence: City, login: Callable[[User], Client], superuser: User, make_staff: Callable[..., User]
) -> None:
    make_staff(independence, Role.CITY_ADMIN, username="ind-admin-two")
    staff = next(s for s in city_setup_steps(city=independence) if s.key == "staff")
    assert staff.done
    section = _text(_sections(login(superuser).get(_guide(independence)).content.decode())["staff"])
    assert re.search(r"Independence now: Done\b", section)
    assert staff.detail in section and "Review" in section


def test_the_guide_reads_in_spanish_with_the_products_own_spanish_words(
    cities: dict[str, City], login: Callable[[User], Client], superuser: User
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    client = login(superuser)
    english = _sections(client.get(_guide(city)).content.decode())
    spanish_page = client.get(_guide(city), headers={"Accept-Language": "es"}).content.decode()
    assert '<html lang="es"' in spanish_page
    spanish = _sections(spanish_page)
    assert list(spanish) == list(english)
    for key in spanish:
        assert _text(spanish[key]) != _text(english[key]), key
        for heading in ("What it is for", "When it is finished", "The commonest mistake", "Back to the checklist"):
            assert heading not in spanish[key], (key, heading)
    # What the product says when the mistake is made: the same Spanish the import and the checklist say.
    assert "Estos distritos no están en Grain Valley; no se creó nada." in _text(spanish["districts"])
    assert "“sin teléfono”" in _text(spanish["contact"])
    checklist = client.get(
        reverse("admin:tenants_city_setup", args=[city.pk]), headers={"Accept-Language": "es"}
    ).content.decode()
    assert f'href="{_guide(city)}#step-districts"' in checklist
    assert "the setup guide" not in checklist


def test_the_guides_quotations_are_what_the_product_says_when_the_mistake_is_made(
    cities: dict[str, City], login: Callable[[User], Client], city_admin: User
) -> None:
    """Each quotation is said by the code that refuses or counts, not written twice: a city
    without email or phone, another city's map imported, an account added without an email
    (as its city's administrator, in English and in Spanish)."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from civicdesk.tenants.districts import DistrictShape
    from civicdesk.tenants.geo import shape_from_geojson
    from civicdesk.tenants.services import district_import
    from tests.admin.test_staff_email import ADD, new_account

    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    city.email = city.phone = ""
    city.save()
    contact = next(s for s in city_setup_steps(city=city) if s.key == "contact")
    assert contact.detail == "; ".join(SECTION_OF["contact"].told(city))

    raytown = shape_from_geojson(cities["raytown"].boundary)
    with pytest.raises(ValidationError) as refused:
        district_import(city=city, shapes=[DistrictShape("Ward 1", 1, raytown)])
    assert SECTION_OF["districts"].told(city)[0] == refused.value.messages[0]

    client = login(city_admin)
    for language in ("en", "es"):
        page = client.post(
            reverse(ADD), new_account(username="new-worker", role=Role.WORKER), headers={"Accept-Language": language}
        )
        with translation.override(language):
            told = SECTION_OF["staff"].told(city)
        assert page.context["adminform"].form.errors["email"] == told, language


def _change_page(city: City) -> str:
    return reverse("admin:tenants_city_change", args=[city.pk])


def test_the_citys_own_page_links_the_guide_and_its_contact_and_limits_sections_for_whoever_may_open_it(
    cities: dict[str, City],
    login: Callable[[User], Client],
    city_admin: User,
    regional_admin: User,
    superuser: User,
    make_staff: Callable[..., User],
) -> None:
    own = cities["independence"]
    supervisor = make_staff(own, Role.SUPERVISOR, username="ind-supervisor")
    shown = 0
    for user in (city_admin, regional_admin, superuser, supervisor):
        client = login(user)
        response = client.get(_change_page(own))
        if response.status_code != 200:
            assert user == supervisor  # no page, no link: the guide refuses them too
            assert client.get(_guide(own)).status_code != 200
            continue
        page = response.content.decode()
        # Beside "Checklist", top right; and in the fieldsets of the two steps done on this page.
        assert re.search(rf'<a href="{_guide(own)}" class="city-setup-guide">Setup guide</a>', page), user
        labels = {s.key: s.label for s in city_setup_steps(city=own)}
        for key in ("contact", "limits"):
            link = re.search(rf'<a href="{_guide(own)}#step-{key}" class="setup-guide-step">(.*?)</a>', page)
            assert link and unescape(link.group(1)) == f"Setup guide: “{labels[key]}”", (user, key)
        assert "What this step is for, what finished looks like and the commonest mistake:" in page
        assert client.get(_guide(own)).status_code == 200  # every link shown opens
        shown += 1
    assert shown == 3


def test_the_citys_own_page_says_the_guides_links_in_spanish(
    cities: dict[str, City], login: Callable[[User], Client], city_admin: User
) -> None:
    own = cities["independence"]
    page = login(city_admin).get(_change_page(own), headers={"Accept-Language": "es"}).content.decode()
    assert re.search(rf'<a href="{_guide(own)}" class="city-setup-guide">Guía de configuración</a>', page)
    contact = re.search(rf'<a href="{_guide(own)}#step-contact" class="setup-guide-step">(.*?)</a>', page)
    assert contact and unescape(contact.group(1)).startswith("Guía de configuración: “")
    assert "Para qué sirve este paso, cómo se ve terminado y el error más común:" in page
    assert "Setup guide" not in page
