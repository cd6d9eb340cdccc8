"""In Chromium, a new city's administrator reads its checklist in English and Spanish at 360
and 1280 px: the council districts step says what it wants ("none yet: the council's district
map, or …"), the Open311 key is optional with why, and the page is no wider than the screen;
the districts step's "Do it" opens a list whose filters say "By map" and "By trial map"."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot
from tests.browser.test_form_errors_admin import _admin_sign_in
from tests.onboarding.test_checklist_words_for_a_new_city import NO_DISTRICTS, NO_KEY
from tests.onboarding.test_city_and_catalogue_commands import create_grain_valley

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FILTERS = {"en": ("By map", "Current map", "By trial map"), "es": ("Por mapa", "Mapa actual", "Por mapa de prueba")}
WORDS = {
    "en": (NO_DISTRICTS, "Still to do", NO_KEY, "Optional"),
    "es": (
        "ninguno todavía: el mapa de distritos del concejo o, si el concejo se elige por toda la ciudad, el único "
        "distrito de la plantilla, “Citywide”",
        "Pendiente",
        "ninguna: solo la necesita una aplicación externa que envíe reportes a la ciudad, cada aplicación la suya",
        "Opcional",
    ),
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("width", [360, 1280])
def test_a_new_citys_administrator_reads_what_each_empty_step_wants(
    new_context: Any, site: str, cities: dict[str, City], make_staff: Any, width: int, language: str
) -> None:
    create_grain_valley()
    city = City.objects.get(slug="grain-valley")
    make_staff(city, Role.CITY_ADMIN, is_staff=True, username="gv-admin")
    context = new_context(viewport={"width": width, "height": 800}, extra_http_headers={"Accept-Language": language})
    page = open_page(context)
    url = f"/admin/tenants/city/{city.pk}/setup/"
    page.goto(f"{site}/admin/login/?next={url}")
    _admin_sign_in(page, "gv-admin")

    districts, to_do, no_key, optional = WORDS[language]
    row = page.locator("#setup-steps tr.step-districts")
    assert districts in row.inner_text() and to_do in row.inner_text()
    row = page.locator("#setup-steps tr.step-open311")
    assert no_key in row.inner_text() and optional in row.inner_text() and to_do not in row.inner_text()
    screenshot(page, f"new-city-checklist-{language}-{width}")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width

    with page.expect_navigation():
        page.locator("#setup-steps tr.step-districts td.step-link a").click()
    filters = page.locator("#changelist-filter").inner_text()
    for words in FILTERS[language]:
        assert words in filters, filters
    screenshot(page, f"new-city-districts-list-{language}-{width}")
    assert not page.errors
