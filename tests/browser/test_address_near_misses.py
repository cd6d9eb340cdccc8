"""A resident on a small phone who misspells their street ("nolnad") or types a number the
street does not have is offered what is nearest to their words, with why under each, and
chooses it with the keyboard: the pin and the map go there. Before, the list stayed empty and
the page said only that no address matched. In English and in Spanish."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.tenants.models import City
from tests.browser.conftest import axe_violations, open_page, screenshot, type_address
from tests.browser.test_address_box import LAT, LNG, SMALL_PHONE, gazetteer  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _type(page: Any, text: str) -> Any:
    box = page.locator("#id_address")
    box.click()
    box.fill("")
    type_address(page, text, box=box)
    page.wait_for_selector("#id_address-list [role=option]")
    return page.locator("#id_address-list [role=option]")


@pytest.mark.parametrize(
    ("language", "spelling", "found", "street_hint"),
    [
        (
            "en",
            "Spelled differently from “1250 s nolnad rd”",
            "No address matches these words exactly. 1 close place found. Use the up and down arrow keys to choose it.",
            "The number is not on this street: the pin goes on the street, then move it to the place.",
        ),
        (
            "es",
            "Escrito de otro modo que “1250 s nolnad rd”",
            "Ninguna dirección coincide exactamente con estas palabras. Se encontró 1 lugar parecido. "
            "Use las flechas arriba y abajo para elegirlo.",
            "Ese número no está en esta calle: el marcador va a la calle; luego muévalo al lugar.",
        ),
    ],
)
def test_a_misspelt_street_or_a_number_not_on_it_offers_the_nearest_place_and_says_why(
    new_context: Any,
    gazetteer: City,  # noqa: F811
    catalogue: Any,
    language: str,
    spelling: str,
    found: str,
    street_hint: str,
) -> None:
    page = open_page(
        new_context(viewport=SMALL_PHONE, locale=language, extra_http_headers={"Accept-Language": language})
    )
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")

    options = _type(page, "1250 s nolnad rd")
    assert options.count() == 1
    assert options.nth(0).locator(".combo-label").inner_text() == "1250 S Noland Rd"
    assert options.nth(0).locator(".combo-hint").inner_text() == spelling
    assert page.inner_text("#id_address-count") == found
    # The line "No address matches these words…" is not shown over a list that offers one.
    assert page.locator(".address-none:visible").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    screenshot(page, f"address-near-miss-spelling-360-{language}")
    assert axe_violations(page) == []

    box = page.locator("#id_address")
    box.press("ArrowDown")
    box.press("Enter")
    assert box.input_value() == "1250 S Noland Rd"
    lat, lng = float(page.input_value("#id_lat")), float(page.input_value("#id_lng"))
    assert abs(lat - (LAT + 16 * 0.00005)) < 1e-5 and abs(lng - (LNG + 0.00015)) < 1e-5

    options = _type(page, "9999 S Noland Rd")
    assert options.nth(0).locator(".combo-label").inner_text() == "S Noland Rd"
    assert options.nth(0).locator(".combo-hint").inner_text() == street_hint
    screenshot(page, f"address-near-miss-street-360-{language}")
    box.press("ArrowDown")
    box.press("Enter")
    assert box.input_value() == "S Noland Rd"
    # The pin is on the street, between its first and last numbers, and the map is there.
    lat = float(page.input_value("#id_lat"))
    assert LAT - 34 * 0.00005 <= lat <= LAT + 35 * 0.00005
    center = page.evaluate(
        "[document.querySelector('#report-map').dataset.viewLat, document.querySelector('#report-map').dataset.viewLng]"
    )
    assert abs(float(center[0]) - lat) < 0.002
    assert page.errors == []
