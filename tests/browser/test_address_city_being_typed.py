"""A resident on Independence's report form who is still typing another member city's name
after the street ("1234 Noland Rd Blue Spr") already gets that city's address first, on a
small phone and on a desktop. Before, the city counted only once its name was complete."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot
from tests.browser.test_address_box import SMALL_PHONE, gazetteer  # noqa: F401
from tests.browser.test_address_slips_and_cities import _type, noland_in_blue_springs  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("viewport", [SMALL_PHONE, {"width": 1280, "height": 900}])
def test_a_city_half_typed_after_the_street_puts_its_address_first(
    new_context: Any,
    noland_in_blue_springs: City,  # noqa: F811
    catalogue: Any,
    viewport: dict[str, int],
) -> None:
    page = open_page(new_context(viewport=viewport))
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    options = _type(page, "1234 Noland Rd Blue Spr")
    first = options.nth(0)
    expect(first.locator(".combo-place")).to_have_text("Blue Springs")
    assert first.locator(".combo-label").inner_text() == "1234 S Noland Rd"
    assert options.nth(1).locator(".combo-place").inner_text() == "Independence"
    screenshot(page, f"address-city-being-typed-{viewport['width']}")
    assert page.errors == []
