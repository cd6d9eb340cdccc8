"""WCAG 1.4.4 Resize text: a resident who sets the browser's text to 200 % (32 px) on a
360-px phone reads every page of a first visit without scrolling sideways, in English and
in Spanish: the portal's home, a city's home, the report form, browse, a report's public
page, the confirmation and the tracking page. The header's links and language switch wrap,
the cities' cards and the photos fit the line, and a report's facts put each value under its
name instead of squeezing it into a column a word wide. The browser's own text size is set
(Chromium's font-size setting, through the DevTools protocol), as the resident would."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.cases import event_words
from civicdesk.cases.services import case_add_photo
from tests.browser.conftest import jpeg_file, open_page
from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

# How far the page runs past the screen, and what sticks out (beyond a map, a hidden text or
# a table's own scrolling region).
SIDEWAYS = """() => {
  const width = innerWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1
      && !e.closest('.table-wrap, .map, .visually-hidden, .leaflet-container'))
    .slice(0, 3).map(e => e.outerHTML.slice(0, 90));
  return {scrollWidth: document.scrollingElement.scrollWidth, wide};
}"""


def _large_text_page(new_context: Any, language: str) -> Any:
    context = new_context(viewport=PHONE_360, extra_http_headers={"Accept-Language": language})
    page = open_page(context)
    cdp = context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    return page


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_first_visit_at_200_percent_text_on_a_phone_never_scrolls_sideways(
    new_context, site, catalogue, report, language, tmp_path
):
    case = report(description="A sofa and three bags of rubbish dumped on the curb by the bus stop")
    with jpeg_file(tmp_path).open("rb") as photo:
        case_add_photo(case=case, upload=photo, actor=None, actor_label=event_words.RESIDENT, public=True)
    page = _large_text_page(new_context, language)
    pages = {
        "home": "/",
        "city": "/independence/",
        "report-form": "/independence/report/",
        "browse": "/independence/requests/",
        "case": f"/independence/requests/{case.number}/",
        "confirmation": f"/report/sent/{case.tracking_token}/",
        "tracking": f"/track/{case.tracking_token}/",
    }
    sideways = {}
    for name, url in pages.items():
        page.goto(url)
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
        found = page.evaluate(SIDEWAYS)
        if found["scrollWidth"] > PHONE_360["width"] or found["wide"]:
            sideways[name] = found
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # The viewport only: a full-page capture re-lays the page out at the default text size.
        page.screenshot(path=str(SCREENSHOTS / f"large-text-{name}-360-{language}.png"))
    assert sideways == {}

    # The report's facts: each value under its name, as wide as the line.
    page.goto(f"/track/{case.tracking_token}/")
    name_box = page.locator(".facts dt").first.bounding_box()
    value_box = page.locator(".facts dd").first.bounding_box()
    assert value_box["y"] >= name_box["y"] + name_box["height"] - 1
    assert value_box["x"] == pytest.approx(name_box["x"], abs=1)
    assert value_box["width"] > 300
    assert page.errors == []


def test_at_the_default_text_size_a_reports_facts_stay_beside_their_names(new_context, site, report):
    case = report()
    page = open_page(new_context(viewport=PHONE_360))
    page.goto(f"/track/{case.tracking_token}/")
    name_box = page.locator(".facts dt").first.bounding_box()
    value_box = page.locator(".facts dd").first.bounding_box()
    assert value_box["y"] == pytest.approx(name_box["y"], abs=2)
    assert value_box["x"] > name_box["x"] + name_box["width"]
