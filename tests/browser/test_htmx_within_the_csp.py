"""htmx stays within the pages' Content-Security-Policy (no inline style, docs/security.md)
while staff and residents use what it swaps: the console's case page (assign, a note, a
status, closing), the case list's filters and the report form's nearby reports.

htmx 2 "settles" a swap: an element of the answer with the id of one on the page first takes
the old one's settle attributes, then its own. With `style` among them (htmx's default) it
wrote the old element's style attribute with setAttribute, which the CSP refuses ("Applying
inline style violates … style-src 'self'") whenever the old one had one: a note box the worker
had resized (the browser writes its new size as an inline style), a box a password manager or
a screenshot had touched. The pages' htmx-config leaves `style` out of attributesToSettle (and
its indicator <style> off), so what a person did to the page before is never written back as
an inline style. Every console message of the page and every `securitypolicyviolation` event
is collected while the test clicks through, on every page it visits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel, ServiceRequest, Status
from civicdesk.cases.services import case_create
from tests.browser.conftest import open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Said in the page's console as an error, so the test reads it with everything else.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", e => console.error(
  "CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " +
  (e.sourceFile || "") + ":" + e.lineNumber + " " + (e.sample || "")));"""

# What a person does to a box before sending it: resizes it by its corner (the browser writes
# the size as the element's inline style, as CSSOM does here, which the CSP allows).
RESIZE = "selector => { const box = document.querySelector(selector); box.style.height = '9em'; }"


@pytest.fixture
def watched(new_context: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page whose console errors and warnings and CSP violations are collected."""
    context = new_context()
    context.add_init_script(REPORT_VIOLATIONS)
    page = open_page(context)
    problems: list[str] = []

    def seen(message: Any) -> None:
        if message.type in ("error", "warning") and not message.text.startswith("Failed to load resource"):
            problems.append(f"{page.url}: {message.text}")

    page.on("console", seen)
    yield page, problems
    assert page.errors == []


@pytest.fixture
def people(independence: Any, catalogue: Any, make_staff: Any) -> dict[str, Any]:
    department = catalogue["independence"]["pothole"].department
    return {
        "boss": make_staff(independence, Role.SUPERVISOR, department=department, username="sue", first_name="Sue"),
        "worker": make_staff(independence, Role.WORKER, department=department, username="walt", first_name="Walt"),
    }


@pytest.fixture
def pothole_case(catalogue: Any, people: dict[str, Any]) -> ServiceRequest:
    lat, lng = INSIDE["independence"]
    return case_create(
        service_type=catalogue["independence"]["pothole"],
        description="Pothole outside 200 Main",
        lat=lat,
        lng=lng,
        channel=Channel.PHONE,
        attributes={"size": "large"},
        reporter_email="michael@example.org",
        actor=people["boss"],
    )


def _answered(page: Any, words: str) -> None:
    page.wait_for_function(
        "words => document.querySelector('#case-answer')?.innerText.includes(words)", arg=words, timeout=10_000
    )
    page.wait_for_timeout(150)  # htmx settles 20 ms after the swap: what it writes then is seen


def test_the_case_pages_actions_keep_to_the_csp_after_a_box_was_resized(
    watched: tuple[Any, list[str]], pothole_case: ServiceRequest, people: dict[str, Any]
) -> None:
    page, problems = watched
    page.goto(f"/console/cases/independence/{pothole_case.number}/")
    sign_in(page, "sue")

    page.select_option("#assign-person", str(people["worker"].pk))
    screenshot(page, "csp-case-before-assign")  # a screenshot leaves style="" on the boxes
    page.click("form[action$='/assign/'] button[type=submit]")
    _answered(page, "Walt")

    page.evaluate(RESIZE, "#note-text")
    page.fill("#note-text", "Crew booked for Tuesday")
    page.click("button[name=visibility][value=public]")
    _answered(page, "Public note added")
    # The new box is the answer's own, at the page's size: the old inline size was not copied.
    assert page.get_attribute("#note-text", "style") is None

    page.select_option("#status-select", "in_progress")
    page.click("form[action$='/status/'] button[type=submit]")
    _answered(page, "Status is now")

    page.evaluate(RESIZE, "#close-note")
    page.fill("#close-note", "Filled on Tuesday")
    page.click("form[action$='/close/'] button[type=submit]")
    _answered(page, "Case closed")
    pothole_case.refresh_from_db()
    assert pothole_case.status == Status.CLOSED
    assert problems == []


def test_the_case_lists_filters_keep_to_the_csp(
    watched: tuple[Any, list[str]], pothole_case: ServiceRequest, people: dict[str, Any]
) -> None:
    page, problems = watched
    page.goto("/console/?queue=all")
    sign_in(page, "sue")
    screenshot(page, "csp-case-list")
    page.evaluate(RESIZE, "#results")
    with page.expect_response(lambda r: "/console/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.select_option("#id_status", "new")
    page.wait_for_timeout(150)
    assert pothole_case.reference in page.inner_text("#results")
    with page.expect_response(lambda r: "/console/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("#id_q", "no such words")
        page.press("#id_q", "Enter")
    page.wait_for_timeout(150)
    # The answer is in; htmx swaps it in after it (a busy machine may take longer than the pause).
    expect(page.locator("#results")).to_contain_text("No cases match.")
    assert problems == []


def test_the_report_forms_nearby_reports_keep_to_the_csp(
    watched: tuple[Any, list[str]], pothole_case: ServiceRequest, catalogue: Any
) -> None:
    page, problems = watched
    page.goto("/report/?city=independence")
    screenshot(page, "csp-report-form")
    lat, lng = INSIDE["independence"]
    page.evaluate(
        "([lat, lng]) => { document.querySelector('#id_lat').value = lat; document.querySelector('#id_lng').value = lng; }",
        [str(lat), str(lng)],
    )
    page.evaluate(RESIZE, "#nearby")
    with page.expect_response(lambda r: "/nearby" in r.url):
        page.select_option("#id_service_type", str(catalogue["independence"]["pothole"].pk))
    page.wait_for_selector("#nearby-title")
    page.wait_for_timeout(150)
    assert pothole_case.reference in page.inner_text("#nearby")
    assert problems == []
