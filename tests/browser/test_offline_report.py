"""A report made without signal (the phone's app, offline) is kept on the device and sent
when the connection returns; the resident sees that it was sent, and it is sent once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicdesk.cases.models import Channel, ServiceRequest
from tests.browser.conftest import PHONE, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_report_made_offline_is_sent_once_when_the_signal_returns(new_context, catalogue):
    page = open_page(new_context(viewport=PHONE))
    page.goto("/independence/report/")
    # The service worker must have the pages before the signal goes.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # not wait_for_function: CSP forbids eval
    page.select_option("#id_service_type", label="Pothole")
    page.wait_for_selector("select[name=attr_size]")
    page.select_option("select[name=attr_size]", "large")
    page.locator("#report-map").scroll_into_view_if_needed()
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")  # the city limits
    page.locator("#report-map").click()
    assert page.input_value("#id_lat") != ""
    page.wait_for_selector("input[name=nearby_checked]", state="attached")
    page.fill("#id_description", "Hole by the school")

    page.context.set_offline(True)
    page.click("button.primary")
    page.wait_for_selector("#queue-status p")
    assert "saved on this device" in page.inner_text("#queue-status")
    screenshot(page, "report-saved-offline-phone")
    assert ServiceRequest.objects.count() == 0

    page.context.set_offline(False)
    expect(page.locator("#queue-status")).to_contain_text("Sent:", timeout=15_000)
    case = ServiceRequest.objects.get()
    assert f"Sent: your report {case.reference}." in page.inner_text("#queue-status")
    assert (case.channel, case.description, case.attributes["size"]) == (Channel.MOBILE, "Hole by the school", "large")

    # Coming back later (another page load) sends nothing twice.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert ServiceRequest.objects.count() == 1
    assert page.errors == []
