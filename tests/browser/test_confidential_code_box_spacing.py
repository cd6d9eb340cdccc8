"""The confidential report's access-code page, on a 360-px phone and a desk, in English and
Spanish: the "Open my report" button stands below the code box with a gap, not against it
(nor beside it on a desk), and before the page's footer rather than on its line; with a wrong
code, the message is above the box and the gap stays."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import DESKTOP, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}
MIN_GAP = 8  # px: half a line, as between the other forms' fields and buttons

BOXES = """() => {
  const box = document.querySelector('#id_code').getBoundingClientRect();
  const button = document.querySelector('main form button[type=submit]').getBoundingClientRect();
  const footer = document.querySelector('footer').getBoundingClientRect();
  return {below_box: button.top - box.bottom, above_footer: footer.top - button.bottom};
}"""


@pytest.mark.parametrize(("viewport", "language"), [(PHONE_360, "en"), (PHONE_360, "es"), (DESKTOP, "es")])
def test_the_open_button_stands_apart_from_the_code_box_and_the_footer(
    new_context: Any, site: str, viewport: dict[str, int], language: str
) -> None:
    context = new_context(viewport=viewport)
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    page = open_page(context)
    page.goto("/confidential/")
    gaps = page.evaluate(BOXES)
    screenshot(page, f"confidential-code-{viewport['width']}-{language}")
    assert gaps["below_box"] >= MIN_GAP, gaps
    assert gaps["above_footer"] >= MIN_GAP, gaps

    page.fill("#id_code", "NOT-A-CODE")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.get_attribute("#id_code", "aria-invalid") == "true"
    gaps = page.evaluate(BOXES)
    assert gaps["below_box"] >= MIN_GAP, gaps
    assert page.errors == []
