"""A resident on a phone reports a pothole with a photo, then tracks it."""

from __future__ import annotations

import pytest

from civicdesk.cases.models import Channel, ServiceRequest, Status
from tests.browser.conftest import PHONE, delivered_mail, jpeg_file, link_in, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_resident_reports_a_pothole_with_a_photo_on_a_phone_and_tracks_it(new_context, site, catalogue, tmp_path):
    page = open_page(new_context(viewport=PHONE))
    page.goto("/independence/")
    screenshot(page, "city-home-phone")
    page.goto("/independence/report/")

    page.select_option("#id_service_type", label="Pothole")
    page.wait_for_selector("select[name=attr_size]")  # the type's questions, swapped in
    page.locator("#report-map").scroll_into_view_if_needed()
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")  # the city limits
    page.locator("#report-map").click()
    assert "Pin placed at" in page.inner_text("#pin-status")
    page.wait_for_selector("input[name=nearby_checked]", state="attached")  # "is this yours?" checked

    page.select_option("select[name=attr_size]", "large")
    page.check("input[name=attr_lanes][value=right]")
    page.fill("input[name=attr_depth]", "4")
    page.fill("#id_description", "A deep hole in the right lane, by the school gate")
    page.set_input_files("#id_photos", str(jpeg_file(tmp_path)))
    page.fill("#id_reporter_name", "Rita Reporter")
    page.fill("#id_reporter_email", "rita@example.org")
    screenshot(page, "report-form-filled-phone")
    page.click("button.primary")

    page.wait_for_url("**/report/sent/**")
    case = ServiceRequest.objects.get()
    assert page.inner_text("h1") == f"Thank you: your report is {case.reference}"
    screenshot(page, "confirmation-phone")
    assert (case.channel, case.city.slug, case.service_type.name) == (Channel.WEB, "independence", "Pothole")
    assert case.attributes == {"size": "large", "lanes": ["right"], "depth": 4}
    assert case.photos.count() == 1
    assert case.reporter_email == "rita@example.org"

    # The acknowledgement carries the same tracking link the confirmation page shows.
    (ack,) = [m for m in delivered_mail() if m.to == ["rita@example.org"]]
    tracking = link_in(ack, f"{site}/track/")
    assert page.get_attribute(f"a[href='{tracking}']", "href") == tracking

    page.click(f"a[href='{tracking}']")
    page.wait_for_url(tracking)
    assert page.inner_text("h1 .badge") == Status.NEW.label
    assert "A deep hole in the right lane" in page.inner_text("main")
    assert page.locator(".photos img").count() == 1
    # The tracking page never shows the resident's own details to whoever holds the link.
    assert "rita@example.org" not in page.content()
    screenshot(page, "tracking-phone")
    assert page.errors == []
