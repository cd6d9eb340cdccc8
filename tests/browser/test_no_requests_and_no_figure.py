"""In Chromium, at 360 and 1280 px, in English and Spanish: the Service Request Report of a
period with no request says why and how to see some (an earlier "From" date), and a performance
measure whose published periods have no figure says so on its card with no chart of its targets
alone. Neither scrolls sideways; both pass axe. Screenshots: no-requests-…, no-figure-…."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.demo.performance import load_performance_demo
from civicdesk.notifications.outbox import suppressed
from civicdesk.performance.models import Measure, MeasureValue
from civicdesk.tenants.models import City
from tests.browser.conftest import DESKTOP, axe_violations, open_page, screenshot
from tests.browser.test_large_text_on_a_phone import PHONE_360, SIDEWAYS
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NO_REQUESTS = {
    "en": "A longer period may include some. To see some, choose an earlier “From” date.",
    "es": "Un período más largo puede incluir algunas. Para verlas, elija una fecha “Desde” anterior.",
}
NO_FIGURE = {
    "en": "No figure has been published for this measure yet.",
    "es": "Todavía no se ha publicado ninguna cifra para esta medida.",
}
MEASURE = "% of Code Enforcement cases inspected in 5 days or less"


def looked_at(page: Any, width: int, name: str) -> None:
    found = page.evaluate(SIDEWAYS)
    assert found["scrollWidth"] <= width and found["wide"] == [], found
    screenshot(page, name)
    assert axe_violations(page) == []
    assert page.errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_empty_period_and_a_measure_without_figures_say_so(
    new_context: Callable[..., Any],
    cities: dict[str, City],
    make_service_type: Callable[..., ServiceType],
    language: str,
) -> None:
    city = cities["independence"]
    pothole = make_service_type(city, "pothole", name="Pothole", name_es="Bache", target_days=3)
    lat, lng = INSIDE[city.slug]
    with suppressed(), clock.frozen_at(dt.datetime(2021, 10, 4, 15, tzinfo=dt.UTC)):
        services.case_create(service_type=pothole, lat=lat, lng=lng, description="A hole")
    load_performance_demo(today=dt.date(2017, 11, 1))
    measure = Measure.objects.get(city=city, name=MEASURE)
    MeasureValue.objects.filter(measure=measure).update(value=None)

    for width, viewport in ((360, PHONE_360), (1280, DESKTOP)):
        page = open_page(new_context(viewport=viewport, extra_http_headers={"Accept-Language": language}))
        page.goto("/independence/reports/service-requests/?from=2021-11-01&to=2021-11-30")
        said = page.locator("#nothing-opened")
        assert said.is_visible() and said.inner_text().endswith(NO_REQUESTS[language])
        assert page.locator("main img, main svg").count() == 0
        looked_at(page, width, f"no-requests-{width}-{language}")

        page.goto("/independence/performance/?fy=2018")
        card = page.locator(f"article.measure:has([id^='no-figures-{measure.pk}-'])").first
        assert card.get_by_text(NO_FIGURE[language]).is_visible()
        assert card.locator("img, table").count() == 0
        looked_at(page, width, f"no-figure-{width}-{language}")
