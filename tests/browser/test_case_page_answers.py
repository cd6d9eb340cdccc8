"""The case page answers every action where the worker is looking: a refusal ("Nothing was
changed: …") is shown, not the message of the action before; on a phone the answer is beside
the form used, in view and focused, the form where it was; htmx is loaded once and nothing
breaks the page's Content-Security-Policy."""

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
    page.wait_for_selector("#case-answer >> text=Status is now")
    _comes_into_view(page, "#case-answer")
    page.fill("#close-note", "")
    page.click("form[action$='/close/'] button[type=submit]")
    page.wait_for_selector("#case-answer >> text=Nothing was changed")
    screenshot(page, "case-close-empty-360")
    assert "Nothing was changed" in page.inner_text("#case-answer")
    _comes_into_view(page, "#case-answer")
    assert "Status is now" not in page.inner_text("#case-body")  # the old answer is gone
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
    page.wait_for_selector("#case-answer >> text=Public note added")
    _comes_into_view(page, "#case-answer")
    assert page.evaluate("document.activeElement.matches('#case-answer')")
    screenshot(page, "case-note-answer-360")
    assert problems == [] and page.errors == []


# A box is wholly in view: its top below the top of the window, its bottom above the bottom.
WHOLLY_IN_VIEW = """el => { const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""


def _shot(page: Any, name: str) -> None:
    """A screenshot, then the empty style="" Playwright leaves on the inputs (hiding the caret)
    taken away: htmx would copy it into the next answer, which the page's CSP refuses."""
    screenshot(page, name)
    page.evaluate("document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))")


def _answer_beside(page: Any, words: str, *, role: str, then: str) -> None:
    """The answer ``words`` is wholly in view and focused, announced (``role``), and the form
    ``then`` (the one used, or what follows it) starts in view just under it."""
    # Focusing the answer is the last thing done once the new case is in place.
    page.wait_for_function(
        "words => document.activeElement.id === 'case-answer' && document.activeElement.innerText.includes(words)",
        arg=words,
    )
    assert page.locator("#case-answer").get_attribute("role") == role
    assert page.eval_on_selector("#case-answer", WHOLLY_IN_VIEW), page.eval_on_selector(
        "#case-answer", "e => e.getBoundingClientRect().toJSON()"
    )
    assert page.eval_on_selector(then, IN_VIEW), f"{then} is out of view after “{words}”"
    assert page.locator("#case-answer").count() == 1 and page.locator(".messages").count() <= 1  # said once


def test_on_a_phone_each_answer_is_beside_the_form_used_and_the_worker_keeps_their_place(
    new_context: Any, worked_case: ServiceRequest
) -> None:
    page = open_page(new_context(viewport=PHONE_360))
    problems = _watched(page)
    page.goto(f"/console/cases/independence/{worked_case.number}/")
    sign_in(page, "walt")

    page.fill("#note-text", "Crew booked for Tuesday")
    page.click("button[name=visibility][value=public]")
    _answer_beside(page, "Public note added", role="status", then="#note-text")
    _shot(page, "case-answer-note-360")

    page.select_option("#status-select", "in_progress")
    page.click("form[action$='/status/'] button[type=submit]")
    _answer_beside(page, "Status is now In progress", role="status", then="#status-select")

    # Refused: beside the close form, what was chosen kept.
    page.select_option("#close-resolution", index=0)
    page.fill("#close-note", "")
    page.click("form[action$='/close/'] button[type=submit]")
    _answer_beside(page, "The closing note cannot be empty", role="alert", then="#close-note")
    _shot(page, "case-answer-close-refused-360")

    page.fill("#close-note", "Filled on Tuesday")
    page.click("form[action$='/close/'] button[type=submit]")
    # The close form is gone: the answer stands above what can be done now, reopening.
    _answer_beside(page, "Case closed", role="status", then="#reopen-reason")
    _shot(page, "case-answer-closed-360")

    page.fill("#reopen-reason", "The patch sank")
    page.click("form[action$='/reopen/'] button[type=submit]")
    _answer_beside(page, "Case reopened", role="status", then="#note-text")
    worked_case.refresh_from_db()
    assert worked_case.status != Status.CLOSED
    assert problems == [] and page.errors == []
