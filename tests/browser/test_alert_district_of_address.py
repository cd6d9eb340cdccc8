"""A resident on a phone who wants alerts of their council district but does not know which it
is types their address on the alerts form: the page says "18891 Meadow Ln is in District 2",
the district list has it chosen, and "Alerts of District 2" sets the alert of it (the district
and "A council district"). With the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from shapely.geometry import Point, shape

from civicdesk.notifications.models import AreaKind, AreaSubscription
from civicdesk.tenants.models import City
from tests.browser.conftest import axe_violations, open_page, screenshot
from tests.browser.test_alerts_address import _tab_to
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_address_typed_names_its_district_and_sets_an_alert_of_it(new_context: Any, meadow_ln: City) -> None:
    lat, lng = INSIDE["independence"]
    (district,) = [
        d for d in meadow_ln.districts.filter(retired_on__isnull=True) if shape(d.boundary).covers(Point(lng, lat))
    ]
    page = open_page(new_context(viewport={"width": 360, "height": 740}))
    page.goto("/independence/alerts/")
    page.wait_for_selector("#alert-map .leaflet-limits-pane path", state="attached")
    assert page.input_value("#id_district") == ""

    _tab_to(page, "#id_email")
    page.keyboard.type("cal@example.org")
    _tab_to(page, "#id_address")
    page.keyboard.type("18891 mead", delay=40)
    page.wait_for_selector("#id_address-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    said = page.locator("#alert-district span")
    expect(said).to_have_text(f"18891 Meadow Ln is in {district.name}.")
    assert page.get_attribute("#alert-district", "role") == "status"
    assert page.input_value("#id_district") == str(district.pk)  # pre-selected
    offer = page.locator("#alert-district button")
    expect(offer).to_have_text(f"Alerts of {district.name}")
    screenshot(page, "alerts-district-of-address-360")
    assert axe_violations(page) == []

    _tab_to(page, "#alert-district button")
    page.keyboard.press("Enter")
    assert page.is_checked("input[name=area][value=district]")
    assert page.input_value("#id_district") == str(district.pk)
    expect(offer).to_have_count(0)
    expect(said).to_have_text(f"18891 Meadow Ln is in {district.name}.")
    # No longer a circle: the pin's line names the place, not "Alerts within ¼ mile of …".
    expect(page.locator("#pin-address")).to_have_text("Near 18891 Meadow Ln")

    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "alerts-district-of-address-1280")
    page.set_viewport_size({"width": 360, "height": 740})

    _tab_to(page, "#alert-form button[type=submit]", limit=120)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Almost done: we sent an email to cal@example.org." in page.inner_text("main")
    alert = AreaSubscription.objects.get(email="cal@example.org")
    assert (alert.area, alert.district_id) == (AreaKind.DISTRICT, district.pk)
    assert page.errors == []


def test_a_resident_who_ticked_a_council_district_keeps_it_when_typing_the_address(
    new_context: Any, meadow_ln: City
) -> None:
    page = open_page(new_context(viewport={"width": 360, "height": 740}))
    page.goto("/independence/alerts/")
    page.wait_for_selector("#alert-map .leaflet-limits-pane path", state="attached")
    page.check("input[name=area][value=district]")
    page.fill("#id_address", "")
    page.type("#id_address", "18891 mead", delay=40)
    page.wait_for_selector("#id_address-list [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#alert-district span")).to_contain_text("18891 Meadow Ln is in ")
    expect(page.locator("input[name=area][value=district]")).to_be_checked()
    assert page.input_value("#id_district") != ""
    expect(page.locator("#alert-district button")).to_have_count(0)
    assert page.errors == []
