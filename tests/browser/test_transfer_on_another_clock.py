"""In Chromium, on a phone (360 px) and a desk (1280 px): Independence's staff, on Central
time, read a case Raytown (on Mountain time) asks them to take, on Raytown's clock and told
so: the incoming transfer's card or row says "Dec. 9, 2026 (Raytown time, MST)", and the case
page opens with "Dates and times here are on Raytown's clock (MST)."; the line fits the
screen, nothing scrolls sideways."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services, transfers
from civicdesk.cases.models import ServiceRequest
from civicdesk.core import clock
from tests.browser.conftest import DESKTOP, open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MOUNTAIN = dt.timezone(dt.timedelta(hours=-7))
REPORTED = dt.datetime(2026, 12, 9, 23, 30, tzinfo=MOUNTAIN)  # 12:30 a.m. on the 10th in Central time
ASKED = dt.datetime(2026, 12, 9, 23, 40, tzinfo=MOUNTAIN)


@pytest.fixture
def asked(cities: dict[str, Any], catalogue: Any, make_staff: Any) -> ServiceRequest:
    raytown, independence = cities["raytown"], cities["independence"]
    raytown.timezone = "America/Denver"
    raytown.save(update_fields=["timezone"])
    boss = make_staff(raytown, Role.SUPERVISOR, username="ray")
    make_staff(independence, Role.SUPERVISOR, username="ida")
    lat, lng = INSIDE["raytown"]
    with clock.frozen_at(REPORTED):
        case = services.case_create(
            service_type=catalogue["raytown"]["pothole"],
            lat=lat,
            lng=lng,
            description="Hole at the city line",
            attributes={"size": "large"},
        )
    with clock.frozen_at(ASKED):
        transfers.case_transfer(case=case, actor=boss, to_city=independence, reason="Independence's road")
    return case


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 780}, DESKTOP], ids=["360", "1280"])
def test_the_city_asked_reads_the_asking_citys_clock_and_is_told_whose(
    new_context: Any, asked: ServiceRequest, viewport: dict[str, int]
) -> None:
    page = open_page(new_context(viewport=viewport))
    page.goto("/console/transfers/")
    sign_in(page, "ida")
    row = page.locator("table.transfers tbody tr").first
    assert "Dec. 9, 2026 (Raytown time, MST)" in row.inner_text()
    screenshot(page, f"transfers-incoming-other-clock-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.goto(f"/console/cases/raytown/{asked.number}/")
    note = page.locator(".clock-note")
    assert note.inner_text() == "Dates and times here are on Raytown's clock (MST)."
    assert "Dec. 9, 2026, 11:30 p.m." in page.inner_text("#case-body")
    assert "Dec. 9, 2026 (Raytown time, MST)" in page.inner_text("#transfer")
    screenshot(page, f"case-other-clock-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.errors == []
