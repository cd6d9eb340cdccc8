"""The portal's JavaScript in a real browser (Debian's Chromium through Playwright): the map
pin, the questions and nearby reports swapped in by htmx, and a report made without signal
sent when the connection returns."""

from __future__ import annotations

import os

import pytest

from civicdesk.cases.models import Channel, ServiceRequest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        browser.close()


def test_a_report_placed_on_the_map_and_sent_after_the_signal_returns(page, live_server, catalogue):
    page.goto(live_server.url + "/independence/report/")
    page.select_option("#id_service_type", label="Pothole")
    page.wait_for_selector("select[name=attr_size]")
    page.select_option("select[name=attr_size]", "large")
    page.locator("#report-map").scroll_into_view_if_needed()
    page.wait_for_selector("#report-map path.leaflet-interactive, #report-map svg path", state="attached")
    page.locator("#report-map").click()
    assert page.input_value("#id_lat") != ""
    page.wait_for_selector("input[name=nearby_checked]", state="attached")
    page.fill("#id_description", "Hole by the school")
    page.context.set_offline(True)
    page.click("button.primary")
    page.wait_for_selector("#queue-status p")
    assert "saved on this device" in page.inner_text("#queue-status")
    assert ServiceRequest.objects.count() == 0
    page.context.set_offline(False)
    page.wait_for_function("document.querySelector('#queue-status').innerText.includes('Sent:')", timeout=15000)
    case = ServiceRequest.objects.get()
    assert f"Sent: your report {case.reference}." in page.inner_text("#queue-status")
    assert (case.channel, case.description, case.attributes["size"]) == (Channel.MOBILE, "Hole by the school", "large")
    assert page.errors == []
