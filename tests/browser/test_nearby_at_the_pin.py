"""On a phone, "Is this yours?" says a report on the resident's own pin is "right at your pin"
("justo en su marcador"), not "about 0 ft away", and one farther off by its distance; a case
whose address is at its point says "Matched to an address, at the point" on its public page
(phone) and in the console (desktop)."""

from __future__ import annotations

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import AddressSource, ServiceRequest
from tests.browser.conftest import DESKTOP, SCREENSHOTS, open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 360, "height": 800}


@pytest.mark.parametrize(
    ("language", "at_the_pin", "farther"),
    [("en", "right at your pin", "about 360 ft away"), ("es", "justo en su marcador", "a aproximadamente 360 pies")],
)
def test_a_report_on_the_residents_pin_is_right_at_it(new_context, catalogue, language, at_the_pin, farther):
    pothole = catalogue["independence"]["pothole"]
    lat, lng = INSIDE["independence"]
    here = services.case_create(
        service_type=pothole, lat=lat, lng=lng, description="Hole", attributes={"size": "small"}
    )
    there = services.case_create(
        service_type=pothole, lat=lat + 0.001, lng=lng, description="Hole", attributes={"size": "small"}
    )
    context = new_context(
        viewport=NARROW,
        geolocation={"latitude": lat, "longitude": lng},
        permissions=["geolocation"],
        extra_http_headers={"Accept-Language": language},
    )
    page = open_page(context)
    page.goto("/independence/report/")
    page.select_option("#id_service_type", value=str(pothole.pk))
    page.wait_for_selector("select[name=attr_size]")
    page.click("#use-location")
    page.wait_for_selector("#nearby .nearby-list")
    items = {
        text.split()[0]: " ".join(text.split()) for text in page.locator("#nearby .nearby-list li").all_inner_texts()
    }
    assert at_the_pin in items[here.reference]
    assert farther in items[there.reference]
    assert " 0 ft" not in items[here.reference] and " 0 pies" not in items[here.reference]
    page.locator("#nearby").scroll_into_view_if_needed()
    # Nothing of the list is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    screenshot(page, f"report-form-nearby-at-the-pin-360-{language}")
    page.locator("#nearby").screenshot(path=str(SCREENSHOTS / f"nearby-list-at-the-pin-360-{language}.png"))
    assert page.errors == []


def test_a_case_matched_to_its_address_reads_at_the_point_on_a_phone_and_in_the_console(
    new_context, catalogue, independence, make_staff
):
    pothole = catalogue["independence"]["pothole"]
    lat, lng = INSIDE["independence"]
    case = services.case_create(
        service_type=pothole, lat=lat, lng=lng, description="Hole", attributes={"size": "small"}
    )
    ServiceRequest.objects.filter(pk=case.pk).update(
        address="1234 S Noland Rd", address_source=AddressSource.MATCHED, address_distance_m=0.0
    )
    phone = open_page(new_context(viewport=NARROW))
    phone.goto(f"/independence/requests/{case.number}/")
    assert phone.inner_text(".where-how") == "Matched to an address, at the point"
    assert phone.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    screenshot(phone, "public-case-at-the-point-360")
    make_staff(independence, Role.SUPERVISOR, department=pothole.department, username="sue")
    desk = open_page(new_context(viewport=DESKTOP))
    desk.goto(f"/console/cases/independence/{case.number}/")
    sign_in(desk, "sue")
    assert desk.inner_text(".where-how") == "Matched to an address, at the point"
    screenshot(desk, "console-case-at-the-point-1280")
    assert phone.errors == [] and desk.errors == []
