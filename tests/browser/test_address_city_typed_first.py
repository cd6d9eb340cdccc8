"""A call-taker or resident on Independence's report form who types another member city's
name before the street, as phone notes are written ("Blue Springs, 1234 Noland Rd",
"Blue Springs 1234 Noland Rd"), gets that city's address first, on a small phone and on a
desktop. Before, the name typed first was dropped and Independence's address came first."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot
from tests.browser.test_address_box import SMALL_PHONE, gazetteer  # noqa: F401
from tests.browser.test_address_slips_and_cities import _type, noland_in_blue_springs  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize(
    ("viewport", "typed"),
    [(SMALL_PHONE, "Blue Springs, 1234 Noland Rd"), ({"width": 1280, "height": 900}, "blue springs 1234 noland")],
)
def test_a_city_typed_before_the_street_puts_its_address_first(
    new_context: Any,
    noland_in_blue_springs: City,  # noqa: F811
    catalogue: Any,
    viewport: dict[str, int],
    typed: str,
) -> None:
    page = open_page(new_context(viewport=viewport))
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    options = _type(page, typed)
    first = options.nth(0)
    expect(first.locator(".combo-place")).to_have_text("Blue Springs")
    expect(first.locator(".combo-label")).to_have_text("1234 S Noland Rd")
    expect(options.nth(1).locator(".combo-place")).to_have_text("Independence")
    screenshot(page, f"address-city-typed-first-{viewport['width']}")
    assert page.errors == []
