"""The case page shows no heading over nothing: "Another city's case?" (the hand-off to
another member city) is there on an open case, for those who may ask for one; on a closed
case the supervisor and the worker who closed it saw the heading alone at the foot of the
page, its section's ``hidden`` undone by the panel's grid. In English and Spanish, at 360
and 1280 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.services import case_assign, case_close, case_create
from tests.browser.conftest import DESKTOP, open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}
HEADING = {"en": "Another city's case?", "es": "¿Es un caso de otra ciudad?"}


@pytest.fixture
def cases(independence: Any, catalogue: Any, make_staff: Any) -> dict[str, ServiceRequest]:
    pothole = catalogue["independence"]["pothole"]
    worker = make_staff(independence, Role.WORKER, department=pothole.department, username="walt")
    make_staff(independence, Role.SUPERVISOR, username="sue")
    lat, lng = INSIDE["independence"]

    def made() -> ServiceRequest:
        case = case_create(
            service_type=pothole, description="Pothole outside 200 Main", lat=lat, lng=lng, attributes={"size": "large"}
        )
        return case_assign(case=case, actor=worker, assignee=worker)

    open_case, closed = made(), made()
    case_close(case=closed, actor=worker, note="Filled with hot asphalt")
    return {"open": open_case, "closed": closed}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_hand_off_heading_shows_only_over_a_hand_off_one_may_ask_for(
    new_context: Any, cases: dict[str, ServiceRequest], language: str
) -> None:
    for viewport in (PHONE_360, DESKTOP):
        for username, case, shown in (("sue", "open", True), ("sue", "closed", False), ("walt", "closed", False)):
            page = open_page(
                new_context(viewport=viewport, locale=language, extra_http_headers={"Accept-Language": language})
            )
            page.goto(f"/console/cases/independence/{cases[case].number}/")
            sign_in(page, username)
            heading = page.get_by_role("heading", name=HEADING[language])
            expect(page.get_by_role("heading", level=2).first).to_be_visible()  # the case page is there
            if shown:
                expect(heading).to_be_visible()
                expect(page.locator("#transfer-to_city")).to_be_visible()
            else:
                expect(heading).to_have_count(0)  # neither seen nor read by a screen reader
                expect(page.locator("#transfer")).to_be_hidden()
            screenshot(page, f"case-hand-off-{language}-{viewport['width']}-{username}-{case}")
            assert page.errors == []
            page.context.close()
