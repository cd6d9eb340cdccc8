"""A member city just onboarded opens its operational report in Chromium, at 360 and 1280 px,
in English and Spanish: with no case yet, and with cases opened and none closed, the page says
why in words where an empty chart stood, draws no chart of nothing, never scrolls sideways,
and passes axe. Screenshots in test-artifacts/screenshots/ (operations-empty-…)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications.outbox import suppressed
from civicdesk.tenants.models import City
from tests.browser.conftest import DESKTOP, axe_violations, open_page, screenshot
from tests.browser.test_large_text_on_a_phone import PHONE_360, SIDEWAYS
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAID = {
    ("no-cases", "en"): "No cases have been reported to Raytown yet",
    ("no-cases", "es"): "Todavía no se ha reportado ningún caso a Raytown",
    ("none-closed", "en"): "No case has been closed in this period yet",
    ("none-closed", "es"): "Todavía no se ha cerrado ningún caso en este período",
}
# The notice of each case and the charts left on the page: none with no case at all; the
# backlog, channels and two trends when two cases are open and none closed.
NOTICE = {"no-cases": "#empty-period", "none-closed": "#no-closings"}
CHARTS = {"no-cases": 0, "none-closed": 4}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("scenario", ["no-cases", "none-closed"])
def test_a_new_citys_operational_report_says_why_it_has_no_chart(
    new_context: Callable[..., Any],
    cities: dict[str, City],
    make_service_type: Callable[..., ServiceType],
    scenario: str,
    language: str,
) -> None:
    city = cities["raytown"]
    pothole = make_service_type(city, "pothole", name="Pothole", name_es="Bache", target_days=3)
    if scenario == "none-closed":
        lat, lng = INSIDE[city.slug]
        with suppressed():
            for _n in range(2):
                services.case_create(service_type=pothole, lat=lat, lng=lng, description="A hole")
    for width, viewport in (("360", PHONE_360), ("1280", DESKTOP)):
        context = new_context(viewport=viewport, extra_http_headers={"Accept-Language": language})
        page = open_page(context)
        page.goto(f"/{city.slug}/reports/operations/")
        notice = page.locator(NOTICE[scenario])
        assert notice.is_visible()
        assert SAID[scenario, language] in notice.inner_text()
        assert page.locator("main figure.chart").count() == CHARTS[scenario]
        assert page.locator("main svg, main canvas").count() == 0
        if scenario == "none-closed":
            assert page.locator("#by-type tbody tr").count() == 1
        found = page.evaluate(SIDEWAYS)
        assert found["scrollWidth"] <= viewport["width"] and found["wide"] == [], found
        screenshot(page, f"operations-empty-{scenario}-{width}-{language}")
        assert axe_violations(page) == []
        assert page.errors == []
