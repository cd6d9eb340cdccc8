"""In Chromium, a member city with no problem type yet (its catalog still to import) tells a
resident on its home and its report page to call or write, at 360 and 1280 px, in English and
in Spanish, instead of a report form with nothing to choose."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_city_without_types_says_to_call_or_write(
    new_context: Any, site: str, independence: Any, width: int, language: str
) -> None:
    independence.phone, independence.email = "816-252-4400", "311@city.test"
    independence.save()
    context = new_context(
        viewport={"width": width, "height": 800}, locale=language, extra_http_headers={"Accept-Language": language}
    )
    page = open_page(context)

    page.goto(f"{site}/independence/")
    notice = page.locator("#not-taking-reports")
    words = {"en": "Independence does not take reports online yet", "es": "Independence todavía no recibe reportes"}
    assert words[language] in notice.inner_text()
    assert page.locator("a.button.big").count() == 0
    screenshot(page, f"city-setting-up-home-{language}-{width}")

    page.goto(f"{site}/independence/report/")
    assert words[language] in page.locator("#not-taking-reports").inner_text()
    assert page.locator("select[name=service_type]").count() == 0
    assert page.locator("#not-taking-reports a[href='tel:816-252-4400']").is_visible()
    assert page.locator("#not-taking-reports a[href='mailto:311@city.test']").is_visible()
    # Nothing wider than the screen on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"city-setting-up-report-{language}-{width}")
    assert not page.errors
