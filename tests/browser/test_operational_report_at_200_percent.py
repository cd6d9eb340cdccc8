"""The operational report (and the Service Request Report's headings) on a 360-px phone with the browser's text at 200 %, in English and
Spanish: the page never scrolls sideways. Before, its backlog, channels and weekly and monthly
trend tables stood outside any scrolling box and pushed the page to 420–654 px ("Antigüedad"
and "Casos abiertos" as wide as a third of the screen each); now each table wider than the
screen scrolls in its own labelled, focusable region, as the report's other tables do.
Screenshots in test-artifacts/screenshots/ (operations-200-…)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS, open_page
from tests.browser.test_accessibility_more import street_cases  # noqa: F401  (the same cases)
from tests.browser.test_large_text_on_a_phone import PHONE_360, SIDEWAYS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Each table that is wider than the page's line and not inside a region of its own.
LOOSE_WIDE_TABLES = """() => [...document.querySelectorAll('main table')]
  .filter(t => t.getBoundingClientRect().right > innerWidth + 1 && !t.closest('.table-wrap[role=region][tabindex="0"]'))
  .map(t => t.id)"""

# Each word of the page's titles and headings the browser laid out on two lines.
BROKEN_HEADING_WORDS = """() => {
  const found = [];
  for (const h of document.querySelectorAll('main h1, main h2')) {
    const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      for (const w of text.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(text, w.index); range.setEnd(text, w.index + w[0].length);
        if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) found.push(w[0]);
      }
    }
  }
  return found;
}"""


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_operational_report_at_200_percent_text_on_a_phone_never_scrolls_sideways(
    new_context: Any,
    street_cases: None,  # noqa: F811
    language: str,
) -> None:
    context = new_context(viewport=PHONE_360, extra_http_headers={"Accept-Language": language})
    page = open_page(context)
    cdp = context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    page.goto("/independence/reports/operations/")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    assert page.locator("#backlog tbody tr").count() >= 1
    assert page.evaluate(LOOSE_WIDE_TABLES) == []
    found = page.evaluate(SIDEWAYS)
    assert found["scrollWidth"] <= PHONE_360["width"] and found["wide"] == [], found
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#backlog").scroll_into_view_if_needed()
    # The screen only: a full-page capture would lay the page out again at the default size.
    page.screenshot(path=str(SCREENSHOTS / f"operations-200-backlog-360-{language}.png"))
    assert page.evaluate(BROKEN_HEADING_WORDS) == []
    # The Service Request Report's title and headings too ("solicitu" / "des", "descripcio" / "nes").
    page.goto("/independence/reports/service-requests/")
    assert page.evaluate(BROKEN_HEADING_WORDS) == []
    assert page.evaluate(SIDEWAYS)["wide"] == []
    assert page.errors == []
