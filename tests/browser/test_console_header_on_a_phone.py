"""A supervisor's first morning in the console on a phone, with the browser's text at 200 %
(a 360 × 740 screen), in English and Spanish.

The header (the city, the links, the language, the console's own links and who is signed in)
took the whole first screen; now it is the city's name and a "Menu" button that opens the
rest (aria-expanded), by mouse, by keyboard (Enter, Tab on into it, Escape to close) and
without JavaScript (nothing folded, no button). The header takes at most a third of the
screen. On a desk the header is as it was. The console opens on the supervisor's work (the
city's unassigned cases: this supervisor has no department), and an empty "Mine" says so
with a link to where the cases are. axe stays clean. Screenshots in
test-artifacts/screenshots/ (console-header-…)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import DESKTOP, SCREENSHOTS, axe_violations, open_page, sign_in
from tests.browser.test_accessibility_more import street_cases  # noqa: F401  (the same cases)
from tests.browser.test_narrow_screens import long_named_worker, tablet_queue  # noqa: F401  (the same queue)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_740 = {"width": 360, "height": 740}

# Where the header ends: the lowest visible edge of the site's header and the console's links.
HEADER_BOTTOM = """() => Math.max(...['.site-header', '.console-nav']
  .map(s => document.querySelector(s)).filter(e => e && e.getClientRects().length)
  .map(e => e.getBoundingClientRect().bottom + window.scrollY))"""

WORDS = {
    "en": {"menu": "Menu", "new": "New case", "report": "Report a problem"},
    "es": {"menu": "Menú", "new": "Caso nuevo", "report": "Reportar un problema"},
}


def _text_at_200_percent(page: Any) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    page._cdp = cdp  # kept alive: a session let go of gives the setting back


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The screen only: a full-page capture would lay the page out again at the default size.
    page.screenshot(path=str(SCREENSHOTS / f"console-header-{name}.png"))


@pytest.mark.parametrize("language", ["en", "es"])
def test_at_200_percent_on_a_phone_the_header_is_the_city_and_a_menu_button(
    new_context: Any,
    tablet_queue: None,  # noqa: F811
    language: str,
) -> None:
    words = WORDS[language]
    page = open_page(new_context(viewport=PHONE_740, extra_http_headers={"Accept-Language": language}))
    page.goto("/console/login/")
    sign_in(page, "sam")
    page.goto("/console/")
    _shot(page, f"closed-360-100-{language}")
    _text_at_200_percent(page)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    # The supervisor's work: with no department of their own, the city's unassigned cases.
    assert page.locator(".queues a[aria-current=page]").get_attribute("href") == "?queue=unassigned"
    assert page.locator("table.cases > tbody > tr").count() >= 1

    menu = page.get_by_role("button", name=words["menu"])
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name=words["new"]).is_visible()
    header = page.evaluate(HEADER_BOTTOM)
    assert header <= PHONE_740["height"] / 3, header
    # The city's name is the brand on the screen (the rest is there for screen readers); the
    # page's title is on the first screen.
    assert page.locator(".site-header .brand-product").bounding_box()["width"] <= 1
    assert page.locator(".site-header .brand").text_content().strip().endswith("· Independence")
    assert page.locator("main h1").bounding_box()["y"] < PHONE_740["height"] / 2
    _shot(page, f"closed-360-200-{language}")
    assert axe_violations(page) == []

    # Opened by a tap: every link, the language and who is signed in.
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name=words["new"]).is_visible()
    assert page.get_by_role("link", name=words["report"]).is_visible()
    assert page.locator("#language-choice").is_visible()
    assert page.locator(".console-nav .who").is_visible()
    _shot(page, f"open-360-200-{language}")
    assert axe_violations(page) == []
    menu.click()
    assert menu.get_attribute("aria-expanded") == "false"

    # By keyboard: Enter opens it, Tab goes on into its first link, Escape closes it and
    # gives the focus back to the button.
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == words["report"]
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    page.keyboard.press(" ")
    assert menu.get_attribute("aria-expanded") == "true"
    page.get_by_role("link", name=words["new"]).click()
    page.wait_for_url("**/console/new/")
    assert page.errors == []


def test_an_empty_mine_on_a_phone_says_where_the_work_is(
    new_context: Any,
    tablet_queue: None,  # noqa: F811
) -> None:
    page = open_page(new_context(viewport=PHONE_740))
    page.goto("/console/login/")
    sign_in(page, "sam")
    page.goto("/console/?queue=mine")
    _text_at_200_percent(page)
    empty = page.locator("td.empty-queue")
    assert empty.inner_text().startswith("Nothing is assigned to you.")
    link = empty.get_by_role("link")
    assert link.inner_text().endswith("open cases have no one assigned.")
    # Nothing to sort or select: no column of sort links stacked above the note.
    assert not page.locator("table.cases > thead").is_visible()
    empty.scroll_into_view_if_needed()
    _shot(page, "empty-mine-360-200-en")
    link.click()
    page.wait_for_url("**/console/?queue=unassigned")
    assert page.locator("table.cases > tbody > tr td.ref").count() >= 1
    assert page.errors == []


def test_on_a_desk_and_without_javascript_nothing_is_folded(
    new_context: Any,
    tablet_queue: None,  # noqa: F811
) -> None:
    page = open_page(new_context(viewport=DESKTOP))
    page.goto("/console/login/")
    sign_in(page, "sam")
    page.goto("/console/")
    assert not page.locator(".menu-toggle").is_visible()
    assert page.get_by_role("link", name="New case").is_visible()
    assert page.locator(".site-header .brand").inner_text().strip() == "civicdesk 311 · Staff console · Independence"
    _shot(page, "1280-en")
    assert axe_violations(page) == []

    # A phone whose browser runs no script: no button, the whole header as before.
    phone = open_page(new_context(viewport=PHONE_740, java_script_enabled=False))
    phone.goto("/console/login/")
    sign_in(phone, "sam")
    phone.goto("/console/")
    assert phone.locator(".menu-toggle").count() == 1
    assert not phone.locator(".menu-toggle").is_visible()
    assert phone.get_by_role("link", name="New case").is_visible()
    assert phone.get_by_role("button", name="Sign out").is_visible()
    _shot(phone, "360-no-script-en")
    assert page.errors == [] and phone.errors == []
