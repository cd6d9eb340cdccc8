"""WCAG 4.1.3 Status messages: what changes on the screen after an action is said by a live
region that was in the page before (a region inserted with its text is usually not
announced), in words.

- The console's case list: filtering reloads the list (htmx) and the count "3 cases" becomes
  "1 case" in the same element, never in a new one swapped in with the list.
- The report form's problem-type filter says how many types match and, when one is left and
  chosen for the resident, which: "1 of 3 types match: Pothole, selected."."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest, Status
from tests.browser.conftest import open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_console_count_changes_in_one_live_region_that_stays_in_the_page(
    new_context: Any, report: Any, make_staff: Any, independence: Any
) -> None:
    make_staff(independence, Role.SUPERVISOR, username="sam")
    cases = [report() for _ in range(3)]
    ServiceRequest.objects.filter(pk=cases[0].pk).update(status=Status.IN_PROGRESS)
    page = open_page(new_context())
    page.goto("/console/login/?next=/console/%3Fqueue%3Dall")
    sign_in(page, "sam")
    assert page.inner_text("#results-count") == "3 cases"
    # The region the screen reader watches: one, outside the list that htmx replaces.
    assert page.locator("[role=status]#results-count").count() == 1
    assert page.locator("#results [role=status], #results [aria-live]").count() == 0
    page.evaluate(
        "window.countRegion = document.getElementById('results-count'); window.oldList = document.getElementById('results')"
    )
    page.select_option("#id_status", Status.IN_PROGRESS)
    expect(page.locator("#results-count")).to_have_text("1 case")
    assert page.evaluate("""() => ({
        same: window.countRegion === document.getElementById('results-count'),
        connected: window.countRegion.isConnected,
        listReplaced: window.oldList !== document.getElementById('results'),
        regions: document.querySelectorAll('#results-count').length})""") == {
        "same": True, "connected": True, "listReplaced": True, "regions": 1,
    }  # fmt: skip
    assert page.locator("table.cases tbody tr").count() == 1
    assert page.errors == []


@pytest.mark.parametrize(
    ("language", "typed", "said"),
    [
        ("en", "pothole", "1 of {n} types match: Pothole, selected."),
        ("en", "zzz", "0 of {n} types match."),
        ("es", "pothole", "1 de {n} tipos coinciden: Pothole, seleccionado."),
        ("es", "zzz", "0 de {n} tipos coinciden."),
    ],
)
def test_the_type_filter_says_in_words_what_matched_and_what_it_chose(
    new_context: Any, catalogue: Any, language: str, typed: str, said: str
) -> None:
    page = open_page(new_context(locale=language, extra_http_headers={"Accept-Language": language}))
    page.goto("/independence/report/")
    page.evaluate("window.countRegion = document.getElementById('type-filter-count')")
    assert page.get_attribute("#type-filter-count", "aria-live") == "polite"
    types = page.locator("#id_service_type option:not([value=''])").count()
    page.fill("#type-filter", typed)
    assert page.inner_text("#type-filter-count") == said.format(n=types)
    assert page.evaluate("window.countRegion === document.getElementById('type-filter-count')")
    if typed == "pothole":
        assert page.eval_on_selector("#id_service_type", "s => s.selectedOptions[0].textContent") == "Pothole"
    assert page.errors == []
