"""The "Not placed" queue in a browser at 1280 px: a worker picks the place an ambiguous
address means, or types an address on the place page and picks it from the list; the pages
pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import Channel
from tests.browser.conftest import axe_violations, screenshot, sign_in, type_address
from tests.placing.conftest import gazetteer  # noqa: F401  (the small gazetteer, reused)

pytestmark = pytest.mark.browser


def test_a_worker_places_an_ambiguous_address_from_the_not_placed_queue(
    page,
    site,
    gazetteer,  # noqa: F811 (the fixture imported above)
    trash,
    make_staff,
):
    make_staff(trash.city, Role.WORKER, department=trash.department, username="wanda")
    ambiguous = services.case_create(
        service_type=trash, city=trash.city, channel=Channel.PHONE, address="1234 Noland Rd", description="Sofa"
    )
    services.case_create(
        service_type=trash, city=trash.city, channel=Channel.EMAIL, address="77 Nowhere Ln", description="Bags"
    )
    page.goto(f"{site}/console/login/")
    sign_in(page, "wanda")
    page.get_by_role("link", name="Not placed").click()
    page.wait_for_url("**/console/not-placed/")
    assert page.get_by_role("heading", name=f"{ambiguous.reference} · Trash/Rubbish").is_visible()
    screenshot(page, "console-not-placed-1280")
    assert axe_violations(page) == []
    with page.expect_navigation(url="**/console/not-placed/"):  # the same URL: wait for the new page
        page.get_by_role(
            "button", name=f"Place at 1234 S Noland Rd (Independence 64055 · {ambiguous.reference})"
        ).click()
    assert f"{ambiguous.reference} placed at 1234 S Noland Rd" in page.content()
    assert page.get_by_role("heading", name=f"{ambiguous.reference} · Trash/Rubbish").count() == 0
    page.get_by_role("link", name="by an address, on the map or by its coordinates").first.click()
    # A link's click returns before the next page is there: wait for it (is_visible() does not).
    page.wait_for_url(re.compile(r"/place/\?next="))
    expect(page.get_by_label("Latitude")).to_be_visible()
    screenshot(page, "console-place-1280")
    assert axe_violations(page) == []
    assert page.errors == []


def test_a_supervisor_places_a_case_by_typing_an_address_and_picking_it(
    page,
    site,
    gazetteer,  # noqa: F811 (the fixture imported above)
    trash,
    make_staff,
):
    make_staff(trash.city, Role.SUPERVISOR, department=trash.department, username="sam")
    case = services.case_create(
        service_type=trash, city=trash.city, channel=Channel.PHONE, address="77 Nowhere Ln", description="Bags"
    )
    page.goto(f"{site}/console/login/")
    sign_in(page, "sam")
    page.goto(f"{site}/console/cases/{case.city.slug}/{case.number}/place/")
    page.wait_for_selector("#place-map.leaflet-container")
    # Nothing chosen: the page says what is missing, and keeps what was typed.
    page.fill("#place-address", "1248 S Noland")
    page.get_by_role("button", name="Place the case here").click()
    page.wait_for_selector("#error-summary")
    assert "Choose the place on the map or pick an address from the list." in page.inner_text("#error-summary")
    # The summary of mistakes has the focus (civicdesk/core/forms.py), and links to the address.
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#error-summary a[href='#place-address']").count() == 1
    box = page.locator("#place-address")
    box.fill("")
    type_address(page, "1248 s nol", box=box)
    page.wait_for_selector("#place-address-list [role=option]")
    box.press("ArrowDown")
    box.press("Enter")
    assert page.input_value("#place-lat") != "" and page.inner_text("#place-pin-address") == "Near 1248 S Noland Rd"
    screenshot(page, "console-place-address-chosen-1280")
    assert axe_violations(page) == []
    with page.expect_navigation(url="**/console/not-placed/"):
        page.get_by_role("button", name="Place the case here").click()
    assert f"{case.reference} placed at 1248 S Noland Rd" in page.content()
    case.refresh_from_db()
    assert case.address == "1248 S Noland Rd" and case.lat is not None
    assert page.errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_place_button_names_its_case_address_and_city(
    new_context,
    site,
    gazetteer,  # noqa: F811 (the fixture imported above)
    trash,
    make_staff,
    language,
):
    """150 Main St is in Independence and in Blue Springs: the two buttons that place the case
    there say which city each one means (placing it in Blue Springs asks Blue Springs to take
    it), and no two buttons of the page have the same name."""
    make_staff(trash.city, Role.SUPERVISOR, department=trash.department, username="sam")
    case = services.case_create(
        service_type=trash, city=trash.city, channel=Channel.PHONE, address="150 Main St", description="Sofa"
    )
    page = new_context(extra_http_headers={"Accept-Language": language}).new_page()
    page.goto(f"{site}/console/login/")
    sign_in(page, "sam")
    page.goto(f"{site}/console/not-placed/")
    names = [
        b.get_attribute("aria-label") or b.evaluate("b => b.textContent")
        for b in page.locator("ul.candidates button").all()
    ]
    snapshot = page.locator("ul.candidates").first.aria_snapshot()
    place = "Place at" if language == "en" else "Ubicar en"
    assert f'button "{place} 150 Main St (Independence 64050 · {case.reference})"' in snapshot
    assert f'button "{place} 150 Main St (Blue Springs 64015 · {case.reference})"' in snapshot
    assert len(names) == len(set(names)) == 2
