"""In Chromium, a new city's administrator follows a step's "Guide" from the checklist to its
section of the setup guide, in English and Spanish at 360 and 1280 px: the section is on the
screen, says where the city stands and what the step is for, the page is no wider than the
screen and axe finds nothing; "Back to the checklist" returns to the steps."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import city_setup_steps
from tests.browser.conftest import axe_violations, open_page, screenshot
from tests.browser.test_form_errors_admin import _admin_sign_in
from tests.onboarding.test_city_and_catalogue_commands import create_grain_valley

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORDS = {
    "en": ("Guide", "Grain Valley now:", "Still to do", "What it is for", "Back to the checklist"),
    "es": ("Guía", "Grain Valley ahora:", "Pendiente", "Para qué sirve", "Volver a la lista de verificación"),
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("width", [360, 1280])
def test_a_steps_guide_link_opens_its_own_section_of_the_guide(
    new_context: Any, site: str, cities: dict[str, City], make_staff: Any, width: int, language: str
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    make_staff(city, Role.CITY_ADMIN, is_staff=True, username="gv-admin")
    context = new_context(viewport={"width": width, "height": 800}, extra_http_headers={"Accept-Language": language})
    page = open_page(context)
    checklist = f"/admin/tenants/city/{city.pk}/setup/"
    page.goto(f"{site}/admin/login/?next={checklist}")
    _admin_sign_in(page, "gv-admin")
    guide, now, to_do, purpose, back = WORDS[language]

    link = page.locator("#setup-steps tr.step-districts a.step-guide")
    expect(link).to_have_text(guide)
    screenshot(page, f"setup-checklist-guide-links-{language}-{width}")
    with page.expect_navigation():
        link.click()
    assert page.url.endswith("/setup/guide/#step-districts"), page.url
    section = page.locator("#step-districts")
    expect(section).to_be_in_viewport()
    expect(section.locator(".guide-now")).to_contain_text(now)
    expect(section.locator(".guide-now")).to_contain_text(to_do)
    expect(section.locator("h3").first).to_have_text(purpose)
    expect(page.locator("section.guide-step")).to_have_count(len(city_setup_steps(city=city)))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    screenshot(page, f"setup-guide-{language}-{width}")
    assert axe_violations(page) == []

    with page.expect_navigation():
        section.get_by_role("link", name=back).click()
    assert re.search(r"/setup/#setup-steps$", page.url), page.url
    expect(page.locator("#setup-steps")).to_be_visible()
    assert not page.errors


@pytest.mark.parametrize("width", [360, 1280])
def test_the_citys_own_page_links_the_guide_and_its_contact_section(
    new_context: Any, site: str, cities: dict[str, City], make_staff: Any, width: int
) -> None:
    city = cities["independence"]
    make_staff(city, Role.CITY_ADMIN, is_staff=True, username="ind-guide-admin")
    context = new_context(viewport={"width": width, "height": 800})
    page = open_page(context)
    change = f"/admin/tenants/city/{city.pk}/change/"
    page.goto(f"{site}/admin/login/?next={change}")
    _admin_sign_in(page, "ind-guide-admin")

    tool = page.locator(".object-tools a.city-setup-guide")
    expect(tool).to_have_text("Setup guide")
    expect(tool).to_be_visible()
    contact = page.locator("a.setup-guide-step[href$='#step-contact']")
    expect(contact).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    screenshot(page, f"city-page-setup-guide-links-{width}")
    assert axe_violations(page) == []

    with page.expect_navigation():
        contact.click()
    assert page.url.endswith("/setup/guide/#step-contact"), page.url
    expect(page.locator("#step-contact")).to_be_in_viewport()
    page.go_back()
    with page.expect_navigation():
        page.locator(".object-tools a.city-setup-guide").click()
    assert page.url.endswith("/setup/guide/"), page.url
    expect(page.locator("section.guide-step").first).to_be_visible()
    assert not page.errors
