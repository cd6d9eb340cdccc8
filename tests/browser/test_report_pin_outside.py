"""A pin outside every member city, on a phone: the line under the map says it at once in the
words of the refusal ("not one of the cities this service takes reports for", how far from the
nearest one's limits), and the report form says beside the map what the place is not inside,
how far it is from the nearest member city's limits and what to do, in English and Spanish,
and keeps what was typed. A distance never wraps between its number and its unit."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.cases.models import ServiceRequest
from tests.browser.conftest import open_page, screenshot
from tests.collaborative.test_outside_in_plain_words import WEST_OF_RAYTOWN

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW_PHONE = {"width": 360, "height": 740}


@pytest.mark.parametrize(
    ("language", "line", "said"),
    [
        (
            "en",
            "In Kansas City, not one of the cities this service takes reports for: about 980\u00a0ft from "
            "Raytown's limits",
            "This place is in Kansas City, not in Blue Springs, Grandview, Independence, Lee's Summit or Raytown, "
            "the cities this service takes reports for. It is about 980\u00a0ft outside the limits of Raytown.",
        ),
        (
            "es",
            "En Kansas City, que no es una de las ciudades de las que este servicio recibe reportes: a unos "
            "980\u00a0pies de los límites de Raytown",
            "Este lugar está en Kansas City, no en Blue Springs, Grandview, Independence, Lee's Summit o Raytown, "
            "las ciudades de las que este servicio recibe reportes. Está a unos 980\u00a0pies fuera de los límites "
            "de Raytown.",
        ),
    ],
)
def test_a_pin_just_outside_raytown_is_explained_beside_the_map_on_a_phone(
    new_context: Any, cities: Any, make_service_type: Any, language: str, line: str, said: str
) -> None:
    pothole = make_service_type(cities["raytown"], "pothole", name="Pothole")
    page = open_page(new_context(viewport=NARROW_PHONE, extra_http_headers={"Accept-Language": language}))
    lat, lng = WEST_OF_RAYTOWN
    page.goto(f"/raytown/report/?service_type={pothole.pk}&lat={lat}&lng={lng}")
    # The line under the map says it before anything is sent (textContent keeps the no-break
    # space, which Playwright's text matching would read as any space).
    pin_line = page.locator("#pin-address")
    expect(pin_line).not_to_be_empty()
    assert pin_line.text_content() == line
    page.fill("#id_description", "A deep hole by the bus stop")
    page.fill("#id_reporter_email", "rita@example.org")
    page.click("button.primary")

    error = page.locator("#id_lat_error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(said)
    expect(page.locator("#error-summary")).to_contain_text(said)
    assert not ServiceRequest.objects.exists()
    assert page.input_value("#id_description") == "A deep hole by the bus stop"
    assert page.input_value("#id_reporter_email") == "rita@example.org"
    expect(pin_line).not_to_be_empty()
    assert pin_line.text_content() == line
    assert error.text_content().count(said) == 1
    # The words fit the phone's width: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_PHONE["width"]
    error.scroll_into_view_if_needed()
    screenshot(page, f"report-pin-outside-360-{language}")
    assert page.errors == []
