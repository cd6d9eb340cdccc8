"""In Chromium, a city administrator checks a neighbor's catalog on the checklist's upload:
the warnings name each field that names another member city, with its line, and the page
stays as wide as the screen at 360 and 1280 px (a long description's excerpt wraps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from tests.browser.conftest import open_page, screenshot
from tests.browser.test_form_errors_admin import _admin_sign_in
from tests.onboarding.test_neighbours_names_in_a_catalogue import NEIGHBOURS_FILE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("width", [360, 1280])
def test_a_neighbours_names_are_warned_of_on_the_upload(
    new_context: Any, site: str, independence: Any, make_staff: Any, tmp_path: Path, width: int
) -> None:
    make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ada")
    catalogue = tmp_path / "lees-summit.yaml"
    catalogue.write_text(NEIGHBOURS_FILE, encoding="utf-8")
    page = open_page(new_context(viewport={"width": width, "height": 800}))
    url = f"/admin/tenants/city/{independence.pk}/setup/"
    page.goto(f"{site}/admin/login/?next={url}")
    _admin_sign_in(page, "ada")
    page.set_input_files("#id_file", str(catalogue))
    page.check("#id_dry_run")
    with page.expect_navigation():
        page.click("form[enctype] input[type=submit]")

    warnings = page.locator(".catalog-warnings li")
    texts = warnings.all_inner_texts()
    assert len(texts) == 4, texts  # Independence's own name is not another city's
    assert texts[0].startswith("lees-summit.yaml, line 11, service type “water-leak”, group: “Lee's Summit utilities”")
    assert "unless they mean a street or place" in page.locator(".catalog-warnings").inner_text()
    page.locator(".catalog-warnings").scroll_into_view_if_needed()
    screenshot(page, f"catalog-upload-neighbours-names-{width}")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"
    )
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, wide
    assert not page.errors
