"""Every map, read by a screen reader (rv4 #8, WCAG 1.1.1 and 1.3.2): one element named for
what it shows ("Map of where the problem is: 18891 Meadow Ln"), with no street names, tiles,
lines or pins in the accessibility tree (they read as unnamed images and a jumble of street
names), and what it shows written beside it. The report form's pin is still put with Enter.

Read with Playwright's ``aria_snapshot()`` (Chromium's accessibility tree as YAML), after
the map has drawn street names: the drawing exists, and is hidden.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.cases.services import case_create
from civicdesk.demo.streets import demo_streets_load
from civicdesk.places.models import Street
from tests.browser.conftest import open_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAT, LNG = 39.0800, -94.4150  # inside Independence, among the demo's streets
ADDRESS = "18891 Meadow Ln"


@pytest.fixture
def street_names(cities: Any) -> set[str]:
    demo_streets_load(cities=[cities["independence"]])
    return set(Street.objects.filter(city=cities["independence"]).values_list("name", flat=True))


@pytest.fixture
def reported(catalogue: Any, street_names: set[str]) -> ServiceRequest:
    return case_create(
        service_type=catalogue["independence"]["pothole"],
        description="A deep hole in the right lane",
        lat=LAT,
        lng=LNG,
        address=ADDRESS,
        channel=Channel.WEB,
        attributes={"size": "large"},
        reporter_name="Rita Reporter",
        reporter_email="rita@example.org",
    )


def names_drawn(page: Any, map_selector: str) -> set[str]:
    """Wait for the map to draw street names; the names it shows now."""
    page.locator(f"{map_selector} .street-label span").first.wait_for()
    return set(page.locator(f"{map_selector} .street-label span").all_text_contents())


def zoom_in_until_names(page: Any, map_selector: str) -> set[str]:
    """A map that opens on the whole city draws no names yet: zoom in with its + button."""
    scale = page.locator(f"{map_selector} .leaflet-control-scale-line")
    for _ in range(4):
        if page.locator(f"{map_selector} .street-label span").count():
            break
        before = scale.text_content() or ""
        page.locator(f"{map_selector} .leaflet-control-zoom-in").click()
        # Until the zoom has ended, which the scale says (Leaflet drops a click made while it
        # zooms: a fixed pause could end first on a busy machine).
        expect(scale).not_to_have_text(before)
    return names_drawn(page, map_selector)


def assert_read_as_one_named_map(page: Any, map_selector: str, role: str, name: str, drawn: set[str]) -> str:
    """The map is one element of its role with its name, holding only its controls (the zoom
    buttons, the attribution's link); the page's main part reads no run of the drawing's street
    names and no unnamed image."""
    named = page.get_by_role(role, name=name, exact=True)
    assert named.count() == 1, page.locator("main").aria_snapshot()
    assert named.evaluate("(el, selector) => el === document.querySelector(selector)", map_selector)
    tree = page.locator(map_selector).aria_snapshot()
    controls = re.compile(r'\s*- (button "Zoom (in|out)"|link "Leaflet":?|/url: \S+)$')
    assert all(controls.match(line) for line in tree.splitlines()[1:]), tree
    # The street names drawn were read as one run of text ("Cedar Ave Willow Dr E 61st St …");
    # a name may still be read where the page writes it (the address box's "6730 Crysler Ave").
    main = page.locator("main").aria_snapshot()
    jumbled = [line for line in main.splitlines() if len({street for street in drawn if street in line}) > 1]
    assert not jumbled, f"street names read out: {jumbled}\n{main}"
    assert not re.search(r"^\s*- img:?$", main, flags=re.M), main
    return tree


def test_the_tracking_page_and_the_public_page_read_the_map_as_where_the_problem_is(
    page: Any, reported: ServiceRequest
) -> None:
    for url, shot in (
        (f"/track/{reported.tracking_token}/", "map-reader-tracking"),
        (f"/independence/requests/{reported.number}/", "map-reader-public-case"),
    ):
        page.goto(url)
        drawn = names_drawn(page, "#case-map")
        assert_read_as_one_named_map(page, "#case-map", "region", f"Map of where the problem is: {ADDRESS}", drawn)
        # Described by the sentence under it, which says where the pin is in words and figures.
        described = page.locator("#case-map").get_attribute("aria-describedby")
        assert page.locator(f"#{described}").inner_text() == (
            f"The pin is at {ADDRESS} (latitude 39.08000, longitude -94.41500)."
        )
        screenshot(page, shot)
    page.goto("/independence/requests/")
    drawn = names_drawn(page, "#browse-map")
    assert_read_as_one_named_map(page, "#browse-map", "application", "Map of the reports on this page", drawn)
    assert page.errors == []


def test_the_spanish_tracking_page_names_its_map_in_spanish(new_context: Any, reported: ServiceRequest) -> None:
    page = open_page(new_context(locale="es-US", extra_http_headers={"Accept-Language": "es"}))
    page.goto(f"/track/{reported.tracking_token}/")
    drawn = names_drawn(page, "#case-map")
    assert_read_as_one_named_map(page, "#case-map", "region", f"Mapa del lugar del problema: {ADDRESS}", drawn)
    assert page.locator("#case-map-where").inner_text() == (
        f"El marcador está en {ADDRESS} (latitud 39.08000, longitud -94.41500)."
    )


def test_the_report_forms_map_is_one_application_and_enter_still_puts_the_pin(
    page: Any, catalogue: Any, street_names: set[str]
) -> None:
    pothole = catalogue["independence"]["pothole"]
    page.goto(f"/independence/report/?service_type={pothole.pk}&lat={LAT}&lng={LNG}")
    drawn = names_drawn(page, "#report-map")
    assert_read_as_one_named_map(page, "#report-map", "application", "Map: put the pin where the problem is", drawn)
    page.focus("#report-map")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('pin-status').textContent.startsWith('Pin placed at')")
    assert page.locator("#id_lat").input_value()
    # The pin, put, is not read out as an image: the status says where it is.
    drawn = names_drawn(page, "#report-map")
    assert_read_as_one_named_map(page, "#report-map", "application", "Map: put the pin where the problem is", drawn)
    screenshot(page, "map-reader-report-form")

    page.goto("/independence/alerts/")
    drawn = zoom_in_until_names(page, "#alert-map")
    assert_read_as_one_named_map(page, "#alert-map", "application", "Map: put the pin at the center of the area", drawn)
    assert page.errors == []


def test_the_consoles_maps_read_as_one_named_element(
    page: Any, reported: ServiceRequest, catalogue: Any, make_staff: Any, cities: Any
) -> None:
    independence = cities["independence"]
    make_staff(independence, Role.SUPERVISOR, department=reported.department, username="sam")
    unplaced = case_create(
        service_type=catalogue["independence"]["pothole"],
        city=independence,
        channel=Channel.PHONE,
        address="77 Nowhere Ln",
        description="A hole somewhere",
        attributes={"size": "large"},
    )
    page.goto("/console/login/")
    sign_in(page, "sam")
    page.goto(f"/console/cases/independence/{reported.number}/")
    drawn = names_drawn(page, ".map[data-map]")
    assert_read_as_one_named_map(
        page, ".map[data-map]", "region", f"Map of the city limits with a pin at {ADDRESS}", drawn
    )
    screenshot(page, "map-reader-console-case")
    for url, selector in (
        ("/console/new/", "#new-case-map"),
        (f"/console/cases/independence/{unplaced.number}/place/", "#place-map"),
    ):
        page.goto(url)
        drawn = zoom_in_until_names(page, selector)
        assert_read_as_one_named_map(page, selector, "application", "Map: click to place the pin", drawn)
    assert page.errors == []
