"""Every map's scale reads in the page's language: "500 ft" and "2 mi" in English, "500 pies"
and "2 mi" in Spanish (Leaflet's own scale said "ft" on a Spanish page), at every zoom, its
bar as long as the distance its words say (by Leaflet's own measure of the map) and its
words never cut by a short bar. The alerts map at 1280 px, the report form's at 360 and the
console's."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot, sign_in, type_address
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAT, LNG = INSIDE["independence"]
PHONE_360 = {"width": 360, "height": 800}
DESK = {"width": 1280, "height": 900}
FEET = {"en": "ft", "es": "pies"}

# Every Leaflet map the page makes, kept where a test can ask it (window.testMaps): set before
# the page's scripts run, when Leaflet defines window.L.
KEEP_MAPS = """
(() => {
  let leaflet;
  Object.defineProperty(window, "L", {
    configurable: true,
    get() { return leaflet; },
    set(value) {
      leaflet = value;
      if (value && value.Map && !value.Map.testHooked) {
        value.Map.testHooked = true;
        value.Map.addInitHook(function () { (window.testMaps = window.testMaps || []).push(this); });
      }
    },
  });
})();
"""


def choose_address(page: Any, typed: str) -> None:
    type_address(page, typed, box=page.locator("#id_address"), delay=30)
    page.wait_for_selector("#id_address-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")


def scale_reading(page: Any, selector: str) -> dict[str, Any]:
    """The scale's words and bar, and the distance the map says its bar spans (Leaflet's own
    measure, map.distance over the bar's pixels on the map's middle line)."""
    return page.evaluate(
        """(selector) => {
          const el = document.querySelector(selector);
          const map = window.testMaps.find((m) => m.getContainer() === el);
          const line = el.querySelector(".leaflet-control-scale-line");
          const width = line.getBoundingClientRect().width;
          const y = map.getSize().y / 2;
          const metres = map.distance(map.containerPointToLatLng([0, y]), map.containerPointToLatLng([width, y]));
          return {
            text: line.textContent,
            width: width,
            feet: metres / 0.3048,
            hidden: el.querySelector(".leaflet-control-scale").getAttribute("aria-hidden"),
            cut: line.scrollWidth > line.clientWidth,
          };
        }""",
        selector,
    )


def said_feet(text: str, feet_word: str) -> float:
    """The distance a scale's words say, in feet ("2 mi", "500 pies", "1,000 ft")."""
    found = re.fullmatch(rf"([\d.,\s\u00a0]+) ({feet_word}|mi)", text)
    assert found, text
    number = float(re.sub(r"[^\d]", "", found.group(1)))
    return number * 5280 if found.group(2) == "mi" else number


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_maps_scale_reads_in_the_pages_language_and_spans_what_it_says(
    new_context: Any, meadow_ln: City, trash: Any, language: str
) -> None:
    # trash: Independence takes reports (its report page has the form and its map).
    feet_word = FEET[language]
    context = new_context(viewport=DESK, extra_http_headers={"Accept-Language": language})
    context.add_init_script(KEEP_MAPS)
    page = open_page(context)
    page.goto("/independence/alerts/")
    page.wait_for_selector("#alert-map .leaflet-limits-pane path", state="attached")
    page.wait_for_selector("#alert-map[data-city-shown='1']")  # no string evaluated: the CSP forbids eval

    # The whole city in view: miles.
    city_view = scale_reading(page, "#alert-map")
    assert city_view["text"].endswith(" mi"), city_view
    # Close to an address: feet, in the page's word.
    choose_address(page, "18891 mead")
    page.wait_for_function(
        "(word) => document.querySelector('#alert-map .leaflet-control-scale-line').textContent.endsWith(' ' + word)",
        arg=feet_word,
    )
    readings = [city_view, scale_reading(page, "#alert-map")]
    # Every zoom between, by quarters: the words change, the bar follows.
    for quarter in range(11 * 4, 19 * 4 + 1):
        page.evaluate(
            "(z) => window.testMaps.find((m) => m.getContainer().id === 'alert-map').setZoom(z, {animate: false})",
            quarter / 4,
        )
        readings.append(scale_reading(page, "#alert-map"))
    assert {r["text"].split(" ", 1)[1] for r in readings} == {feet_word, "mi"}
    for reading in readings:
        # The bar is as long as the distance its words say (to a pixel's rounding), and its
        # words are whole: a short bar ("1000 pies" in 54 px) gets more room.
        assert said_feet(reading["text"], feet_word) == pytest.approx(reading["feet"], rel=0.02), reading
        assert 0 < reading["width"] <= 150, reading  # 100 px, or more when its words need it
        assert not reading["cut"], reading
        assert reading["hidden"] == "true"
    if language == "es":
        assert " ft" not in page.inner_text("#alert-map")
    screenshot(page, f"alert-map-scale-{language}")

    # The report form's map and a phone's width say it the same way.
    page.set_viewport_size(PHONE_360)
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-control-scale-line")
    page.wait_for_selector("#report-map[data-city-shown='1']")  # no string evaluated: the CSP forbids eval
    report_view = scale_reading(page, "#report-map")
    assert said_feet(report_view["text"], feet_word) == pytest.approx(report_view["feet"], rel=0.02), report_view
    screenshot(page, f"report-map-scale-360-{language}")
    assert page.errors == []


def test_the_consoles_map_scale_reads_in_spanish_for_a_spanish_reader(
    new_context: Any, cities: dict[str, City], make_staff: Any
) -> None:
    make_staff(cities["independence"], Role.CALL_TAKER, username="carla")
    context = new_context(viewport=DESK, extra_http_headers={"Accept-Language": "es"})
    context.add_init_script(KEEP_MAPS)
    page = open_page(context)
    page.goto("/console/new/")
    sign_in(page, "carla")
    page.goto("/console/new/")
    page.wait_for_selector("#new-case-map .leaflet-control-scale-line")
    page.wait_for_selector("#new-case-map[data-city-shown='1']")  # no string evaluated: the CSP forbids eval
    reading = scale_reading(page, "#new-case-map")
    assert reading["text"].endswith((" pies", " mi")), reading
    assert said_feet(reading["text"], "pies") == pytest.approx(reading["feet"], rel=0.02), reading
    assert not reading["cut"] and reading["hidden"] == "true"
    screenshot(page, "console-map-scale-es")
    assert page.errors == []
