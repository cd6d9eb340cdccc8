"""The report form's photo box speaks the page's language. The browser writes its own file
box in its own language, so a resident reading the form in Spanish on a phone set to English
saw "Choose Files" and "No file chosen" in the middle of a Spanish form. The form now shows a
button and a line of its own ("Elegir fotos", "Ninguna foto elegida", "2 fotos elegidas"),
the browser's box kept under it for the keyboard (its focus shown on the button), and the
photos still go with the report."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicdesk.cases.models import ServiceRequest
from tests.browser.conftest import jpeg_file, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW_PHONE = {"width": 360, "height": 800}
# The browser itself is in English (Playwright's Chromium, like a phone set to English); only
# the page is asked for in Spanish.
SPANISH_PAGE = {"extra_http_headers": {"Accept-Language": "es"}}


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("Choose photos", "No photo chosen", "2 photos chosen")),
        ("es", ("Elegir fotos", "Ninguna foto elegida", "2 fotos elegidas")),
    ],
)
def test_the_photo_box_says_its_words_in_the_pages_language_and_the_photos_go_with_the_report(
    new_context, site, catalogue, tmp_path, language, words
):
    choose, none, two = words
    page = open_page(new_context(viewport=NARROW_PHONE, **(SPANISH_PAGE if language == "es" else {})))
    page.goto("/independence/report/")
    photos = page.locator("#id_photos")
    button = page.locator("label.file-button[for=id_photos]")
    chosen = page.locator("#id_photos_chosen")
    expect(button).to_be_visible()
    expect(button).to_have_text(choose)
    expect(chosen).to_have_text(none)
    # The browser's own box (its words in the browser's language) is not what the eye sees.
    box = photos.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    assert photos.evaluate("(input) => getComputedStyle(input).opacity") == "0"
    # The button fits a narrow phone.
    button_box = button.bounding_box()
    assert button_box is not None and button_box["x"] + button_box["width"] <= NARROW_PHONE["width"]

    # The button opens the browser's chooser.
    with page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files([str(jpeg_file(tmp_path, "hole.jpg")), str(jpeg_file(tmp_path, "curb.jpg"))])
    expect(chosen).to_have_text(two)
    photos.set_input_files(str(jpeg_file(tmp_path, "hole.jpg")))
    expect(chosen).to_have_text("hole.jpg")
    assert "_chosen" in (photos.get_attribute("aria-describedby") or "")

    # The keyboard reaches the box, and its focus shows on the button.
    page.locator("#id_description").focus()
    page.keyboard.press("Tab")
    expect(photos).to_be_focused()
    assert button.evaluate("(b) => getComputedStyle(b).outlineStyle") == "solid"
    screenshot(page, f"report-photo-box-360-{language}")

    # The photo goes with the report.
    page.select_option("#id_service_type", value=str(catalogue["independence"]["graffiti"].pk))
    page.locator("#report-map").scroll_into_view_if_needed()
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    page.locator("#report-map").click()
    page.fill("#id_description", "Paint on the bus shelter")
    page.locator("button.primary").click()
    page.wait_for_url("**/report/sent/**")
    assert ServiceRequest.objects.get().photos.count() == 1
    assert page.errors == []
