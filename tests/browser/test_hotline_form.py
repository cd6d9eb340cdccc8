"""Choosing the hotline on the report form: its confidentiality notice appears under the
problem type, above the map, and the contact section promises only what the hotline does;
choosing an ordinary problem again brings the ordinary words back."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_choosing_the_hotline_shows_its_notice_first_and_its_own_promises(page, catalogue):
    page.goto("/independence/report/")
    assert "tracking link" in page.inner_text("#contact-help")
    page.select_option("#id_service_type", label="Elder abuse")
    page.wait_for_selector(".confidential-notice")

    notice = page.locator(".confidential-notice").bounding_box()
    where = page.locator("#where").bounding_box()
    assert notice["y"] + notice["height"] <= where["y"]  # read before the address, the map, the details
    assert "tracking link" not in page.inner_text("main")
    assert "never say what was written" in page.inner_text("#contact-help")
    assert page.inner_text("#id_notify_reporter_label") == "Email me when there is a reply"
    screenshot(page, "report-form-hotline")

    page.select_option("#id_service_type", label="Graffiti")
    page.wait_for_selector(".confidential-notice", state="detached")
    assert "tracking link" in page.inner_text("#contact-help")
    assert page.inner_text("#id_notify_reporter_label") == "Email me when the city updates this report"
    assert page.errors == []
