"""The address the map suggests for a pin is the pin's own address: a report sent with that
suggestion unedited is placed as a pin alone is (the nearest address), never "Typed, not
matched"; once the resident edits the box, the text is theirs and is treated as typed."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.cases.models import AddressSource, ServiceRequest
from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAT, LNG = INSIDE["independence"]
NORTH_PER_NUMBER = 0.00005


@pytest.fixture
def gazetteer(cities: dict[str, City]) -> City:
    """S Noland Rd through the middle of Independence, numbers growing northwards."""
    independence = cities["independence"]
    rows = [
        PointRow(
            n, "", parse_street("S Noland Rd"), "", "", "64050", LAT + (n - 1234) * NORTH_PER_NUMBER, LNG + 0.00015
        )
        for n in range(1220, 1250)
    ]
    addresses_load(city=independence, rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return independence


def _pinned_form(page: Any, graffiti: Any) -> None:
    # A pin given with the form (as "report here" links do): the map asks for the address under it.
    page.goto(f"/independence/report/?service_type={graffiti.pk}&lat={LAT}&lng={LNG + 0.00015}")
    expect(page.locator("#id_address")).to_have_value("1234 S Noland Rd")
    page.fill("#id_description", "Tags on the fence")


def test_the_maps_suggestion_sent_unedited_is_the_pins_own_address(page: Any, gazetteer: City, catalogue: Any) -> None:
    _pinned_form(page, catalogue["independence"]["graffiti"])
    assert page.input_value("#id_address_from_pin") == "1"
    page.click("button.primary")
    page.wait_for_url("**/report/sent/**")

    case = ServiceRequest.objects.get()
    assert case.address == "1234 S Noland Rd" and case.address_source == AddressSource.NEAREST
    page.goto(f"/independence/requests/{case.number}/")
    where = page.inner_text(".facts")
    assert "near 1234 S Noland Rd" in where and "Typed, not matched" not in where
    assert page.errors == []


def test_an_edited_suggestion_is_the_residents_typed_address(page: Any, gazetteer: City, catalogue: Any) -> None:
    _pinned_form(page, catalogue["independence"]["graffiti"])
    page.fill("#id_address", "The alley behind the garages")
    assert page.input_value("#id_address_from_pin") == ""
    page.click("button.primary")
    page.wait_for_url("**/report/sent/**")

    case = ServiceRequest.objects.get()
    assert (case.address, case.address_source) == ("The alley behind the garages", AddressSource.TYPED)
    assert page.errors == []
