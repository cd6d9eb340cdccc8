"""The maps where a resident or a call taker puts a pin open on the whole city: its limits
wholly inside the map at a tablet's width and a desk's (not cut off at the south, not a
small shape in a zoomed-out map with no streets), and the demo's "Illustrative streets"
notice under the map, where it covers no street name."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.demo.streets import demo_streets_load
from tests.browser.conftest import DESKTOP, open_page, screenshot, sign_in

pytestmark = [pytest.mark.browser]

SCREENS = [("768", {"width": 768, "height": 1024}), ("1280", DESKTOP)]
PAGES = [("report", "/independence/report/"), ("alerts", "/independence/alerts/"), ("console-new", "/console/new/")]

# Where the city's limits are drawn, against the map's box, once the map says it has fitted
# them; and where the notice about the streets is. Measured on the screen: a map whose size
# changed after it started would still report the old view from its own arithmetic.
FIRST_VIEW = """selector => {
  const el = document.querySelector(selector), box = el.getBoundingClientRect();
  const limits = [...el.querySelectorAll('path.city-limits')].map(p => p.getBoundingClientRect());
  const note = document.querySelector('.map-note');
  return {
    map: [box.left, box.top, box.right, box.bottom],
    city: [Math.min(...limits.map(r => r.left)), Math.min(...limits.map(r => r.top)),
           Math.max(...limits.map(r => r.right)), Math.max(...limits.map(r => r.bottom))],
    note: note ? (r => [r.left, r.top, r.right, r.bottom])(note.getBoundingClientRect()) : null,
  };
}"""


def test_the_maps_open_on_the_whole_city_with_its_streets(
    new_context: Any, cities: Any, make_staff: Any, trash: Any
) -> None:
    independence = cities["independence"]
    demo_streets_load(cities=[independence])
    make_staff(independence, Role.CALL_TAKER, username="carla")
    found: list[str] = []
    for size, viewport in SCREENS:
        page = open_page(new_context(viewport=viewport))
        page.goto("/console/login/")
        sign_in(page, "carla")
        for name, url in PAGES:
            page.goto(url)
            the_map = "#new-case-map" if name == "console-new" else ".map[data-mode]"
            page.locator(f"{the_map}[data-city-shown]").wait_for(state="attached")
            page.locator(f"{the_map} .leaflet-streets-pane path").first.wait_for(state="attached")
            view = page.evaluate(FIRST_VIEW, the_map)
            screenshot(page, f"map-first-view-{name}-{size}")
            (left, top, right, bottom), (west, north, east, south) = view["map"], view["city"]
            where = f"{name} ({size})"
            if west < left or east > right or north < top or south > bottom:
                found.append(f"{where}: the city {view['city']} is not wholly inside the map {view['map']}")
            # Fitted, not zoomed out: the city spans most of the map one way or the other.
            if (east - west) < 0.75 * (right - left) and (south - north) < 0.75 * (bottom - top):
                found.append(f"{where}: the city {view['city']} is small in the map {view['map']}")
            note = view["note"]
            if note is None:
                found.append(f"{where}: no notice about the streets")
            elif note[1] < bottom and note[3] > top and note[0] < right and note[2] > left:
                found.append(f"{where}: the notice {note} is over the map {view['map']}")
        assert page.errors == []
    assert found == [], "\n".join(found)


def test_a_map_hidden_and_shown_again_fits_the_city_without_an_error(new_context: Any, cities: Any, trash: Any) -> None:
    """A map whose box has no size for a moment (hidden, or the page laid out again, as a
    full-page screenshot does) raised "Invalid LatLng object: (NaN, NaN)": fitting a city into
    no room gives Leaflet an infinite zoom. It now waits, and fits the city when the box is back."""
    demo_streets_load(cities=[cities["independence"]])
    page = open_page(new_context(viewport=DESKTOP))
    for url in ("/independence/report/", "/independence/alerts/"):
        page.goto(url)
        page.locator(".map[data-mode][data-city-shown]").wait_for(state="attached")
        page.locator(".map[data-mode] .leaflet-streets-pane path").first.wait_for(state="attached")
        page.eval_on_selector(".map[data-mode]", "el => { el.style.display = 'none'; }")
        page.wait_for_timeout(300)
        page.eval_on_selector(".map[data-mode]", "el => { el.style.display = ''; }")
        page.wait_for_timeout(500)
        view = page.evaluate(FIRST_VIEW, ".map[data-mode]")
        (left, top, right, bottom), (west, north, east, south) = view["map"], view["city"]
        assert left <= west and east <= right and top <= north and south <= bottom, (url, view)
    assert page.errors == []
