"""The report map draws the city's streets with their names on a phone-sized screen, from the
app's own street tiles, and says so in words when the city has no street map loaded."""

from __future__ import annotations

from typing import Any

from civicdesk.accounts.models import Role
from civicdesk.demo.streets import demo_streets_load
from civicdesk.places.models import Street
from tests.browser.conftest import DESKTOP, axe_violations, open_page, screenshot, sign_in

LAT, LNG = 39.0800, -94.4150  # inside Independence
PHONE_360 = {"width": 360, "height": 740}


def _near_a_street(new_context: Any, viewport: dict[str, int], city: str) -> Any:
    context = new_context(
        viewport=viewport, geolocation={"latitude": LAT, "longitude": LNG}, permissions=["geolocation"]
    )
    page = open_page(context)
    page.goto(f"/{city}/report/")
    page.click("#use-location")  # the map goes to zoom 17 around the resident
    # The map notes its centre when a move ends, after the street layer has asked for the new
    # view's tiles: the city's whole view drew its main roads first, and every line counted from
    # here is the new view's. (A location found while the city's limits were still being fitted
    # used to be dropped, and the map stayed on the whole city.)
    page.locator(f'#report-map[data-view-lat="{LAT:.5f}"][data-view-lng="{LNG:.5f}"]').wait_for(state="attached")
    return page


def test_the_report_map_shows_streets_and_their_names_at_360_px(new_context: Any, cities: Any, trash: Any) -> None:
    independence = cities["independence"]
    demo_streets_load(cities=[independence])
    names = set(Street.objects.filter(city=independence).values_list("name", flat=True))
    for name, viewport in (("360", PHONE_360), ("1280", DESKTOP)):
        page = _near_a_street(new_context, viewport, independence.slug)
        lines = page.locator(".leaflet-streets-pane path")
        lines.nth(3).wait_for(state="attached")  # tiles arrive one by one
        assert lines.count() >= 4
        label = page.locator(".street-label span").first
        label.wait_for()
        shown = page.locator(".street-label span").all_text_contents()
        assert shown and set(shown) <= names
        # The demo's streets are invented, and the map says so.
        assert page.locator(".map-note").inner_text() == "Illustrative streets, invented for the demo"
        # Names sit inside the map and do not take the clicks meant for the pin. Measured in
        # one go in the page: each street tile that arrives draws the names anew, so a name
        # found a moment ago may be gone by the time it is measured.
        left, right, boxes = page.evaluate(
            """() => {
                const map = document.querySelector("#report-map").getBoundingClientRect();
                const spans = [...document.querySelectorAll(".street-label span")];
                return [map.left, map.right, spans.map((s) => [s.getBoundingClientRect().left, s.getBoundingClientRect().right])];
            }"""
        )
        assert boxes and all(left <= x0 and x1 <= right + 60 for x0, x1 in boxes), (left, right, boxes)
        page.locator("#report-map").click(position={"x": 100, "y": 100})
        assert page.locator("#id_lat").input_value()
        screenshot(page, f"street-map-{name}")
        assert page.errors == []
        assert axe_violations(page) == []


def test_a_city_without_a_street_map_says_so(new_context: Any, cities: Any, make_service_type: Any) -> None:
    make_service_type(cities["raytown"], "pothole", name="Pothole")  # so that it takes reports
    page = _near_a_street(new_context, PHONE_360, cities["raytown"].slug)
    note = page.locator("#report-map-note")
    assert note.inner_text() == "Street map not loaded for this city"
    assert page.locator(".leaflet-streets-pane path").count() == 0
    screenshot(page, "street-map-not-loaded-360")
    assert page.errors == []


def test_the_console_and_browse_maps_draw_the_streets_too(new_context: Any, cities: Any, make_staff: Any) -> None:
    independence = cities["independence"]
    demo_streets_load(cities=[independence])
    make_staff(independence, Role.CALL_TAKER, username="carla")
    page = open_page(new_context(viewport=DESKTOP))
    page.goto("/console/new/")
    sign_in(page, "carla")
    page.goto("/console/new/")
    # The whole city in view: its main roads only, no names yet.
    page.locator(".map-pick .leaflet-streets-pane path").first.wait_for(state="attached")
    assert page.locator("#new-case-map-note").inner_text() == "Illustrative streets, invented for the demo"
    screenshot(page, "street-map-console-new-1280")
    page.goto(f"/{independence.slug}/requests/")
    page.locator("#browse-map .leaflet-streets-pane path").first.wait_for(state="attached")
    assert page.errors == []
