"""The cases behind a city's figure in the regional comparison are read a page at a time, as a
city's own drill-down: each caption gives the group's whole count, the page says which of its
cases it shows, "Next"/"Previous" move through one group without losing another's page, and a
median's cases are one group, "Counted". On a phone (360 px) and a desk (1280 px), in English
and Spanish, with no sideways scrolling and no axe violation. Screenshots in
test-artifacts/screenshots/ (regional-cases-…)."""

from __future__ import annotations

import pytest

from civicdesk.performance import drilldown
from tests.browser.conftest import axe_violations, open_page, screenshot
from tests.browser.test_accessibility_more import performance  # noqa: F401  (the same plan and cases)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHARE = "/performance/compare/street-closed-within-target/independence/2017-q3/cases/"
MEDIAN = "/performance/compare/potholes-median-days/independence/2017-q3/cases/"


@pytest.mark.parametrize("width", [360, 1280])
def test_a_citys_cases_in_the_comparison_are_read_a_page_at_a_time(new_context, site, performance, monkeypatch, width):  # noqa: F811
    monkeypatch.setattr(drilldown, "CASES_PER_PAGE", 2)
    page = open_page(new_context(viewport={"width": width, "height": 800}))
    page.goto(SHARE)
    met, missed = page.locator("#cases-met"), page.locator("#cases-missed")
    # Independence's ten potholes of August 2017 (due in 3 days) and one still open, long past it.
    assert met.locator("caption").inner_text() == "Met (6)"
    assert missed.locator("caption").inner_text() == "Missed (5)"
    assert met.locator("tbody tr").count() == 2
    assert "Cases 1–2 of 6" in page.locator("nav[aria-label='Pages of “Met”']").inner_text()
    first_met = met.locator("tbody th").all_inner_texts()
    screenshot(page, f"regional-cases-pages-{width}")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert axe_violations(page) == []

    # The met cases' next page, then the missed cases': each group keeps its own page.
    # A link's click returns before the next page is there: wait for it (wait_for_load_state()
    # would answer for the page still shown, and the second link be looked for on it).
    with page.expect_navigation():
        page.locator("nav[aria-label='Pages of “Met”'] a[rel=next]").click()
    with page.expect_navigation():
        page.locator("nav[aria-label='Pages of “Missed”'] a[rel=next]").click()
    assert "met_page=2" in page.url and "missed_page=2" in page.url
    assert "Cases 3–4 of 6" in page.locator("nav[aria-label='Pages of “Met”']").inner_text()
    assert "Cases 3–4 of 5" in page.locator("nav[aria-label='Pages of “Missed”']").inner_text()
    assert set(met.locator("tbody th").all_inner_texts()).isdisjoint(first_met)
    screenshot(page, f"regional-cases-page-2-{width}")

    # A median's cases: one group, every case in the figure.
    page.goto(MEDIAN + "?counted_page=5")
    assert page.locator("#cases-counted caption").inner_text() == "Counted (10)"
    assert "Cases 9–10 of 10" in page.locator("nav.case-pages").inner_text()
    screenshot(page, f"regional-cases-median-{width}")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    # In Spanish.
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": site}])
    page.goto(SHARE + "?missed_page=3")
    text = page.locator("#cases-missed + nav.case-pages").inner_text()
    assert "Casos 5–5 de 5" in text and "Anterior" in text and "Siguiente" not in text
    screenshot(page, f"regional-cases-pages-es-{width}")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert axe_violations(page) == []
    response = page.goto(SHARE + "?met_page=dos")
    assert response is not None and response.status == 400
    assert "“dos” no es un número de página" in page.locator("[role=alert]").inner_text()
    screenshot(page, f"regional-cases-bad-page-es-{width}")
    with page.expect_navigation():
        page.get_by_role("link", name="Volver a los casos").click()
    assert "Casos 1–2 de 6" in page.locator("nav[aria-label='Páginas de “Cumplidos”']").inner_text()
    assert page.errors == []
