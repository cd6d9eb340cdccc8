"""The case page answers every action where the worker is looking: a refusal ("Nothing was
changed: …") is shown, not the message of the action before; on a phone the answer is brought
into view; htmx is loaded once and nothing breaks the page's Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel, ServiceRequest, Status
from civicdesk.cases.services import case_assign, case_create
from tests.browser.conftest import open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}

IN_VIEW = """el => { const r = el.getBoundingClientRect();
  return r.height > 0 && r.top > -2 && r.top < window.innerHeight; }"""


def _comes_into_view(page: Any, selector: str) -> None:
    """Waits (the scroll is smooth unless the phone asks for reduced motion) until ``selector`` is in view."""
    for _ in range(50):
        if page.eval_on_selector(selector, IN_VIEW):
            return
        page.wait_for_timeout(100)
    raise AssertionError(
        f"{selector} is not in view: its top is at {page.eval_on_selector(selector, 'e => e.getBoundingClientRect().top')}"
    )


@pytest.fixture
def worked_case(independence: Any, catalogue: Any, make_staff: Any) -> ServiceRequest:
    pothole = catalogue["independence"]["pothole"]
    worker = make_staff(independence, Role.WORKER, department=pothole.department, username="walt")
    lat, lng = INSIDE["independence"]
    case = case_create(
        service_type=pothole,
        description="Pothole outside 200 Main",
        lat=lat,
        lng=lng,
        channel=Channel.PHONE,
        attributes={"size": "large"},
        reporter_name="Michael Garcia",
        reporter_email="michael.garcia48.a.very.long.address@example.org",
        actor=worker,
    )
    return case_assign(case=case, actor=worker, assignee=worker)


def _watched(page: Any) -> list[str]:
    """The page's console errors (CSP violations, htmx's "Response Status Error"…), but for
    Chromium's own line about a 4xx answer, which the refusal is."""
    problems: list[str] = []

    def seen(message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    page.on("console", seen)
    return problems


def test_closing_with_an_empty_note_shows_the_refusal_in_view_and_the_case_stays_open(
    new_context: Any, worked_case: ServiceRequest
) -> None:
    page = open_page(new_context(viewport=PHONE_360))
    problems = _watched(page)
    page.goto(f"/console/cases/independence/{worked_case.number}/")
    sign_in(page, "walt")
    assert page.locator("script[src*='htmx']").count() == 1

    # An action that works first, so that its message is on the page before the refusal.
    page.select_option("#status-select", "in_progress")
    page.click("form[action$='/status/'] button[type=submit]")
    page.wait_for_selector("#case-body > .messages >> text=Status is now")
    _comes_into_view(page, "#case-body > .messages")

    page.fill("#close-note", "")
    page.click("form[action$='/close/'] button[type=submit]")
    page.wait_for_selector("#case-errors")
    screenshot(page, "case-close-empty-360")
    assert "Nothing was changed" in page.inner_text("#case-errors")
    _comes_into_view(page, "#case-errors")
    assert page.locator("#case-body > .messages").count() == 0  # the old "Status is now …" is gone
    assert page.locator("#close-note").count() == 1  # still open: the close form is still there
    worked_case.refresh_from_db()
    assert worked_case.status == Status.IN_PROGRESS
    assert problems == [] and page.errors == []


def test_on_a_phone_the_answer_to_a_note_is_in_view(new_context: Any, worked_case: ServiceRequest) -> None:
    page = open_page(new_context(viewport=PHONE_360))
    problems = _watched(page)
    page.goto(f"/console/cases/independence/{worked_case.number}/")
    sign_in(page, "walt")
    page.fill("#note-text", "Crew booked for Tuesday")
    page.click("button[name=visibility][value=public]")
    page.wait_for_selector("#case-body > .messages >> text=Public note added")
    _comes_into_view(page, "#case-body > .messages")
    assert page.evaluate("document.activeElement.matches('#case-body > .messages')")
    screenshot(page, "case-note-answer-360")
    assert problems == [] and page.errors == []
