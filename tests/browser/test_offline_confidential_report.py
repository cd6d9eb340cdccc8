"""A confidential report made without signal: when the app sends it, the resident is shown
its access code with the confirmation page's words, and the code stays on screen (even on
later pages) until the resident says it is written down."""

from __future__ import annotations

import pytest

from civicdesk.cases.models import ServiceRequest
from civicdesk.notifications.confidential import confidential_case_by_code
from tests.browser.conftest import PHONE, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WRITE_IT_DOWN = "Write it down or keep it somewhere safe: it is shown only this once"


def test_a_confidential_report_sent_from_the_queue_shows_its_access_code_until_dismissed(new_context, catalogue):
    page = open_page(new_context(viewport=PHONE))
    page.goto("/independence/report/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # not wait_for_function: CSP forbids eval
    page.select_option("#id_service_type", label="Elder abuse")
    page.wait_for_selector(".confidential-notice")
    page.fill("#id_description", "The care home bills for visits that never happen")

    page.context.set_offline(True)
    page.click("button.primary")
    page.wait_for_selector("#queue-status p")
    assert "saved on this device" in page.inner_text("#queue-status")
    assert ServiceRequest.objects.count() == 0

    page.context.set_offline(False)
    page.wait_for_selector("#queue-status .access-code", timeout=15_000)
    case = ServiceRequest.objects.get()
    shown = page.inner_text("#queue-status")
    code = page.inner_text("#queue-status .access-code").strip()
    assert "Sent: your confidential report." in shown and WRITE_IT_DOWN in shown
    assert confidential_case_by_code(code) == case
    assert case.reference not in shown and "undefined" not in shown
    assert page.get_attribute("#queue-status a", "href") == "/confidential/"
    screenshot(page, "confidential-code-from-queue-phone")

    # Still there on the next page, until the resident says it is written down.
    page.goto("/independence/")
    page.wait_for_selector("#queue-status .access-code")
    assert page.inner_text("#queue-status .access-code").strip() == code
    page.get_by_role("button", name="I have written it down").click()
    page.wait_for_selector("#queue-status .access-code", state="detached")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert code not in page.inner_text("body")
    assert ServiceRequest.objects.count() == 1
    assert page.errors == []
