"""Every public page's title and headings keep their words whole on a 360-px phone with the
browser's text at 200 %, in English and Spanish. The staff overdue report's title, 64 px
there, was wider than the line for "Independence" and the browser cut it ("Independenc" /
"e"); the portal's, the reports', the dashboard's and the open data pages' titles are read
the same way. Screenshots in test-artifacts/screenshots/ (titles-200-…)."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.cases.models import ServiceRequest
from tests.browser.conftest import SCREENSHOTS, open_page, sign_in
from tests.browser.test_accessibility_more import street_cases  # noqa: F401  (the same cases)
from tests.browser.test_large_text_on_a_phone import PHONE_360, SIDEWAYS
from tests.browser.test_operational_report_at_200_percent import BROKEN_HEADING_WORDS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _at_200_percent(page: Any) -> None:
    """The browser's own text size at 200 % (Chromium's setting, as a person sets it)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    page._cdp = cdp  # kept alive: a session let go of gives the setting back


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_public_pages_title_and_headings_keep_their_words_whole_at_200_percent_on_a_phone(
    new_context: Any,
    street_cases: None,  # noqa: F811
    language: str,
) -> None:
    case = ServiceRequest.objects.filter(city__slug="independence").order_by("number").first()
    pages = {
        "home": "/",
        "city": "/independence/",
        "report-form": "/independence/report/",
        "browse": "/independence/requests/",
        "case": f"/independence/requests/{case.number}/",
        "tracking": f"/track/{case.tracking_token}/",
        "confirmation": f"/report/sent/{case.tracking_token}/",
        "alerts": "/independence/alerts/",
        "confidential": "/confidential/",
        "service-requests": "/independence/reports/service-requests/",
        "region-service-requests": "/reports/service-requests/",
        "operations": "/independence/reports/operations/",
        "region-operations": "/reports/operations/",
        "dashboard": "/independence/performance/",
        "compare": "/performance/compare/",
        "open-data": "/independence/open-data/",
        "region-open-data": "/open-data/",
        # Staff only (it lists addresses), but a page of the public site's layout.
        "overdue": "/independence/reports/overdue/",
    }
    page = open_page(new_context(viewport=PHONE_360, extra_http_headers={"Accept-Language": language}))
    page.goto("/console/login/")
    sign_in(page, "sam")
    _at_200_percent(page)
    broken, read = {}, 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in pages.items():
        response = page.goto(url)
        assert response is not None and response.status == 200, (name, response and response.status)
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px", name
        read += page.locator("main h1").count()
        words = page.evaluate(BROKEN_HEADING_WORDS)
        if words:
            broken[name] = words
        # The screen only: a full-page capture would lay the page out again at the default size.
        page.screenshot(path=str(SCREENSHOTS / f"titles-200-{name}-360-{language}.png"))
    assert read >= len(pages)  # each page has its title
    assert broken == {}

    # The overdue report: its title whole, the page not pushed sideways by it.
    page.goto("/independence/reports/overdue/")
    title = page.locator("main h1")
    assert "Independence" in title.inner_text()
    assert title.bounding_box()["width"] <= PHONE_360["width"]
    assert [w for w in page.evaluate(SIDEWAYS)["wide"] if "<h1" in w] == []
    assert page.errors == []
