"""The browse page's "Near" in Chromium on a 360-px phone, in English and Spanish: a resident
types an address, chooses it from the list, chooses a distance and is shown the reports within
it, nearest first, each saying how far, in a URL they can share; "Use my location" lists the
reports near the device when allowed and says in words when refused, losing nothing chosen; a
point clicked on the map goes into the box. Screenshots at 360 and 1280 px."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from civicdesk.cases import services
from civicdesk.tenants.models import City
from tests.browser.conftest import axe_violations, open_page, screenshot, type_address
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAT, LNG = INSIDE["independence"]
PHONE = {"width": 360, "height": 800}
DESK = {"width": 1280, "height": 900}
WORDS = {
    "en": {
        "show": "Show",
        "away": ["at the point", "180\u00a0ft away", "0.3\u00a0mile away"],
        "status": "3 reports within ½\u00a0mile of 18891 Meadow Ln, nearest first",
        "denied": "This page may not know your location: your browser refused it.",
        "chosen": "Point chosen on the map:",
        "not_found": "We found no address matching “9999 Nowhere Blvd”.",
    },
    "es": {
        "show": "Mostrar",
        "away": ["en el punto", "a 180\u00a0pies", "a 0.3\u00a0millas"],
        "status": "3 reportes a menos de ½\u00a0milla de 18891 Meadow Ln, del más cercano al más lejano",
        "denied": "Esta página no puede conocer su ubicación: su navegador la negó.",
        "chosen": "Punto elegido en el mapa:",
        "not_found": "No encontramos ninguna dirección que coincida con “9999 Nowhere Blvd”.",
    },
}


def _reports(catalogue: dict[str, Any]) -> list[Any]:
    """Three potholes north of 18891 Meadow Ln (at the point, ~55 m, ~500 m) and one 2 km away."""
    pothole = catalogue["independence"]["pothole"]

    def case(north_deg: float) -> Any:
        return services.case_create(
            service_type=pothole, lat=LAT + north_deg, lng=LNG, description="Hole", attributes={"size": "small"}
        )

    return [case(0.0), case(0.0005), case(0.0045), case(0.018)]


def _listed(page: Any) -> list[str]:
    return page.locator("table.reports td.ref a").all_inner_texts()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_resident_types_an_address_and_chooses_a_distance_on_a_phone(
    new_context: Any, meadow_ln: City, catalogue: Any, language: str
) -> None:
    words = WORDS[language]
    here, close, farther, _far = _reports(catalogue)
    page = open_page(new_context(viewport=PHONE, extra_http_headers={"Accept-Language": language}))
    page.goto("/independence/requests/")
    box = page.locator("#f-near")
    assert box.get_attribute("role") == "combobox"
    box.click()
    type_address(page, "18891 mead")
    page.wait_for_selector("#f-near-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert box.input_value() == "18891 Meadow Ln"
    page.select_option("#f-within", "805")
    screenshot(page, f"browse-near-typed-360-{language}")
    page.get_by_role("button", name=words["show"], exact=True).click()
    page.wait_for_selector("td.away")

    query = parse_qs(urlsplit(page.url).query)
    assert query["near"] == ["18891 Meadow Ln"] and query["within"] == ["805"]
    assert _listed(page) == [here.reference, close.reference, farther.reference]
    assert page.locator("td.away").all_inner_texts() == words["away"]
    assert words["status"] in page.inner_text("main")
    assert page.input_value("#f-near") == "18891 Meadow Ln" and page.input_value("#f-within") == "805"
    # The circle is drawn on the map, and nothing on the phone scrolls sideways.
    page.wait_for_selector("#browse-map path.leaflet-interactive, #browse-map path", state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"browse-near-listed-360-{language}")
    assert axe_violations(page) == []

    # The same URL, shared, opens the same list on a desk.
    desk = open_page(new_context(viewport=DESK, extra_http_headers={"Accept-Language": language}))
    desk.goto(page.url)
    assert _listed(desk) == [here.reference, close.reference, farther.reference]
    screenshot(desk, f"browse-near-listed-1280-{language}")

    # An address that matches nothing is said in words, from the summary at the top to the box;
    # what was typed and chosen stays.
    page.fill("#f-near", "9999 Nowhere Blvd")
    page.get_by_role("button", name=words["show"], exact=True).click()
    page.wait_for_selector("#error-summary a[href='#f-near']")
    assert words["not_found"] in page.inner_text("#f-near-error")
    assert page.locator("#f-near").get_attribute("aria-invalid") == "true"
    assert page.input_value("#f-near") == "9999 Nowhere Blvd" and page.input_value("#f-within") == "805"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"browse-near-not-found-360-{language}")
    assert page.errors == [] and desk.errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_use_my_location_lists_the_reports_near_the_device_or_says_why_not(
    new_context: Any, meadow_ln: City, catalogue: Any, language: str
) -> None:
    words = WORDS[language]
    here, close, _farther, _far = _reports(catalogue)
    allowed = open_page(
        new_context(
            viewport=PHONE,
            extra_http_headers={"Accept-Language": language},
            geolocation={"latitude": LAT, "longitude": LNG},
            permissions=["geolocation"],
        )
    )
    allowed.goto("/independence/requests/?type=pothole")
    allowed.locator("#near-location").click()
    allowed.wait_for_selector("td.away")
    query = parse_qs(urlsplit(allowed.url).query)
    assert query["near"] == [f"{LAT:.5f},{LNG:.5f}"] and query["type"] == ["pothole"]
    assert _listed(allowed) == [here.reference, close.reference]

    # Refused: said in words under the box; what was chosen stays.
    refused = open_page(new_context(viewport=PHONE, extra_http_headers={"Accept-Language": language}))
    refused.goto("/independence/requests/?type=pothole&status=open")
    refused.select_option("#f-within", "1609")
    refused.locator("#near-location").click()
    refused.wait_for_function(
        "(w) => document.getElementById('near-status').textContent.startsWith(w)", arg=words["denied"]
    )
    assert refused.url.endswith("/independence/requests/?type=pothole&status=open")
    assert refused.input_value("#f-within") == "1609" and refused.input_value("#f-type") == "pothole"
    screenshot(refused, f"browse-near-location-refused-360-{language}")

    # A point clicked on the map goes into the box, said under it; Show lists near it.
    refused.wait_for_selector("#browse-map .leaflet-limits-pane path", state="attached")
    refused.locator("#browse-map").click(position={"x": 180, "y": 120})
    assert "," in refused.input_value("#f-near")
    assert refused.inner_text("#near-status").startswith(words["chosen"])
    with refused.expect_navigation():
        refused.get_by_role("button", name=words["show"], exact=True).click()
    assert "near=" in refused.url and "within=1609" in refused.url
    assert allowed.errors == [] and refused.errors == []
