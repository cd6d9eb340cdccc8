"""The regional comparison as read on a phone and on a desk: a city's card says its rate
once ("Per 1,000 residents: 0.1"), and the short period box stands beside its "Show"
button. Screenshots in test-artifacts/screenshots/ (regional-comparison-…)."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.performance.models import CommonMeasure
from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot
from tests.browser.test_accessibility_more import performance  # noqa: F401  (the same plan and cases)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

URL = "/performance/compare/?period=2017-q3"
POPULATIONS = {"independence": 117_000, "raytown": 29_000, "grandview": 25_000, "lees-summit": 101_000}


@pytest.fixture
def compared(performance: Any, cities: Any) -> dict[str, City]:  # noqa: F811
    for slug, population in POPULATIONS.items():
        City.objects.filter(slug=slug).update(population=population)
    # Independence's 11 potholes of the quarter are enough for a rate.
    CommonMeasure.objects.filter(key="requests-per-1000-residents").update(minimum_cases=10)
    return cities


@pytest.mark.parametrize(("language", "per"), [("en", "Per "), ("es", "Por cada ")])
def test_on_a_phone_a_citys_card_says_its_rate_once(new_context, site, compared, language, per):
    page = open_page(new_context(viewport={"width": 360, "height": 740}, locale=language))
    page.goto(site + URL)
    screenshot(page, f"regional-comparison-phone-{language}")
    table = page.locator("#common-requests-per-1000-residents table")
    label = table.locator("thead th").nth(2).text_content() or ""
    rate = table.locator("tbody tr").filter(has_text="Independence").locator("td").nth(1)
    # The card as read: the cell's label (drawn before it) and its text.
    said = rate.evaluate("td => getComputedStyle(td, '::before').content.slice(1, -1) + td.textContent")
    figure = rate.text_content() or ""
    assert label.startswith(per) and said == f"{label}: {figure}"
    assert figure[:1].isdigit() and " " not in figure  # the rate alone: its unit is the label's


def test_on_a_desk_the_period_box_stands_beside_its_show_button(new_context, site, compared):
    page = open_page(new_context(viewport={"width": 1280, "height": 900}))
    page.goto(site + URL)
    screenshot(page, "regional-comparison-1280")
    box = page.locator("#compare-period").bounding_box()
    button = page.get_by_role("button", name="Show").bounding_box()
    assert box is not None and button is not None
    gap = button["x"] - (box["x"] + box["width"])
    assert 0 <= gap <= 24, f"the Show button is {gap:.0f}px from the period box"
