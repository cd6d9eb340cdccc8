"""The console's page titles on a 360 px phone take at most two lines, in English and in
Spanish: a title that fills the first screen ("Caso nuevo para alguien que llama o viene en
persona" took four) pushes the form under it out of view. Screenshots in
test-artifacts/screenshots/ (console-title-…)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from tests.browser.conftest import open_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 360, "height": 740}
PAGES = ["/console/new/", "/console/overdue/", "/console/likely-late/", "/console/not-placed/"]
MOST_LINES = 2

# The heading's lines: its height over its line height.
LINES = """h => Math.round(h.getBoundingClientRect().height / parseFloat(getComputedStyle(h).lineHeight))"""


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_console_titles_take_at_most_two_lines_on_a_phone(
    new_context: Any, cities: Any, make_staff: Any, language: str
) -> None:
    make_staff(cities["independence"], Role.SUPERVISOR, username="title-reader")
    page = open_page(new_context(viewport=PHONE, extra_http_headers={"Accept-Language": language}))
    page.goto("/console/login/")
    sign_in(page, "title-reader")
    for path in PAGES:
        page.goto(path)
        heading = page.locator("main h1").first
        expect(heading).to_be_visible()
        lines = heading.evaluate(LINES)
        name = path.strip("/").replace("/", "-")
        screenshot(page, f"console-title-{name}-360-{language}")
        assert 1 <= lines <= MOST_LINES, (path, language, heading.inner_text(), lines)
