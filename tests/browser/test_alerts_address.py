"""Email alerts "Around a point" without the map: a resident who does not see it ticks "Around
a point", types an address, chooses it from the list with the keyboard, hears "Alerts within ¼ mile of …" (a
live region, again when the distance changes), and the alert is stored around that address.
Sent without a place, the error is read with the address box (aria-describedby, aria-invalid).
Everything here is done with the keyboard only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.notifications.models import AreaKind, AreaSubscription
from civicdesk.tenants.models import City
from tests.browser.conftest import axe_violations, open_page, screenshot, type_address
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAT, LNG = INSIDE["independence"]


def _tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until the element ``selector`` has the focus (the keyboard only, no clicks)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_an_alert_around_a_typed_address_is_set_with_the_keyboard_alone(page: Any, meadow_ln: City) -> None:
    page.goto("/independence/alerts/")
    page.wait_for_selector("#alert-map .leaflet-limits-pane path", state="attached")
    box = page.locator("#id_address")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-describedby") == "id_address_help"

    _tab_to(page, "#id_email")
    page.keyboard.type("neighbor@example.org")
    page.keyboard.press("Tab")  # "Tell me of"
    page.keyboard.press("Tab")  # the area's radios: the checked one, "The whole city"
    page.keyboard.press("ArrowDown")  # "A council district"
    page.keyboard.press("ArrowDown")  # "Around a point"
    _tab_to(page, "#id_address")
    type_address(page, "18891 mead")
    page.wait_for_selector("#id_address-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    assert box.input_value() == "18891 Meadow Ln"
    assert page.inner_text("#pin-address") == "Alerts within ¼\u00a0mile of 18891 Meadow Ln"
    assert page.get_attribute("#pin-address", "role") == "status"
    # "Around a point", ticked by hand, stays: the address's district is only offered.
    expect(page.locator("#alert-district button")).to_have_count(1)
    assert page.locator("input[name=area][value=radius]").is_checked()
    assert (float(page.input_value("#id_lat")), float(page.input_value("#id_lng"))) == (round(LAT, 6), round(LNG, 6))

    # A new distance is said again in words.
    _tab_to(page, "#id_radius_m")
    page.keyboard.press("ArrowDown")  # ¼ mile -> ½ mile
    assert page.input_value("#id_radius_m") == "805"
    # Waited for by Playwright's own matcher: a string of JavaScript polled in the page is eval, which the CSP refuses.
    expect(page.locator("#pin-address")).to_have_text("Alerts within ½\u00a0mile of 18891 Meadow Ln")
    screenshot(page, "alerts-address-chosen")
    assert axe_violations(page) == []

    _tab_to(page, "main form button[type=submit]", limit=120)
    page.keyboard.press("Enter")
    page.wait_for_selector("p.success[role=status]")
    subscription = AreaSubscription.objects.get()
    assert subscription.email == "neighbor@example.org"
    assert subscription.area == AreaKind.RADIUS
    assert (subscription.lat, subscription.lng, subscription.radius_m) == (round(LAT, 6), round(LNG, 6), 805)
    assert page.errors == []


def test_sent_without_a_place_the_error_is_read_with_the_address_box(page: Any, meadow_ln: City) -> None:
    page.goto("/independence/alerts/")
    _tab_to(page, "#id_email")
    page.keyboard.type("neighbor@example.org")
    page.keyboard.press("Tab")  # "Tell me of"
    page.keyboard.press("Tab")  # the area's radios: the checked one, "The whole city"
    page.keyboard.press("ArrowDown")  # "A council district"
    page.keyboard.press("ArrowDown")  # "Around a point"
    assert page.locator("input[name=area][value=radius]").is_checked()
    _tab_to(page, "main form button[type=submit]", limit=120)
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_lat_error")

    assert AreaSubscription.objects.count() == 0
    box = page.locator("#id_address")
    assert box.get_attribute("aria-invalid") == "true"
    described = (box.get_attribute("aria-describedby") or "").split()
    assert "id_lat_error" in described
    for id_ in described:  # every id it names exists
        assert page.locator(f"#{id_}").count() == 1
    error = page.inner_text("#id_lat_error")
    assert error.startswith("Choose the center of the area: type an address")
    # The map's description names the same error.
    assert "id_lat_error" in (page.get_attribute("#alert-map", "aria-describedby") or "").split()
    screenshot(page, "alerts-no-place-error")
    assert axe_violations(page) == []
    assert page.errors == []


@pytest.mark.parametrize(
    ("language", "chosen", "words"),
    [("en", "½\u00a0mile", "Alerts within ½\u00a0mile of 18891 Meadow Ln"), ("es", "½\u00a0milla", None)],
)
def test_on_a_phone_the_distances_are_feet_and_miles(
    new_context: Any, meadow_ln: City, language: str, chosen: str, words: str | None
) -> None:
    page = open_page(
        new_context(viewport={"width": 360, "height": 800}, extra_http_headers={"Accept-Language": language})
    )
    page.goto("/independence/alerts/")
    page.wait_for_selector("#alert-map .leaflet-limits-pane path", state="attached")
    page.fill("#id_address", "18891 mead")
    page.wait_for_selector("#id_address-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.select_option("#id_radius_m", label=chosen)
    labels = page.eval_on_selector_all("#id_radius_m option", "options => options.map(o => o.textContent)")
    expected = {"en": ["500\u00a0ft", "¼\u00a0mile", "½\u00a0mile", "1\u00a0mile", "2\u00a0miles", "3\u00a0miles"]}
    assert labels == expected.get(
        language, ["500\u00a0pies", "¼\u00a0milla", "½\u00a0milla", "1\u00a0milla", "2\u00a0millas", "3\u00a0millas"]
    )
    said = page.inner_text("#pin-address")
    assert chosen in said and "18891 Meadow Ln" in said and (words is None or said == words)
    # The map's scale is in feet or miles, in the page's words.
    scale = r"\d+ (ft|mi)" if language == "en" else r"\d+ (pies|mi)"
    assert re.fullmatch(scale, page.inner_text("#alert-map .leaflet-control-scale-line"))
    # The form fits the phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, f"alerts-feet-and-miles-360-{language}")
    assert page.errors == []
