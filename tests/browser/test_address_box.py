"""The address box on a phone (360 px) and a desk: type part of an address, choose it with
the keyboard, the pin moves there and the form says "Near …"; put the pin on the map and
the address under it is said and filled in; an address outside the member cities says
where it is. axe finds nothing on these pages, the list open or closed."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.tenants.models import City
from tests.browser.conftest import DESKTOP, axe_violations, open_page, screenshot, sign_in, type_address
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SMALL_PHONE = {"width": 360, "height": 740}
LAT, LNG = INSIDE["independence"]
NORTH_PER_NUMBER = 0.00005  # about 5.5 m of latitude from one house number to the next


@pytest.fixture
def gazetteer(cities: dict[str, City]) -> City:
    """S Noland Rd through the middle of Independence, numbers growing northwards (odd on
    the west side), N Noland Rd 3 km north, and one address across the line in Sugar Creek."""
    independence = cities["independence"]

    def row(number: int, street: str, lat: float, lng: float) -> PointRow:
        return PointRow(number, "", parse_street(street), "", "", "64050", lat, lng)

    rows = [
        row(n, "S Noland Rd", LAT + (n - 1234) * NORTH_PER_NUMBER, LNG + (-0.00015 if n % 2 else 0.00015))
        for n in range(1200, 1270)
    ]
    rows.append(row(1234, "N Noland Rd", LAT + 0.03, LNG))
    rows.append(row(500, "Sterling Ave", 39.1399, -94.4033))
    addresses_load(city=independence, rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return independence


def _no_axe_findings(page: Any, name: str) -> None:
    found = axe_violations(page)
    assert found == [], f"{name}:\n" + "\n".join(found)


def _type_and_choose(page: Any, text: str, *, downs: int = 1) -> None:
    box = page.locator("#id_address")
    box.click()
    type_address(page, text, box=box)
    page.wait_for_selector("#id_address-list [role=option]")
    assert box.get_attribute("aria-expanded") == "true"
    for _ in range(downs):
        box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.get_attribute(f"#{active}", "aria-selected") == "true"
    box.press("Enter")


def _click_beside_pin(page: Any, the_map: str, dx: float, dy: float) -> None:
    """Click the map ``dx``, ``dy`` pixels from the pin (Leaflet draws it as a red circle)."""
    page.locator(the_map).scroll_into_view_if_needed()
    pin = page.locator(f"{the_map} path[fill='#b50909']").bounding_box()
    page.mouse.click(pin["x"] + pin["width"] / 2 + dx, pin["y"] + pin["height"] / 2 + dy)


def _pin(page: Any) -> tuple[float, float]:
    return float(page.input_value("#id_lat")), float(page.input_value("#id_lng"))


def test_on_a_small_phone_a_typed_address_is_chosen_with_the_keyboard_and_the_pin_goes_there(
    new_context: Any, gazetteer: City, catalogue: Any
) -> None:
    page = open_page(new_context(viewport=SMALL_PHONE))
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    box = page.locator("#id_address")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"

    box.click()
    type_address(page, "1234 nol", box=box)
    page.wait_for_selector("#id_address-list [role=option]")
    options = page.locator("#id_address-list [role=option]")
    # The map shows the whole city: S Noland, in its middle, is nearer than N Noland.
    assert options.nth(0).inner_text().startswith("1234 S Noland Rd")
    assert options.nth(1).inner_text().startswith("1234 N Noland Rd")
    assert "Independence" in options.nth(0).inner_text()
    assert page.inner_text("#id_address-count") == "2 addresses found. Use the up and down arrow keys to choose one."
    screenshot(page, "address-box-open-360")
    _no_axe_findings(page, "report form, list open, 360 px")
    # The list fits the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]

    box.press("ArrowDown")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "id_address-option-1"
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == "id_address-option-0"
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and page.locator("#id_address-list").is_hidden()
    box.press("ArrowDown")  # opens it again on the first
    box.press("Enter")  # chooses, and does not send the form

    assert page.url.endswith("/independence/report/")
    assert box.input_value() == "1234 S Noland Rd"
    assert box.get_attribute("aria-expanded") == "false"
    assert _pin(page) == (round(LAT, 6), round(LNG + 0.00015, 6))
    assert page.inner_text("#pin-address") == "Near 1234 S Noland Rd"
    assert "Pin placed at" in page.inner_text("#pin-status")
    screenshot(page, "address-box-chosen-360")
    _no_axe_findings(page, "report form, address chosen, 360 px")

    # The report is sent with the address and the point.
    page.select_option("#id_service_type", label="Pothole")
    page.wait_for_selector("select[name=attr_size]")
    page.wait_for_selector("input[name=nearby_checked]", state="attached")
    page.select_option("select[name=attr_size]", "large")
    page.fill("#id_description", "A hole by the kerb")
    page.click("button.primary")
    page.wait_for_url("**/report/sent/**")
    case = ServiceRequest.objects.get()
    assert (case.address, case.lat, case.lng) == ("1234 S Noland Rd", round(LAT, 6), round(LNG + 0.00015, 6))
    assert page.errors == []


def test_a_pin_put_on_the_map_by_tap_or_keyboard_is_given_the_address_under_it(
    new_context: Any, gazetteer: City, catalogue: Any
) -> None:
    page = open_page(new_context(viewport=SMALL_PHONE))
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    _type_and_choose(page, "1250 s nol")  # the map goes to the street, close up
    assert page.inner_text("#pin-address") == "Near 1250 S Noland Rd"

    # A tap 40 px above the pin: about 35 m north, by 1256-1258.
    the_map = page.locator("#report-map")
    _click_beside_pin(page, "#report-map", 8, -40)
    expect(page.locator("#pin-address")).not_to_contain_text("1250")
    said = page.inner_text("#pin-address")
    assert said.startswith("Near 125") and said.endswith("S Noland Rd"), said
    # The box follows the pin: the address was the gazetteer's, not typed by the person.
    assert page.input_value("#id_address") == said.removeprefix("Near ")
    lat, _lng = _pin(page)
    assert lat > LAT + 16 * NORTH_PER_NUMBER
    screenshot(page, "address-pin-tapped-360")

    # With the keyboard: move the map down (the view goes south), Enter puts the pin in the middle.
    the_map.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#id_lat")).not_to_have_value(str(lat))
    expect(page.locator("#pin-address")).not_to_have_text(said)
    assert page.inner_text("#pin-address").startswith("Near 12")

    # Words the person typed themselves are not overwritten by the pin.
    before = page.inner_text("#pin-address")
    page.fill("#id_address", "behind the library")
    # Before the pin is measured: the keyboard's pan has ended, and the box has answered (its
    # "No address matches these words" above the map moves the map down the page).
    page.wait_for_selector("#report-map .leaflet-map-pane:not(.leaflet-pan-anim)", state="attached")
    expect(page.locator("#id_address-none")).to_be_visible()
    _click_beside_pin(page, "#report-map", 0, 70)
    expect(page.locator("#pin-address")).not_to_have_text(before)
    assert page.inner_text("#pin-address").startswith("Near 12")
    assert page.input_value("#id_address") == "behind the library"

    page.click("#clear-pin")
    assert page.inner_text("#pin-address") == ""
    _no_axe_findings(page, "report form after pins, 360 px")
    assert page.errors == []


def test_an_address_outside_the_member_cities_says_where_it_is(
    new_context: Any, gazetteer: City, catalogue: Any
) -> None:
    page = open_page(new_context(viewport=DESKTOP))
    page.goto("/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    type_address(page, "500 sterl", box=page.locator("#id_address"))
    page.wait_for_selector("#id_address-list [role=option]")
    assert "In Sugar Creek, not one of the cities this service takes reports for" in page.inner_text("#id_address-list")
    screenshot(page, "address-box-outside-1280")
    page.locator("#id_address").press("ArrowDown")
    page.locator("#id_address").press("Enter")
    assert (
        page.inner_text("#pin-address")
        == "Near 500 Sterling Ave · In Sugar Creek, not one of the cities this service takes reports for"
    )
    screenshot(page, "address-box-outside-chosen-1280")
    _no_axe_findings(page, "regional report form, 1280 px")
    assert page.errors == []


def test_in_spanish_the_box_speaks_spanish(new_context: Any, gazetteer: City, catalogue: Any) -> None:
    page = open_page(new_context(viewport=SMALL_PHONE, locale="es-US", extra_http_headers={"Accept-Language": "es"}))
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    _type_and_choose(page, "1234 nol")
    assert page.inner_text("#pin-address") == "Cerca de 1234 S Noland Rd"
    screenshot(page, "address-box-chosen-360-es")
    assert page.errors == []


@pytest.mark.parametrize("viewport", [SMALL_PHONE, DESKTOP], ids=["360", "1280"])
def test_a_call_taker_finds_the_callers_address_on_the_new_case_form(
    new_context: Any, gazetteer: City, catalogue: Any, make_staff: Any, viewport: dict[str, int]
) -> None:
    make_staff(gazetteer, Role.CALL_TAKER, username="cal")
    page = open_page(new_context(viewport=viewport))
    page.goto("/console/new/")
    sign_in(page, "cal")
    page.wait_for_url("**/console/new/")
    page.wait_for_selector("#new-case-map .leaflet-overlay-pane path", state="attached")  # the city limits
    _type_and_choose(page, "1240 s nol")
    assert page.input_value("#id_address") == "1240 S Noland Rd"
    lat = float(page.input_value("#id_lat"))
    assert abs(lat - (LAT + 6 * NORTH_PER_NUMBER)) < 1e-6
    assert page.inner_text("#pin-address") == "Near 1240 S Noland Rd"
    screenshot(page, f"console-new-address-{viewport['width']}")
    _no_axe_findings(page, f"console new case, {viewport['width']} px")

    # A click on the map beside the pin: the address under it.
    _click_beside_pin(page, "#new-case-map", 5, 30)
    expect(page.locator("#pin-address")).not_to_contain_text("1240")
    assert page.inner_text("#pin-address").startswith("Near 12")
    assert float(page.input_value("#id_lat")) < lat
    assert page.errors == []
