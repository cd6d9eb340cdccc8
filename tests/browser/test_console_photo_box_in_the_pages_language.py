"""The console's photo box speaks the page's language, as the report form's does. The case
page's "Add photos" box showed the browser's own "Choose Files" and "No file chosen" (English,
the browser's language) on a Spanish page, and the part of the page htmx swaps after each
action brings a new box. Now the page draws it (portal.js photoPickers, the report form's own
code) on load and after every swap, once: a button "Elegir fotos" and a line "Ninguna foto
elegida" or the file's name, and the photo still goes with the case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.cases.services import case_assign, case_create
from tests.browser.conftest import jpeg_file, open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The browser itself is in English (like a desk's browser set to English); only the page is
# asked for in Spanish.
SPANISH_PAGE = {"extra_http_headers": {"Accept-Language": "es"}}
WORDS = {
    "en": ("Choose photos", "No photo chosen", "2 photos chosen"),
    "es": ("Elegir fotos", "Ninguna foto elegida", "2 fotos elegidas"),
}


@pytest.fixture
def worked_case(independence: Any, catalogue: Any, make_staff: Any) -> ServiceRequest:
    pothole = catalogue["independence"]["pothole"]
    worker = make_staff(independence, Role.WORKER, department=pothole.department, username="walt")
    lat, lng = INSIDE["independence"]
    case = case_create(
        service_type=pothole,
        description="Pothole outside 200 Main",
        lat=lat,
        lng=lng,
        channel=Channel.PHONE,
        attributes={"size": "large"},
        reporter_name="Michael Garcia",
        actor=worker,
    )
    return case_assign(case=case, actor=worker, assignee=worker)


def _console_errors(page: Any) -> list[str]:
    """The page's console errors (a script or a style the CSP refused …)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return problems


def _drawn_in(page: Any, choose: str, none: str) -> None:
    """The case page's photo box is ours, once: the button and the line in the page's words,
    the browser's box (its words in the browser's language) hidden under them."""
    button = page.locator("label.file-button[for=photo-files]")
    expect(button).to_have_count(1)
    expect(button).to_have_text(choose)
    expect(button).to_be_visible()
    expect(page.locator("#photo-files_chosen")).to_have_text(none)
    box = page.locator("#photo-files").bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    assert page.locator("#photo-files").evaluate("(input) => getComputedStyle(input).opacity") == "0"


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_case_pages_photo_box_says_the_pages_words_after_every_swap_and_the_photo_is_added(
    new_context: Any, worked_case: ServiceRequest, tmp_path: Path, language: str, width: int
) -> None:
    choose, none, two = WORDS[language]
    context = new_context(viewport={"width": width, "height": 900}, **(SPANISH_PAGE if language == "es" else {}))
    page = open_page(context)
    problems = _console_errors(page)
    page.goto(f"/console/cases/independence/{worked_case.number}/")
    sign_in(page, "walt")
    _drawn_in(page, choose, none)

    # An action swaps the case's part of the page (htmx): the new box is drawn too.
    page.fill("#note-text", "Crew booked for Tuesday")
    page.click("form[action$='/note/'] button[value=internal]")
    expect(page.locator("#case-body")).to_contain_text("Crew booked for Tuesday")
    _drawn_in(page, choose, none)

    # The button opens the browser's chooser; the line says what is chosen.
    button = page.locator("label.file-button[for=photo-files]")
    chosen = page.locator("#photo-files_chosen")
    with page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files([str(jpeg_file(tmp_path, "hole.jpg")), str(jpeg_file(tmp_path, "curb.jpg"))])
    expect(chosen).to_have_text(two)
    page.locator("#photo-files").set_input_files(str(jpeg_file(tmp_path, "grieta.jpg")))
    expect(chosen).to_have_text("grieta.jpg")
    assert "photo-files_chosen" in (page.locator("#photo-files").get_attribute("aria-describedby") or "")
    page.locator("#photo-files").scroll_into_view_if_needed()
    screenshot(page, f"console-photo-box-{width}-{language}")

    # The photo goes with the case, and the box of the part swapped in says nothing is chosen.
    page.click("form[action$='/photos/'] button[type=submit]")
    expect(page.locator("#case-body ul.photos li")).to_have_count(1)
    _drawn_in(page, choose, none)
    assert worked_case.photos.count() == 1
    assert page.errors == [] and problems == []
