"""The report form says two things at once, on screen, before anything is sent: a photo larger
than the city accepts (not after minutes of upload that end with the form sent back and every
chosen photo forgotten), and an address that matches nothing the map knows (not only to a
screen reader). Nothing typed is lost on the way."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from civicdesk.cases.models import ServiceRequest
from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.tenants.models import City
from tests.browser.conftest import PHONE, jpeg_file, open_page, screenshot, type_address
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SPANISH = {"locale": "es-US", "extra_http_headers": {"Accept-Language": "es"}}
LIMIT = 20_000  # bytes: the test's largest photo, so a large one is quick to make


def big_jpeg(directory: Path, name: str = "big.jpg") -> Path:
    """A real JPEG over LIMIT bytes (noise does not compress)."""
    out = io.BytesIO()
    Image.effect_noise((300, 300), 90).convert("RGB").save(out, format="JPEG", quality=95)
    assert len(out.getvalue()) > LIMIT
    path = directory / name
    path.write_bytes(out.getvalue())
    return path


def _start_a_report(page: Any) -> None:
    page.goto("/independence/report/")
    page.select_option("#id_service_type", label="Pothole")
    page.wait_for_selector("select[name=attr_size]")
    page.select_option("select[name=attr_size]", "large")
    page.locator("#report-map").scroll_into_view_if_needed()
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    page.locator("#report-map").click()
    page.fill("#id_description", "A deep hole by the school gate")
    page.fill("#id_reporter_email", "rita@example.org")


def test_a_photo_too_large_is_said_when_chosen_and_the_report_waits_for_a_smaller_one(
    new_context, site, catalogue, settings, tmp_path
):
    settings.PHOTO_MAX_BYTES = LIMIT
    page = open_page(new_context(viewport=PHONE))
    _start_a_report(page)
    photos = page.locator("#id_photos")
    # The limit is said before any photo is chosen.
    assert page.inner_text("#id_photos_help") == "JPEG, PNG, WebP or HEIC photos, up to 19 KB each."

    photos.set_input_files([str(big_jpeg(tmp_path)), str(jpeg_file(tmp_path))])
    check = page.locator("#id_photos_check")
    expect(check).to_have_text(
        "big.jpg is larger than 19 KB, the most we accept for one photo. "
        "Choose a smaller photo, or send the report without it."
    )
    expect(check).to_be_visible()
    assert photos.get_attribute("aria-invalid") == "true"
    assert "id_photos_check" in photos.get_attribute("aria-describedby").split()
    screenshot(page, "report-photo-too-large-phone")

    # Sending now is refused by the browser: nothing is uploaded, the form stays as typed.
    page.click("button.primary")
    assert page.evaluate("document.activeElement.id") == "id_photos"
    assert "/report/sent/" not in page.url
    assert not ServiceRequest.objects.exists()
    assert page.input_value("#id_description") == "A deep hole by the school gate"
    assert page.input_value("#id_reporter_email") == "rita@example.org"
    assert "Pin placed at" in page.inner_text("#pin-status")

    # A choice within the limit clears the message, and the report goes with its photo.
    photos.set_input_files(str(jpeg_file(tmp_path)))
    expect(check).to_have_text("")
    assert photos.get_attribute("aria-invalid") is None
    page.click("button.primary")
    page.wait_for_url("**/report/sent/**")
    case = ServiceRequest.objects.get()
    assert case.photos.count() == 1
    assert case.description == "A deep hole by the school gate"
    assert page.errors == []


def test_more_photos_than_accepted_are_said_when_chosen_in_spanish(new_context, site, catalogue, settings, tmp_path):
    settings.PHOTO_MAX_BYTES = LIMIT
    page = open_page(new_context(viewport=PHONE, **SPANISH))
    page.goto("/independence/report/")
    assert page.inner_text("#id_photos_help") == "Fotos JPEG, PNG, WebP o HEIC, de hasta 19 KB cada una."
    files = [str(jpeg_file(tmp_path, f"foto{n}.jpg")) for n in range(6)] + [str(big_jpeg(tmp_path, "grande.jpg"))]
    page.set_input_files("#id_photos", files)
    expect(page.locator("#id_photos_check")).to_have_text(
        "Elija como máximo 5 fotos: eligió 7. "
        "grande.jpg pesa más de 19 KB, lo máximo que aceptamos por foto. "
        "Elija una foto más pequeña o envíe el reporte sin ella."
    )
    screenshot(page, "report-photos-too-many-phone-es")
    assert page.errors == []


@pytest.fixture
def gazetteer(cities: dict[str, City]) -> City:
    """A few numbers of S Noland Rd in Independence."""
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
            "No address matches these words. Check them, or put the pin on the map where the problem is. "
            "You can also send them as they are: staff will find the place.",
        ),
        (
            "es",
            "Ninguna dirección coincide con estas palabras. Revíselas o ponga el marcador en el mapa donde está "
            "el problema. También puede enviarlas tal como están: el personal buscará el lugar.",
        ),
    ],
)
def test_an_address_that_matches_nothing_is_said_on_screen_and_the_report_still_goes_as_typed(
    new_context, site, catalogue, gazetteer, language, words
):
    page = open_page(new_context(viewport=PHONE, **(SPANISH if language == "es" else {})))
    page.goto("/independence/report/")
    page.select_option("#id_service_type", label="Pothole")
    page.wait_for_selector("select[name=attr_size]")
    page.select_option("select[name=attr_size]", "small")
    box = page.locator("#id_address")
    hint = page.locator("#id_address-none")
    box.click()
    box.press_sequentially("9999 Nowhere Zz", delay=20)
    expect(hint).to_be_visible()
    expect(hint).to_have_text(words)
    screenshot(page, f"report-address-matches-nothing-phone-{language}")

    # Words that find an address hide it; words that find none again say so again.
    box.fill("")
    box.press_sequentially("1234 S Nol", delay=20)
    page.wait_for_selector("#id_address-list [role=option]")
    expect(hint).to_be_hidden()
    box.fill("")
    box.press_sequentially("9999 Nowhere Zz", delay=20)
    expect(hint).to_be_visible()

    # Sent as they are, the words are the report's address: nothing typed is lost.
    page.click("button.primary")
    page.wait_for_url("**/report/sent/**")
    case = ServiceRequest.objects.get()
    assert (case.address, case.lat) == ("9999 Nowhere Zz", None)
    assert page.errors == []


def test_a_pin_put_on_the_map_takes_the_place_of_the_words_that_matched_nothing(
    new_context, site, catalogue, gazetteer
):
    page = open_page(new_context(viewport=PHONE))
    page.goto("/independence/report/")
    box = page.locator("#id_address")
    box.click()
    # The answer for the whole words before the pin: one for fewer words ("9999") showed the
    # hint as well, and the last one, asked after the pin, showed it again under it.
    type_address(page, "9999 Nowhere Zz", box=box, delay=20)
    hint = page.locator("#id_address-none")
    expect(hint).to_be_visible()
    page.locator("#report-map").scroll_into_view_if_needed()
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    page.locator("#report-map").click()
    expect(page.locator("#pin-status")).to_contain_text("Pin placed at")
    expect(hint).to_be_hidden()
    assert box.input_value() == "9999 Nowhere Zz"  # the resident's words stay
    assert page.errors == []


def test_a_pin_put_before_the_box_asks_about_the_words_stops_that_search(new_context, site, catalogue, gazetteer):
    """The box asks about its words after a pause in the typing (address.js): a pin put within
    that pause decides the place, so the search is not asked afterwards to say "No address
    matches these words" under the pin. The words and the pin come in one task here, which no
    timing of a busy machine can split."""
    page = open_page(new_context(viewport=PHONE))
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/places/search" in request.url else None)
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    lat, lng = INSIDE["independence"]
    with page.expect_response(lambda response: "/places/near" in response.url) as near:
        page.evaluate(
            """([lat, lng]) => {
                const box = document.getElementById("id_address");
                box.value = "9999 Nowhere Zz";
                box.dispatchEvent(new Event("input", { bubbles: true }));
                document.getElementById("report-map").dispatchEvent(
                    new CustomEvent("civic:pinned", { detail: { lat: lat, lng: lng, from: "map", quiet: false } })
                );
            }""",
            [lat, lng],
        )
    near.value.finished()
    # The pause the search waited for (150 ms), three times over: proving an absence needs a wait.
    page.wait_for_timeout(450)
    assert asked == []
    expect(page.locator("#id_address-none")).to_be_hidden()
    assert page.locator("#id_address").input_value() == "9999 Nowhere Zz"  # the resident's words stay
    assert page.errors == []
