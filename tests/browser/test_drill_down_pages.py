"""The drill-down's groups are read a page at a time: each caption gives the group's whole
count, the page says which of its cases it shows, and "Next"/"Previous" move through one
group without losing the page of another. On a phone (360 px) and a desk (1280 px), in
English and Spanish, with no sideways scrolling and no axe violation."""

from __future__ import annotations

import pytest

from civicdesk.performance import drilldown
from tests.browser.conftest import axe_violations, open_page, screenshot
from tests.browser.test_accessibility_more import performance  # noqa: F401  (the same plan and cases)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("width", [360, 1280])
def test_each_group_of_the_drill_down_is_read_a_page_at_a_time(new_context, performance, monkeypatch, width):  # noqa: F811
    monkeypatch.setattr(drilldown, "CASES_PER_PAGE", 2)
    street = performance["street"]
    url = f"/independence/performance/measures/{street.pk}/2018-q1/cases/"
    page = open_page(new_context(viewport={"width": width, "height": 800}))
    page.goto(url)
    met, missed = page.locator("#cases-met"), page.locator("#cases-missed")
    # Independence's ten potholes of August 2017 (due in 3 days) and one still open, long past it.
    assert met.locator("caption").inner_text().endswith("(6)")
    assert missed.locator("caption").inner_text().endswith("(5)")
    assert page.locator("#cases-pending caption").inner_text() == "Not decided yet (0)"
    assert met.locator("tbody tr").count() == 2
    pager = page.locator("nav.case-pages").first
    assert "Cases 1–2 of 6" in pager.inner_text()
    first_cases = met.locator("tbody th").all_inner_texts()
    screenshot(page, f"performance-measure-cases-pages-{width}")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert axe_violations(page) == []

    # The missed cases' next page, then the met cases': each group keeps its own page.
    # A link's click returns before the next page is there: wait for it (wait_for_load_state()
    # would answer for the page still shown).
    with page.expect_navigation():
        page.locator("nav[aria-label='Pages of “Missed”'] a[rel=next]").click()
    assert "missed_page=2" in page.url
    assert "Cases 3–4 of 5" in page.locator("nav[aria-label='Pages of “Missed”']").inner_text()
    with page.expect_navigation():
        page.locator("nav.case-pages").first.locator("a[rel=next]").click()
    assert "missed_page=2" in page.url and "met_page=2" in page.url
    assert "Cases 3–4 of 6" in page.locator("nav.case-pages").first.inner_text()
    assert set(met.locator("tbody th").all_inner_texts()).isdisjoint(first_cases)
    assert "Cases 3–4 of 5" in page.locator("nav[aria-label='Pages of “Missed”']").inner_text()
    screenshot(page, f"performance-measure-cases-page-2-{width}")

    # In Spanish.
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": page.url}])
    page.goto(url + "?met_page=3")
    text = page.locator("nav.case-pages").first.inner_text()
    assert "Casos 5–6 de 6" in text and "Anterior" in text and "Siguiente" not in text
    screenshot(page, f"performance-measure-cases-pages-es-{width}")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.errors == []
