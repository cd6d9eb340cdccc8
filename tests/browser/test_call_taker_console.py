"""A call taker in Chromium: Enter in the address box never saves the case (it waits for the
search and highlights the first address found, and a second Enter takes it), the box has
one list of addresses, not two; the resident's report form behaves the same; and the
region's figures fit a 360-px phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from tests.browser.conftest import DESKTOP, address_search_for, open_page, screenshot, sign_in
from tests.browser.test_address_box import LAT, LNG, NORTH_PER_NUMBER, gazetteer  # noqa: F401  (the same streets)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 740}


def _caller_typed(page: Any) -> dict[str, str]:
    return {box: page.input_value(box) for box in ("#id_reporter_name", "#id_reporter_phone", "#id_description")}


def test_enter_in_the_address_box_takes_an_address_and_never_saves_the_case(
    new_context: Any,
    gazetteer: Any,  # noqa: F811
    catalogue: Any,
    make_staff: Any,
) -> None:
    make_staff(gazetteer, Role.CALL_TAKER, username="cal")
    page = open_page(new_context(viewport=DESKTOP))
    page.goto("/console/new/")
    sign_in(page, "cal")
    page.wait_for_url("**/console/new/")
    page.wait_for_selector("#new-case-map .leaflet-overlay-pane path", state="attached")
    # One combobox on the box: one list, one status region.
    assert page.locator("[role=listbox]").count() == 1
    assert page.locator("#id_address-count").count() == 1
    # The form's disabled first button (it takes Enter) is not drawn on the page.
    unseen = page.locator("#new-case-form button[disabled]").evaluate(
        "b => { const s = getComputedStyle(b); return s.display === 'none' || s.clip === 'rect(0px, 0px, 0px, 0px)'; }"
    )
    assert unseen

    page.select_option("#id_service_type", label="Pothole")
    page.wait_for_selector("#id_attr_size")
    page.select_option("#id_attr_size", label="Larger than a plate")
    page.fill("#id_description", "A hole by the kerb, the caller's tyre burst")
    page.fill("#id_reporter_name", "Cal Caller")
    page.fill("#id_reporter_phone", "816-555-0101")
    typed = _caller_typed(page)

    # Part of an address and Enter at once, before any suggestion is shown.
    box = page.locator("#id_address")
    box.click()
    box.press_sequentially("1240 s nol", delay=10)
    box.press("Enter")
    # The search's first address is highlighted, not taken, and nothing was sent.
    expect(box).to_have_attribute("aria-activedescendant", "id_address-option-0")
    assert page.url.endswith("/console/new/") and ServiceRequest.objects.count() == 0
    assert page.input_value("#id_address") == "1240 s nol" and _caller_typed(page) == typed
    assert page.locator("#id_address-list [role=option]").count() == 1  # 1240 S Noland, once (not twice)
    screenshot(page, "call-taker-enter-highlights-1280")

    box.press("Enter")  # takes it
    assert page.input_value("#id_address") == "1240 S Noland Rd"
    assert abs(float(page.input_value("#id_lat")) - (LAT + 6 * NORTH_PER_NUMBER)) < 1e-6
    box.press("Enter")  # an address taken: nothing more to do
    page.wait_for_timeout(300)
    # Enter in the caller's phone saves nothing either: the Save button does.
    page.press("#id_reporter_phone", "Enter")
    page.wait_for_timeout(300)
    assert ServiceRequest.objects.count() == 0 and page.url.endswith("/console/new/")

    # Words that find nothing: Enter does nothing, and says nothing was found.
    box.fill("")
    box.press_sequentially("zzqx", delay=10)
    box.press("Enter")
    expect(page.locator("#id_address-count")).to_have_text("No address found.")
    page.wait_for_timeout(300)
    assert ServiceRequest.objects.count() == 0 and _caller_typed(page) == typed

    box.fill("")
    # Until the answer for the whole words: one for fewer (a late key) would be replaced under
    # the keys below.
    with page.expect_response(address_search_for("1240 s nol")) as answer:
        page.locator("#id_address").press_sequentially("1240 s nol", delay=10)
        box.press("ArrowDown")  # also once the list is there (the key waits for nothing)
    answer.value.finished()
    page.wait_for_selector("#id_address-list [role=option]")
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value("1240 S Noland Rd")
    page.get_by_role("button", name="Save the case").click()
    page.wait_for_url("**/console/cases/independence/*/")
    case = ServiceRequest.objects.get()
    assert (case.address, case.reporter_name, case.reporter_phone) == ("1240 S Noland Rd", "Cal Caller", "816-555-0101")
    assert page.errors == []


def test_enter_in_the_residents_address_box_waits_for_the_address_and_sends_nothing(
    new_context: Any,
    gazetteer: Any,  # noqa: F811
    catalogue: Any,
) -> None:
    page = open_page(new_context(viewport=PHONE_360))
    page.goto("/independence/report/")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    page.fill("#id_description", "A hole by the kerb")
    page.fill("#id_reporter_email", "rita@example.org")
    assert page.locator("[role=listbox]").count() == 1
    box = page.locator("#id_address")
    box.click()
    box.press_sequentially("1234 nol", delay=10)
    box.press("Enter")
    expect(box).to_have_attribute("aria-activedescendant", "id_address-option-0")
    assert page.url.endswith("/independence/report/") and ServiceRequest.objects.count() == 0
    box.press("Enter")
    assert box.input_value() == "1234 S Noland Rd"
    assert page.inner_text("#pin-address") == "Near 1234 S Noland Rd"
    assert page.input_value("#id_description") == "A hole by the kerb"
    assert ServiceRequest.objects.count() == 0
    assert page.errors == []


def test_the_regions_figures_fit_a_360_px_phone(new_context: Any, cities: Any, make_staff: Any) -> None:
    make_staff(None, Role.REGIONAL_ADMIN, username="reggie")
    page = open_page(new_context(viewport=PHONE_360))
    page.goto("/console/region/")
    sign_in(page, "reggie")
    page.wait_for_url("**/console/region/")
    screenshot(page, "region-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    # The table scrolls in its own box, which says so with a shadow at its edge and takes the keyboard.
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("b => b.scrollWidth > b.clientWidth")
    assert "radial-gradient" in wrap.evaluate("b => getComputedStyle(b).backgroundImage")
    assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
    # What the table is about is read whole, not cut at the screen's edge with the table.
    said = page.locator("#region-caption")
    assert said.inner_text() == "Counts only; cases are read by each city's staff."
    assert said.evaluate("p => p.getBoundingClientRect().right") <= PHONE_360["width"]
    for city in ("Independence", "Raytown"):
        assert city in page.inner_text("table")
    assert page.errors == []


def test_a_second_caller_with_no_email_is_recorded_on_the_case_already_open(
    new_context: Any,
    gazetteer: Any,  # noqa: F811
    catalogue: Any,
    make_staff: Any,
) -> None:
    from civicdesk.cases.models import CaseEvent, EventKind
    from civicdesk.cases.services import case_create

    first = case_create(
        service_type=catalogue["independence"]["graffiti"],
        description="Tags on the wall",
        lat=LAT,
        lng=LNG,
        reporter_email="first@example.org",
        attributes={},
    )
    make_staff(gazetteer, Role.CALL_TAKER, username="cal")
    page = open_page(new_context(viewport=PHONE_360))
    page.goto("/console/new/")
    sign_in(page, "cal")
    page.wait_for_url("**/console/new/")
    page.select_option("#id_service_type", label="Graffiti")
    page.fill("#id_description", "More tags, on the side wall now")
    page.fill("#id_lat", str(first.lat))
    page.fill("#id_lng", str(first.lng))
    page.dispatch_event("#id_lng", "change")
    page.fill("#id_reporter_name", "Walk-in Wanda")
    page.fill("#id_reporter_phone", "816-555-0142")
    page.dispatch_event("#id_reporter_phone", "change")
    record = page.get_by_role("button", name=f"Record this call on {first.reference}")
    expect(record).to_be_visible()
    screenshot(page, "call-taker-record-call-360")
    record.click()
    page.wait_for_url(f"**/console/cases/independence/{first.number}/")
    assert f"The call is recorded on {first.reference}" in page.inner_text("main")
    assert ServiceRequest.objects.count() == 1
    note = CaseEvent.objects.get(case=first, kind=EventKind.INTERNAL_NOTE)
    assert note.text == (
        "Another call about this: Walk-in Wanda, 816-555-0142. The caller said: More tags, on the side wall now"
    )
    assert page.errors == []
