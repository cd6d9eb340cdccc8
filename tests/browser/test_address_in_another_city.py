"""A resident on Raytown's report form who chooses an address in Independence, or puts the pin
there, is told before sending that the report goes to Independence: "Near 1234 S Noland Rd ·
In Independence: your report goes to Independence". Before, the page said only "Near 1234 S
Noland Rd", and the other city was named on the confirmation, after sending. In Spanish too."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot, type_address
from tests.browser.test_address_box import SMALL_PHONE, gazetteer  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize(
    ("language", "near", "other"),
    [
        ("en", "Near 1234 S Noland Rd", "In Independence: your report goes to Independence"),
        ("es", "Cerca de 1234 S Noland Rd", "En Independence: su reporte va a Independence"),
    ],
)
def test_an_address_in_another_member_city_says_where_the_report_goes_before_it_is_sent(
    new_context: Any,
    gazetteer: City,  # noqa: F811
    catalogue: Any,
    language: str,
    near: str,
    other: str,
) -> None:
    page = open_page(
        new_context(viewport=SMALL_PHONE, locale=language, extra_http_headers={"Accept-Language": language})
    )
    page.goto("/raytown/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    box = page.locator("#id_address")
    box.click()
    type_address(page, "1234 s nol", box=box)
    page.wait_for_selector("#id_address-list [role=option]")
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_function("document.querySelector('#pin-address').textContent.includes('·')")
    assert page.inner_text("#pin-address") == f"{near} · {other}"
    assert page.get_attribute("#pin-address", "role") == "status"
    page.locator("#report-map").scroll_into_view_if_needed()
    screenshot(page, f"address-other-city-360-{language}")

    # Independence's own form says nothing of the kind for the same address.
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    box = page.locator("#id_address")
    box.click()
    type_address(page, "1234 s nol", box=box)
    page.wait_for_selector("#id_address-list [role=option]")
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_function(f"document.querySelector('#pin-address').textContent === {near!r}")
    assert page.errors == []
