"""A resident, and a supervisor, with the browser's text at 200 % on a 360 × 740 phone, in
English and Spanish.

The public pages' header (the brand, the links, the language switch) filled much of the first
screen; it now folds as the console's does (one script, menu.js, one set of rules, site.css):
the brand and a "Menu" button, at most a third of the screen, and each page's title and the
start of what follows it on the first screen: the home page, a city's page, the report form,
the list of reports, a case's tracking page, the alerts page and the performance dashboard.
The button says whether it is open and what it opens; Escape closes it and gives the focus
back. The console's queue tabs, five pills on as many lines, are a "Queue" choice there, at
most a sixth of the screen, each queue with its count; choosing one loads its list in place
(the focus stays in the box), and without JavaScript "Show" does. At 1280 px nothing changed;
without JavaScript nothing is folded. axe stays clean. Screenshots in
test-artifacts/screenshots/ (phone-header-…)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicdesk.cases.models import ServiceRequest
from tests.browser.conftest import DESKTOP, SCREENSHOTS, axe_violations, open_page, sign_in
from tests.browser.test_accessibility_more import street_cases  # noqa: F401  (the same cases)
from tests.browser.test_narrow_screens import long_named_worker, tablet_queue  # noqa: F401  (the same queue)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_740 = {"width": 360, "height": 740}

# The header's lowest edge, the page's title's, and the top of the first thing shown after it.
MEASURE = """() => {
  const h1 = document.querySelector('main h1');
  let next = h1.nextElementSibling;
  while (next && !next.getClientRects().length) next = next.nextElementSibling;
  return {
    header: document.querySelector('.site-header').getBoundingClientRect().bottom,
    title: h1.getBoundingClientRect().bottom,
    next: next ? next.getBoundingClientRect().top : null,
  };
}"""

WORDS = {
    "en": {
        "menu": "Menu",
        "report": "Report a problem",
        "sign_in": "Staff sign-in",
        "queue": "Queue",
        "all": "All of my city",
        "show": "Show",
        "other": "es",
        "other_word": "Reportar un problema",
    },
    "es": {
        "menu": "Menú",
        "report": "Reportar un problema",
        "sign_in": "Acceso del personal",
        "queue": "Cola",
        "all": "Todos los de mi ciudad",
        "show": "Mostrar",
        "other": "en",
        "other_word": "Report a problem",
    },
}


def _text_at_200_percent(page: Any) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    page._cdp = cdp  # kept alive: a session let go of gives the setting back


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The screen only: a full-page capture would lay the page out again at the default size.
    page.screenshot(path=str(SCREENSHOTS / f"phone-header-{name}.png"))


def _public_pages() -> dict[str, str]:
    case = ServiceRequest.objects.filter(city__slug="independence").order_by("number").first()
    assert case is not None
    return {
        "home": "/",
        "city": "/independence/",
        "report-form": "/independence/report/",
        "browse": "/independence/requests/",
        "tracking": f"/track/{case.tracking_token}/",
        "alerts": "/independence/alerts/",
        "dashboard": "/independence/performance/",
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_at_200_percent_on_a_phone_a_resident_sees_each_pages_title_and_its_start_below_a_folded_header(
    new_context: Any,
    street_cases: None,  # noqa: F811
    language: str,
) -> None:
    words = WORDS[language]
    page = open_page(new_context(viewport=PHONE_740, extra_http_headers={"Accept-Language": language}))
    page.goto("/")
    _text_at_200_percent(page)
    measured, unfolded = {}, {}
    for name, url in _public_pages().items():
        response = page.goto(url)
        assert response is not None and response.status == 200, name
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px", name
        menu = page.get_by_role("button", name=words["menu"])
        if menu.get_attribute("aria-expanded") != "false" or page.locator("#site-nav").is_visible():
            unfolded[name] = True
        measured[name] = page.evaluate(MEASURE)
        _shot(page, f"{name}-360-200-{language}")
        if name in ("home", "report-form", "tracking"):
            assert axe_violations(page) == [], name
    assert unfolded == {}
    # The header at most a third of the screen; the title, and the start of what follows it,
    # on the first screen.
    too_tall = {n: m for n, m in measured.items() if m["header"] > PHONE_740["height"] / 3}
    assert too_tall == {}
    off_screen = {
        n: m
        for n, m in measured.items()
        if m["title"] > PHONE_740["height"] or m["next"] is None or m["next"] >= PHONE_740["height"]
    }
    assert off_screen == {}

    # Opened by a tap: the links and the language; the language changed from there.
    page.goto("/independence/")
    menu = page.get_by_role("button", name=words["menu"])
    assert menu.get_attribute("aria-controls") == "site-nav site-language"
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    nav = page.locator("#site-nav")
    assert nav.get_by_role("link", name=words["report"]).is_visible()
    assert nav.get_by_role("link", name=words["sign_in"]).is_visible()
    assert page.locator("#language-choice").is_visible()
    _shot(page, f"open-360-200-{language}")
    assert axe_violations(page) == []

    # By keyboard: Enter opens, Tab goes on into the first link, Escape closes it and gives
    # the focus back; Space opens it again.
    menu.click()
    assert menu.get_attribute("aria-expanded") == "false"
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == words["report"]
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    assert not nav.is_visible()
    page.keyboard.press(" ")
    assert menu.get_attribute("aria-expanded") == "true"
    page.locator("#language-choice").select_option(words["other"])
    # Until the page in the other language is there (wait_for_load_state() would answer for
    # the page still shown).
    with page.expect_navigation():
        page.locator("#site-language button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == words["other"]
    # The other language's page opens folded again.
    assert page.locator(".menu-toggle").get_attribute("aria-expanded") == "false"
    page.locator(".menu-toggle").click()
    assert page.locator("#site-nav").get_by_role("link", name=words["other_word"]).is_visible()
    assert page.errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_with_the_menu_folded_the_other_language_is_one_tap_away_beside_it(
    new_context: Any,
    street_cases: None,  # noqa: F811
    language: str,
) -> None:
    """A resident who reads only the other language need not find "Menu" first: at the usual
    text size its name, in its own language, stands on the folded menu's line, under the brand; at 200 % there
    is no room for it there, and the language is in the menu. On a desk the header's own
    choice is there."""
    words = WORDS[language]
    other_name = {"en": "Español", "es": "English"}[language]
    page = open_page(new_context(viewport=PHONE_740, extra_http_headers={"Accept-Language": language}))
    page.goto("/independence/report/")
    quick = page.locator(".language-quick button")
    menu = page.get_by_role("button", name=words["menu"])
    assert quick.count() == 1 and quick.is_visible()
    assert (quick.inner_text(), quick.get_attribute("lang")) == (other_name, words["other"])
    # Under the brand, on one line: the language at the left, "Menu" at the right.
    brand, menu_box, quick_box = (
        page.locator(".site-header .brand").bounding_box(),
        menu.bounding_box(),
        quick.bounding_box(),
    )
    assert quick_box["y"] == menu_box["y"] > brand["y"] + brand["height"]
    assert quick_box["x"] < menu_box["x"]
    assert page.locator(".site-header").bounding_box()["height"] <= PHONE_740["height"] / 6
    _shot(page, f"quick-language-360-{language}")
    assert axe_violations(page) == []
    # Opening the menu shows the full choice there, and not the quick one twice.
    menu.click()
    assert page.locator("#language-choice").is_visible() and not quick.is_visible()
    menu.click()
    # The same address again: waiting for the URL would answer at once, on the page still shown.
    with page.expect_navigation(url="**/independence/report/"):
        quick.click()
    assert page.locator("html").get_attribute("lang") == words["other"]
    assert page.locator(".menu-toggle").get_attribute("aria-expanded") == "false"
    assert page.locator(".language-quick button").inner_text() != other_name
    _text_at_200_percent(page)
    assert not page.locator(".language-quick").is_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= PHONE_740["height"] / 3
    assert page.errors == []

    desk = open_page(new_context(viewport=DESKTOP, extra_http_headers={"Accept-Language": language}))
    desk.goto("/independence/report/")
    assert desk.locator("#language-choice").is_visible()
    assert not desk.locator(".language-quick").is_visible()


@pytest.mark.parametrize("language", ["en", "es"])
def test_at_200_percent_on_a_phone_the_queues_are_one_choice_with_their_counts(
    new_context: Any,
    tablet_queue: None,  # noqa: F811
    language: str,
) -> None:
    words = WORDS[language]
    page = open_page(new_context(viewport=PHONE_740, extra_http_headers={"Accept-Language": language}))
    page.goto("/console/login/")
    sign_in(page, "sam")
    page.goto("/console/")
    _text_at_200_percent(page)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    # The tabs are not shown; the choice, under its label, holds each queue and its count
    # (the tabs' own counts), the supervisor's work chosen.
    assert not page.locator(".queues").is_visible()
    choice = page.get_by_label(words["queue"], exact=True)
    assert choice.is_visible()
    tabs = page.locator(".queues a").evaluate_all(
        "as => as.map(a => [a.childNodes[0].textContent.trim(), a.querySelector('.count').textContent.trim()])"
    )
    options = choice.locator("option").evaluate_all("os => os.map(o => o.textContent.trim())")
    # The count first: a name too long for the box is cut at its end, not its count.
    assert options == [f"{count} · {label}" for label, count in tabs]
    assert len(options) == 5
    assert choice.input_value() == "unassigned"
    _shot(page, f"queues-360-200-{language}")
    picker = page.locator(".queue-pick").bounding_box()
    assert picker["height"] <= PHONE_740["height"] / 6, picker
    header = page.locator(".site-header").bounding_box()
    assert header["y"] + header["height"] <= PHONE_740["height"] / 3
    assert page.locator("main h1").bounding_box()["y"] < PHONE_740["height"] / 3
    assert picker["y"] + picker["height"] <= PHONE_740["height"]
    assert axe_violations(page) == []

    # Another queue chosen: its list loads in place, the focus stays in the box, the address
    # and the tabs (on a wider screen) say the queue shown.
    unassigned = page.locator("#results-count").inner_text()
    choice.focus()
    with page.expect_response(re.compile(r"/console/\?.*queue=all")):
        choice.select_option("all")
    page.wait_for_url(re.compile(r"queue=all"))
    expect_count = page.locator("#results-count")
    expect_count.wait_for()
    page.wait_for_function(
        "() => document.querySelector('#queue-tabs a[aria-current=page]').getAttribute('href') === '?queue=all'"
    )
    assert page.evaluate("document.activeElement.id") == "queue-pick"
    assert expect_count.inner_text() != unassigned
    assert page.locator("#clear-filters").get_attribute("href") == "?queue=all"
    rows = page.locator("table.cases > tbody > tr td.ref").count()
    assert rows >= 12
    assert words["all"] in choice.locator("option:checked").inner_text()
    _shot(page, f"queues-all-360-200-{language}")
    assert axe_violations(page) == []
    assert page.errors == []


def test_on_a_desk_nothing_changed_and_without_javascript_nothing_is_folded(
    new_context: Any,
    tablet_queue: None,  # noqa: F811
    street_cases: None,  # noqa: F811
) -> None:
    desk = open_page(new_context(viewport=DESKTOP))
    desk.goto("/independence/")
    assert not desk.locator(".menu-toggle").is_visible()
    assert desk.locator("#site-nav").get_by_role("link", name="Report a problem").is_visible()
    assert desk.locator("#language-choice").is_visible()
    # The brand, the links and the language on one line, as before.
    assert desk.locator(".site-header").bounding_box()["height"] < 80
    _shot(desk, "public-1280-en")
    assert axe_violations(desk) == []
    desk.goto("/console/login/")
    sign_in(desk, "sam")
    desk.goto("/console/")
    assert desk.locator(".queues").is_visible()
    assert not desk.locator(".queue-pick").is_visible()
    tops = desk.locator(".queues a").evaluate_all("as => as.map(a => Math.round(a.getBoundingClientRect().top))")
    assert len(tops) == 5 and len(set(tops)) == 1  # the tabs on one row
    desk.locator(".queues a[href='?queue=all']").click()
    desk.wait_for_url("**/console/?queue=all")
    assert desk.locator(".queues a[aria-current=page]").get_attribute("href") == "?queue=all"
    _shot(desk, "console-1280-en")
    assert axe_violations(desk) == []

    # A phone whose browser runs no script: the whole header, no button; the queue chosen
    # and shown by "Show".
    phone = open_page(new_context(viewport=PHONE_740, java_script_enabled=False))
    phone.goto("/independence/")
    assert not phone.locator(".menu-toggle").is_visible()
    assert phone.locator("#site-nav").get_by_role("link", name="Report a problem").is_visible()
    assert phone.locator("#language-choice").is_visible()
    _shot(phone, "public-360-no-script-en")
    phone.goto("/console/login/")
    sign_in(phone, "sam")
    phone.goto("/console/")
    choice = phone.get_by_label("Queue", exact=True)
    choice.select_option("all")
    phone.get_by_role("button", name="Show", exact=True).click()
    phone.wait_for_url(re.compile(r"queue=all"))
    assert phone.get_by_label("Queue", exact=True).input_value() == "all"
    assert phone.locator("table.cases > tbody > tr td.ref").count() >= 12
    _shot(phone, "console-360-no-script-en")
    assert desk.errors == [] and phone.errors == []
