"""A dashboard's targets on a 360-px phone, in English and in Spanish: in the narrow "Target"
column of each measure's table the sign stays with its figure ("≥ 80%", "≤ 5.00"; a unit or
the plan's own wording after it may wrap), never the sign alone above the figure, the headline's
target is on one line, and every table and the page still fit the screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import open_page, screenshot
from tests.browser.test_accessibility_more import performance  # noqa: F401  (the demo plan, as there)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}

# Every target shown (the sign and figure of the tables' "Target" cells, the headlines) with
# the number of lines its text takes, from the boxes the browser drew for it.
TARGETS = """() => [...document.querySelectorAll('td.target .sign-kept, .headline strong')].map(e => {
  const range = document.createRange(); range.selectNodeContents(e);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return {text: e.textContent.trim(), lines: tops.size};
})"""


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_target_stays_on_one_line_in_a_narrow_column(
    new_context: Any,
    site: str,
    performance: Any,  # noqa: F811
    language: str,
) -> None:
    context = new_context(viewport=PHONE_360)
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    page = open_page(context)
    page.goto("/independence/performance/")
    page.wait_for_load_state("networkidle")
    screenshot(page, f"dashboard-targets-360-{language}")

    targets = page.evaluate(TARGETS)
    signed = [t for t in targets if t["text"][:1] in "≥≤<>"]
    assert signed, f"no target with a sign on the page: {targets}"
    assert [t for t in signed if t["lines"] != 1] == []
    assert page.locator("td.target .sign-kept").count() > 0
    past_the_screen = page.evaluate(
        "() => [...document.querySelectorAll('main table')].filter(t => t.getBoundingClientRect().right > innerWidth + 1)"
        ".map(t => t.querySelector('caption')?.innerText)"
    )
    assert past_the_screen == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_360["width"]
    assert page.errors == []
