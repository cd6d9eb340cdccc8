"""A resident on Independence's report form, on a small phone, who types their street's word
alone with its first letter wrong ("moland") is offered Noland Rd, with why under it; one who
types another member city's name after the street ("1234 Noland Rd Blue Springs") gets that
city's address first, and is told before sending where the report goes. Before, "moland"
found nothing and the Blue Springs address came after Independence's. In English and Spanish."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.tenants.models import City
from tests.browser.conftest import axe_violations, open_page, screenshot, type_address
from tests.browser.test_address_box import SMALL_PHONE, gazetteer  # noqa: F401
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def noland_in_blue_springs(gazetteer: City, cities: dict[str, City]) -> City:  # noqa: F811
    """Independence's S and N Noland Rd (``gazetteer``) and a S Noland Rd in Blue Springs too."""
    lat, lng = INSIDE["blue-springs"]
    rows = [PointRow(1234, "", parse_street("S Noland Rd"), "", "", "64015", lat, lng)]
    addresses_load(city=cities["blue-springs"], rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return gazetteer


def _type(page: Any, text: str) -> Any:
    box = page.locator("#id_address")
    box.click()
    box.fill("")
    type_address(page, text, box=box)
    page.wait_for_selector("#id_address-list [role=option]")
    return page.locator("#id_address-list [role=option]")


@pytest.mark.parametrize(
    ("language", "spelling", "found", "goes"),
    [
        (
            "en",
            "Spelled differently from “moland”",
            "No address matches these words exactly. 3 close places found. Use the up and down arrow keys to choose one.",
            "In Blue Springs: your report goes to Blue Springs",
        ),
        (
            "es",
            "Escrito de otro modo que “moland”",
            "Ninguna dirección coincide exactamente con estas palabras. Se encontraron 3 lugares parecidos. "
            "Use las flechas arriba y abajo para elegir uno.",
            "En Blue Springs: su reporte va a Blue Springs",
        ),
    ],
)
def test_a_wrong_first_letter_alone_and_another_citys_name_find_the_place_meant(
    new_context: Any,
    noland_in_blue_springs: City,
    catalogue: Any,
    language: str,
    spelling: str,
    found: str,
    goes: str,
) -> None:
    page = open_page(
        new_context(viewport=SMALL_PHONE, locale=language, extra_http_headers={"Accept-Language": language})
    )
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")

    options = _type(page, "moland")
    labels = [options.nth(i).locator(".combo-label").inner_text() for i in range(options.count())]
    assert sorted(labels) == ["N Noland Rd", "S Noland Rd", "S Noland Rd"]
    assert {options.nth(i).locator(".combo-hint").inner_text() for i in range(options.count())} == {spelling}
    assert page.inner_text("#id_address-count") == found
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    screenshot(page, f"address-first-letter-slip-360-{language}")
    assert axe_violations(page) == []

    # Another member city's name after the street: its address first, though the map is on
    # Independence, where a 1234 S Noland Rd is too.
    options = _type(page, "1234 Noland Rd Blue Springs")
    first = options.nth(0)
    # The list answers each pause in the typing: the last answer, for the whole city's name.
    expect(first.locator(".combo-place")).to_have_text("Blue Springs")
    assert first.locator(".combo-label").inner_text() == "1234 S Noland Rd"
    assert first.locator(".combo-hint").count() == 0
    assert options.nth(1).locator(".combo-place").inner_text() == "Independence"
    screenshot(page, f"address-city-named-360-{language}")
    box = page.locator("#id_address")
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_selector(f"#pin-address:has-text('{goes}')")
    assert page.errors == []
