"""On the report form for every city (/report/), an address that matches nothing does not
invite the resident to "send it as it is": that form needs the pin to know which city the
report goes to, and refused such a report once it was sent. The line under the box says what
the form needs, in the words the form answers with, before anything is sent; a city's own
form (which takes an address as typed) still offers it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicdesk.cases.models import ServiceRequest
from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.tenants.models import City
from tests.browser.conftest import open_page, screenshot
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW_PHONE = {"width": 360, "height": 800}
SPANISH = {"locale": "es-US", "extra_http_headers": {"Accept-Language": "es"}}


@pytest.fixture
def gazetteer(cities: dict[str, City]) -> City:
    """A few numbers of S Noland Rd in Independence, so words can find something or nothing."""
    lat, lng = INSIDE["independence"]
    rows = [
        PointRow(n, "", parse_street("S Noland Rd"), "", "", "64050", lat + (n - 1234) * 0.00005, lng)
        for n in range(1230, 1240)
    ]
    addresses_load(city=cities["independence"], rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return cities["independence"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            "No address matches these words. Check them, or put the pin on the map where the problem is: it says "
            "which city the problem is in. To give an address only, report from your city's page.",
        ),
        (
            "es",
            "Ninguna dirección coincide con estas palabras. Revíselas o ponga el marcador en el mapa donde está "
            "el problema: indica en qué ciudad está el problema. Para dar solo una dirección, reporte desde la "
            "página de su ciudad.",
        ),
    ],
)
def test_on_the_form_for_every_city_an_address_that_matches_nothing_asks_for_the_pin_not_to_send_it_as_typed(
    new_context, site, catalogue, gazetteer, language, words
):
    page = open_page(new_context(viewport=NARROW_PHONE, **(SPANISH if language == "es" else {})))
    page.goto("/report/")
    page.select_option("#id_service_type", value=str(catalogue["independence"]["graffiti"].pk))
    box = page.locator("#id_address")
    hint = page.locator("#id_address-none")
    box.click()
    box.press_sequentially("9999 Nowhere Zz", delay=20)
    expect(hint).to_be_visible()
    expect(hint).to_have_text(words)
    screenshot(page, f"report-every-city-address-matches-nothing-360-{language}")

    # What it says is what the form answers when the resident sends the words anyway.
    page.fill("#id_description", "Paint on the bus shelter")
    page.locator("button.primary").click()
    expect(page.locator("#id_lat_error")).to_be_visible()
    refusal = page.inner_text("#id_lat_error")
    last_sentence = words.rsplit(". ", 1)[-1].rstrip(".")
    assert last_sentence in refusal
    assert ServiceRequest.objects.count() == 0
    # Nothing typed is lost.
    expect(page.locator("#id_address")).to_have_value("9999 Nowhere Zz")
    expect(page.locator("#id_description")).to_have_value("Paint on the bus shelter")
    assert page.errors == []


def test_a_citys_own_form_still_offers_to_send_an_address_that_matches_nothing(new_context, site, catalogue, gazetteer):
    page = open_page(new_context(viewport=NARROW_PHONE))
    page.goto("/independence/report/")
    page.locator("#id_address").click()
    page.locator("#id_address").press_sequentially("9999 Nowhere Zz", delay=20)
    expect(page.locator("#id_address-none")).to_contain_text(
        "You can also send them as they are: staff will find the place."
    )
