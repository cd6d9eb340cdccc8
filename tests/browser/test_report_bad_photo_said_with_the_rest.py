"""A report sent back says a file that is not a photo with its other mistakes, on the first
send. Before, a resident who forgot the place and chose a text file as a photo was told of the
place alone; once they had put the pin (and chosen their "photo" again), they were sent back a
second time, for the file. The browser cannot tell: the file is small and named .jpg."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.cases.models import ServiceRequest
from tests.browser.conftest import open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORDS = {
    "en": (
        "Place a pin on the map, use your location, or type the address.",
        "Photos (up to 5): notes.jpg: That file is not a photo we can read. "
        "Please send a JPEG, PNG, WebP or HEIC image.",
        "No photo chosen",
    ),
    "es": (
        "Ponga un marcador en el mapa, use su ubicación o escriba la dirección.",
        "Fotos (hasta 5): notes.jpg: Ese archivo no es una foto que podamos leer. "
        "Envíe una imagen JPEG, PNG, WebP o HEIC.",
        "Ninguna foto elegida",
    ),
}


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_file_that_is_not_a_photo_is_said_with_the_missing_place_on_the_first_send(
    new_context: Any, site: str, catalogue: Any, tmp_path: Path, language: str, width: int
) -> None:
    place, photo, none = WORDS[language]
    headers = {"extra_http_headers": {"Accept-Language": language}}
    page = open_page(new_context(viewport={"width": width, "height": 900}, **headers))
    page.goto("/independence/report/")
    page.select_option("#id_service_type", value=str(catalogue["independence"]["graffiti"].pk))
    page.fill("#id_description", "Paint on the bus shelter")
    notes = tmp_path / "notes.jpg"
    notes.write_text("Dear council, this is a letter.\n")
    page.set_input_files("#id_photos", str(notes))
    expect(page.locator("#id_photos_chosen")).to_have_text("notes.jpg")

    with page.expect_navigation():
        page.locator("button.primary").click()
    # The place, the file, and that the browser forgets chosen photos: at the top, at once.
    summary = page.locator("[data-error-summary] li")
    expect(summary).to_have_count(3)
    expect(summary.filter(has_text=place)).to_have_count(1)
    expect(summary.filter(has_text=photo)).to_have_count(1)
    # Beside the box too, with the line saying the photos are to be chosen again.
    expect(page.locator("#id_photos_error")).to_contain_text(photo.split(": ", 1)[1])
    expect(page.locator("#id_photos_chosen")).to_have_text(none)
    expect(page.locator("#id_description")).to_have_value("Paint on the bus shelter")
    screenshot(page, f"report-bad-photo-with-the-place-{width}-{language}")
    assert not ServiceRequest.objects.exists()
    assert page.errors == []
