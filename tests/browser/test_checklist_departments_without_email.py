"""In Chromium, the operator reads on a new city's checklist which departments no one would be
told of new cases for (no email), at 360 and 1280 px, in English and Spanish: the step is
"Still to do" and names them, the status and the link keep their words whole, and the page
stays as wide as the screen."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.accounts.models import User
from tests.browser.conftest import PASSWORD, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORDS = {
    "en": ("Still to do", "no one is told of their new cases (give each an email under Departments): Code Enforcement"),
    "es": (
        "Pendiente",
        "nadie recibe aviso de sus casos nuevos (dé a cada uno un correo en Departamentos): Code Enforcement",
    ),
}


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_checklist_names_the_departments_without_an_email(
    new_context: Any,
    site: str,
    independence: Any,
    make_department: Any,
    make_service_type: Any,
    width: int,
    language: str,
) -> None:
    codes = make_department(independence, "Code Enforcement", email="")
    make_service_type(independence, "tall-grass", name="Tall grass", department=codes)
    User.objects.create_superuser(username="operator", email="ops@example.org", password=PASSWORD)
    url = f"/admin/tenants/city/{independence.pk}/setup/"
    context = new_context(viewport={"width": width, "height": 800}, extra_http_headers={"Accept-Language": language})
    page = open_page(context)
    page.goto(f"{site}/admin/login/?next={url}")
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")

    row = page.locator("#setup-steps tr.step-departments")
    status, words = WORDS[language]
    assert status in row.inner_text() and words in row.inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    # The status and the link keep their words whole: each reads on one line ("Pendiente",
    # "Hacerlo"), not cut into "Pendient" / "e".
    for cell in ("td:nth-child(2) strong", "td.step-link a"):
        assert row.locator(cell).evaluate("el => el.getClientRects().length") == 1, cell
    row.scroll_into_view_if_needed()
    screenshot(page, f"checklist-departments-without-email-{language}-{width}")
    assert not page.errors
