"""The report form's own checks before sending speak the page's language. The browser refuses
an empty problem type or an email address without its domain in a bubble written in its own
language ("Please select an item in the list."), English on a Spanish page when the phone is
in English. The form gives the browser the words the server would say, in the page's
language, and takes them back as soon as the box is put right."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicdesk.cases.models import ServiceRequest
from tests.browser.conftest import open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW_PHONE = {"width": 360, "height": 800}
# The browser itself is in English; only the page is asked for in Spanish.
SPANISH_PAGE = {"extra_http_headers": {"Accept-Language": "es"}}


def _message(locator) -> str:
    return locator.evaluate("(el) => el.validationMessage")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("Choose the type of problem.", "Enter a valid email address.", "This field is required.")),
        (
            "es",
            (
                "Elija el tipo de problema.",
                "Introduzca una dirección de correo electrónico válida.",
                "Este campo es obligatorio.",
            ),
        ),
    ],
)
def test_the_browsers_checks_before_sending_say_the_pages_words(new_context, site, catalogue, language, words):
    choose_type, bad_email, required = words
    page = open_page(new_context(viewport=NARROW_PHONE, **(SPANISH_PAGE if language == "es" else {})))
    page.goto("/independence/report/")
    send = page.locator("button.primary")

    # Nothing chosen: the browser stops at the problem type, in the page's words.
    send.click()
    kind = page.locator("#id_service_type")
    expect(kind).to_be_focused()
    assert _message(kind) == choose_type
    screenshot(page, f"report-browser-check-type-360-{language}")

    # A required question of the chosen type, left unanswered.
    page.select_option("#id_service_type", value=str(catalogue["independence"]["pothole"].pk))
    assert _message(kind) == ""
    size = page.locator("select[name=attr_size]")
    size.wait_for()
    send.click()
    expect(size).to_be_focused()
    assert _message(size) == required
    page.select_option("select[name=attr_size]", "small")

    # An email address without its domain.
    email = page.locator("#id_reporter_email")
    email.fill("rita@")
    send.click()
    expect(email).to_be_focused()
    assert _message(email) == bad_email
    # Put right, the box is valid again and the report goes.
    email.fill("rita@example.org")
    assert _message(email) == ""
    page.locator("#report-map").scroll_into_view_if_needed()
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    page.locator("#report-map").click()
    send.click()
    page.wait_for_url("**/report/sent/**")
    assert ServiceRequest.objects.get().reporter_email == "rita@example.org"
    assert page.errors == []
