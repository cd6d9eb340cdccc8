"""A form sent back with mistakes (WCAG 3.3.1, 1.3.1, 4.1.2), the same on every form because
they share one rendering (civicdesk/core/forms.py): each field in error is aria-invalid and
described by its message, whose id exists in the page; the page's title starts with "Error: ";
a summary at the top lists the mistakes as links to their fields and has the focus, so a
screen reader reads it first. The console's new-case form, the resident's report and alerts
forms, in English and in Spanish; and the case page's closing note, refused empty."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from tests.browser.conftest import open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every aria-describedby of the page whose id is not in the page; the fields marked invalid,
# each with what describes it; the focused element; the title.
ERRORS = """() => {
  const missing = [];
  document.querySelectorAll('[aria-describedby]').forEach(e => e.getAttribute('aria-describedby').split(/\\s+/)
    .filter(Boolean).forEach(id => { if (!document.getElementById(id)) missing.push(`${e.id || e.tagName} -> ${id}`); }));
  const invalid = {};
  document.querySelectorAll('[aria-invalid=true]').forEach(e => {
    invalid[e.id] = (e.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
      .map(id => document.getElementById(id).textContent.trim()).join(' | ');
  });
  return {missing, invalid, focused: document.activeElement.id, title: document.title};
}"""

ERROR = {"en": "Error: ", "es": "Error: "}


def _send_unchecked(page: Any, button: str) -> None:
    """Submit as a browser without its own checks would (novalidate): the server's answer."""
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    with page.expect_navigation():
        page.click(button)


def _summary_links_go_to_their_fields(page: Any) -> list[str]:
    targets = page.eval_on_selector_all("#error-summary a", "links => links.map(a => a.getAttribute('href').slice(1))")
    for target in targets:
        assert page.locator(f"[id='{target}']").count() == 1, target
    return list(targets)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_new_case_form_ties_each_error_to_its_field_and_focuses_the_summary(
    new_context: Any, trash: Any, make_staff: Any, language: str
) -> None:
    make_staff(trash.city, Role.CALL_TAKER, username="carla")
    page = open_page(new_context(locale=language, extra_http_headers={"Accept-Language": language}))
    page.goto("/console/login/?next=/console/new/")
    sign_in(page, "carla")
    page.fill("#id_reporter_email", "not-an-email")
    _send_unchecked(page, "p.buttons button[type=submit]")
    found = page.evaluate(ERRORS)
    assert found["missing"] == []
    assert {"id_service_type", "id_description", "id_reporter_email"} <= set(found["invalid"])
    assert all(found["invalid"].values()), found["invalid"]  # each read with its message
    assert "@" not in found["invalid"]["id_reporter_email"] and found["invalid"]["id_reporter_email"]
    assert found["focused"] == "error-summary"
    assert found["title"].startswith(ERROR[language])
    assert {"id_service_type", "id_description", "id_reporter_email"} <= set(_summary_links_go_to_their_fields(page))
    page.click("#error-summary a[href='#id_reporter_email']")
    expect(page.locator("#id_reporter_email")).to_be_focused()
    assert page.errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_alerts_form_ties_its_email_error_to_the_box(new_context: Any, catalogue: Any, language: str) -> None:
    page = open_page(new_context(locale=language, extra_http_headers={"Accept-Language": language}))
    page.goto("/independence/alerts/")
    page.fill("#id_email", "not-an-email")
    _send_unchecked(page, "#alert-form button[type=submit]")
    found = page.evaluate(ERRORS)
    assert found["missing"] == []
    assert "id_email" in found["invalid"] and found["invalid"]["id_email"]
    assert found["focused"] == "error-summary"
    assert found["title"].startswith(ERROR[language])
    assert "id_email" in _summary_links_go_to_their_fields(page)
    assert page.errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_report_form_focuses_its_summary_and_says_error_in_the_title(
    new_context: Any, catalogue: Any, language: str
) -> None:
    page = open_page(new_context(locale=language, extra_http_headers={"Accept-Language": language}))
    page.goto("/independence/report/")
    assert not page.title().startswith("Error")
    _send_unchecked(page, "#report-form button[type=submit]:not(.default-submit) >> nth=0")
    found = page.evaluate(ERRORS)
    assert found["missing"] == []
    assert "id_service_type" in found["invalid"] and found["invalid"]["id_service_type"]
    assert found["focused"] == "error-summary"
    assert found["title"].startswith(ERROR[language])
    assert page.errors == []


def test_a_closing_note_refused_empty_is_marked_invalid_and_described_by_the_refusal(
    new_context: Any, report: Any, make_staff: Any, independence: Any
) -> None:
    make_staff(independence, Role.SUPERVISOR, username="sam")
    case = report()
    page = open_page(new_context())
    page.goto(f"/console/cases/independence/{case.number}/")
    sign_in(page, "sam")
    assert page.get_attribute("#close-note", "aria-invalid") is None
    page.fill("#close-note", "")
    page.click("form[action$='/close/'] button[type=submit]")
    page.wait_for_selector("#case-answer >> text=Nothing was changed")
    found = page.evaluate(ERRORS)
    assert found["missing"] == []
    assert "The closing note cannot be empty" in found["invalid"]["close-note"]
    # Written again, the note is no longer marked.
    page.fill("#close-note", "Picked up.")
    page.click("form[action$='/close/'] button[type=submit]")
    page.wait_for_selector("#case-answer >> text=Case closed")
    assert page.locator("[aria-invalid=true]").count() == 0
    assert page.errors == []
