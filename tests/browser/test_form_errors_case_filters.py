"""The console's case-list filters tell a mistake as the other forms do, though the list
loads in place (htmx): a backwards date range brings the summary, the box's message and mark
and "Error: " in the title; "Apply" lands on the summary, whose link goes to the box; a change
alone leaves the focus in the box; the other filters stay. In English and Spanish, screenshotted
at 360 and 1280 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Status
from tests.browser.conftest import open_page, sign_in
from tests.browser.test_form_errors_admin import SAYS, _both_widths, _link_goes_to, _one_summary_focused

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _page(new_context: Any, language: str) -> Any:
    return open_page(new_context(locale=language, extra_http_headers={"Accept-Language": language}))


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_backwards_date_range_on_the_case_list_lands_on_the_summary_keeping_the_other_filters(
    new_context: Any, report: Any, independence: Any, make_staff: Any, language: str
) -> None:
    make_staff(independence, Role.SUPERVISOR, username="sue")
    report()
    page = _page(new_context, language)
    page.goto("/console/login/?next=/console/%3Fqueue%3Dall")
    sign_in(page, "sue")
    page.select_option("#id_status", Status.NEW)
    page.fill("#id_opened_from", "2026-05-02")
    page.fill("#id_opened_to", "2026-05-01")
    says = SAYS[language]
    # A change loads the list in place: the summary and the message come, the focus stays in the box.
    expect(page.locator("#filter-errors #error-summary")).to_contain_text(says["backwards"])
    expect(page.locator("#id_opened_to")).to_be_focused()
    expect(page.locator("#id_opened_to_error")).to_have_text(says["backwards"])
    # "Apply": the summary takes the focus, as on a page loaded whole.
    page.click("form.filters button[type=submit]")
    expect(page.locator("#error-summary")).to_be_focused()
    found = _one_summary_focused(page, heading=says["filter"])
    assert says["backwards"] in found["invalid"]["id_opened_to"], found["invalid"]
    assert page.input_value("#id_status") == Status.NEW
    assert page.input_value("#id_opened_from") == "2026-05-02"
    assert page.input_value("#id_opened_to") == "2026-05-01"
    _both_widths(page, f"console-filter-backwards-dates-{language}")
    _link_goes_to(page, "id_opened_to")
    # Put right: summary, message and mark go, and the title is plain again.
    page.fill("#id_opened_to", "2026-05-03")
    expect(page.locator("#filter-errors [data-error-summary]")).to_have_count(0)
    expect(page.locator("#id_opened_to_error")).to_be_hidden()
    expect(page.locator("#id_opened_to")).not_to_have_attribute("aria-invalid", "true")
    assert not page.title().startswith("Error: ")
    # The same list loaded whole (a reload, a link) focuses the summary when it opens.
    page.goto("/console/?queue=all&status=new&opened_from=2026-05-02&opened_to=2026-05-01")
    found = _one_summary_focused(page, heading=says["filter"])
    assert says["backwards"] in found["invalid"]["id_opened_to"], found["invalid"]
    assert page.errors == []
