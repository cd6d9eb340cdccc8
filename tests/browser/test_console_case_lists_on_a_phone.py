"""A supervisor's first morning on a phone: the case lists (the queues and Overdue) at 360 px,
in English and Spanish, with the browser's text at 100 % and at 200 %.

Each case is a card: its box and number on the first line, then each fact after its column's
name ("Due: Dec. 16", "Late by: 45 days"), every word of it on the screen without scrolling
sideways (before, the table scrolled in its box and a phone showed the case number and half
the type, the due date and how late off to the right). The sort links and "select all" stay
above the cards, in view, and each takes the keyboard's focus visibly. A page's title is
never cut inside a word at 200 % ("Casos vencido" / "s"), and a status is one pill on a desk
("In" over "progress" before). Screenshots in test-artifacts/screenshots/
(phone-cards-…-360-…)."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.cases.models import ServiceRequest
from tests.browser.conftest import DESKTOP, SCREENSHOTS, open_page, sign_in
from tests.browser.test_accessibility_more import street_cases  # noqa: F401  (the same cases)
from tests.browser.test_narrow_screens import long_named_worker, tablet_queue  # noqa: F401  (the same queue)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}

# What of the case list is off the screen or unreadable: any element of a row that reaches
# past the screen's right edge (inside the table's box too), and each cell whose column name
# is not written before it.
OFF_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth, found = [];
  const rows = [...document.querySelectorAll('table.cases > tbody > tr')];
  for (const row of rows) {
    for (const e of row.querySelectorAll('*')) {
      const r = e.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1) { found.push(`${row.querySelector('.ref')?.textContent}: ${e.outerHTML.slice(0, 80)} ends at ${Math.round(r.right)}px`); break; }
    }
    for (const td of row.querySelectorAll('td[data-label]')) {
      if (td.textContent.trim() && getComputedStyle(td, '::before').content !== `"${td.dataset.label}: "`)
        found.push(`${row.querySelector('.ref')?.textContent}: "${td.textContent.trim().slice(0, 30)}" without its column's name`);
    }
  }
  if (document.documentElement.scrollWidth > width) found.push(`the page is ${document.documentElement.scrollWidth}px wide`);
  return found;
}"""

# Each word of the page's title the browser laid out on two lines.
BROKEN_TITLE_WORDS = """() => {
  const walker = document.createTreeWalker(document.querySelector('main h1'), NodeFilter.SHOW_TEXT), found = [];
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    for (const w of text.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(text, w.index); range.setEnd(text, w.index + w[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) found.push(w[0]);
    }
  }
  return found;
}"""

# Each word of three letters or more, of the elements the selector finds, laid out on two lines.
BROKEN_WORDS = """selector => {
  const found = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      for (const w of text.textContent.matchAll(/[A-Za-zÀ-ÿ]{3,}/g)) {
        const range = document.createRange();
        range.setStart(text, w.index); range.setEnd(text, w.index + w[0].length);
        if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) found.push(w[0]);
      }
    }
  }
  return found;
}"""

# The element with the keyboard's focus: wholly on the screen and outlined.
FOCUS_SEEN = """() => {
  const e = document.activeElement, r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return {text: (e.textContent || e.getAttribute('aria-label') || '').trim(),
          onScreen: r.width > 4 && r.height > 4 && r.left >= 0 && r.right <= document.documentElement.clientWidth,
          outlined: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0};
}"""


def _text_at(page: Any, percent: int) -> None:
    """The browser's own text size (Chromium's setting, as a person sets it), for the page
    now open: a full-page capture resets it, so it is set again on each page."""
    if percent == 100:
        return
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 16 * percent // 100, "fixed": 13 * percent // 100}})
    page._cdp = cdp  # kept alive: a session let go of gives the setting back


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("percent", [100, 200])
def test_on_a_phone_each_case_is_a_card_read_whole_with_its_due_date_and_lateness(
    new_context: Any,
    tablet_queue: None,  # noqa: F811
    language: str,
    percent: int,
) -> None:
    late_by, due = ("Late by", "Due") if language == "en" else ("Atraso", "Fecha límite")
    context = new_context(viewport=PHONE_360, extra_http_headers={"Accept-Language": language})
    page = open_page(context)
    page.goto("/console/login/")
    sign_in(page, "sam")
    found: list[str] = []
    for name, url in (
        ("unassigned", "/console/?queue=unassigned"),
        ("all", "/console/?queue=all"),
        ("overdue", "/console/overdue/"),
    ):
        page.goto(url)
        _text_at(page, percent)
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == f"{16 * percent // 100}px"
        assert page.locator("table.cases > tbody > tr").count() >= 1, name
        found += [f"{name}: {problem}" for problem in page.evaluate(OFF_THE_SCREEN)]
        found += [f"{name}: the title's “{w}” is cut in two" for w in page.evaluate(BROKEN_TITLE_WORDS)]
        labels = page.eval_on_selector_all(
            "table.cases > tbody > tr:first-child td[data-label]", "tds => tds.map(td => td.dataset.label)"
        )
        assert due in labels, (name, labels)
        if name == "overdue":
            assert late_by in labels
            assert page.locator("table.cases > tbody > tr:first-child td.late").inner_text().strip()[0].isdigit()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("table.cases > tbody > tr").first.scroll_into_view_if_needed()
        # The screen only: a full-page capture would lay the page out again at the default size.
        page.screenshot(path=str(SCREENSHOTS / f"phone-cards-{name}-360-{language}-{percent}.png"))

    # By keyboard: "select all" and the first sort link are reached and seen where they are.
    page.goto("/console/?queue=all")
    _text_at(page, percent)
    page.focus("table.cases thead input[data-select-all]")
    seen = page.evaluate(FOCUS_SEEN)
    assert seen["onScreen"] and seen["outlined"], seen
    page.keyboard.press("Tab")
    seen = page.evaluate(FOCUS_SEEN)
    assert seen["text"].startswith("Case" if language == "en" else "Caso"), seen
    assert seen["onScreen"] and seen["outlined"], seen
    assert page.errors == []
    assert found == [], "\n".join(found)


def test_on_a_desk_the_lists_stay_tables_and_a_status_is_one_pill(
    new_context: Any,
    tablet_queue: None,  # noqa: F811
) -> None:
    page = open_page(new_context(viewport=DESKTOP))
    page.goto("/console/login/")
    sign_in(page, "sam")
    page.goto("/console/?queue=all")
    layout = page.evaluate(
        """() => [getComputedStyle(document.querySelector('table.cases')).display,
                  getComputedStyle(document.querySelector('table.cases thead')).display,
                  getComputedStyle(document.querySelector('table.cases td[data-label]'), '::before').content]"""
    )
    assert layout == ["table", "table-header-group", "none"]
    pills = page.eval_on_selector_all(
        "table.cases .status",
        "pills => pills.map(p => [p.textContent, p.getClientRects().length, Math.round(p.getBoundingClientRect().height)])",
    )
    assert any(text == "In progress" for text, _, _ in pills)
    one_line = min(height for _, _, height in pills)
    assert [text for text, _, height in pills if height > one_line + 2] == []
    assert page.errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_on_a_phone_at_200_percent_a_cases_facts_and_title_read_whole(
    new_context: Any,
    tablet_queue: None,  # noqa: F811
    language: str,
) -> None:
    """Beside "Departamento" at 200 % a value had a letter a line ("P" / "u" / "bl" / "ic"),
    and the title was cut "Baseme" / "nt": each fact now stands under its name, as wide as
    the line, and each word of the title is whole."""
    case = ServiceRequest.objects.order_by("number").last()
    page = open_page(new_context(viewport=PHONE_360, extra_http_headers={"Accept-Language": language}))
    page.goto("/console/login/")
    sign_in(page, "sam")
    page.goto(f"/console/cases/{case.city.slug}/{case.number}/")
    _text_at(page, 200)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    assert page.evaluate(BROKEN_TITLE_WORDS) == []
    # Nor a word of a form's labels and buttons ("departamento" in the assign card's "O a un departamento").
    assert page.evaluate(BROKEN_WORDS, "main form label, main form button, main h2, main h3, table.details th") == []
    narrow = page.evaluate(
        """() => { const table = document.querySelector('table.details').getBoundingClientRect().width;
             return [...document.querySelectorAll('table.details td')]
               .filter(td => td.getBoundingClientRect().width < 0.9 * table).map(td => td.textContent.trim().slice(0, 30)); }"""
    )
    assert narrow == []
    assert page.evaluate(OFF_THE_SCREEN.replace("table.cases > tbody > tr", "table.details tr")) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("table.details").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"phone-case-details-360-{language}-200.png"))
    assert page.errors == []
