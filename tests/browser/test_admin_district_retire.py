"""A city administrator retires a council district from its page, on a laptop and on a phone:
the "Retire" control is on screen, its page asks for the day (today on the city's clock) and
explains what happens (a district with nothing attached in one line of the notice), and the
district's page then says it is retired and offers "Restore"."""

from __future__ import annotations

import pytest

from civicdesk.accounts.models import Role
from civicdesk.tenants import services
from civicdesk.tenants.models import District
from tests.browser.conftest import PASSWORD, axe_violations, open_page, screenshot

pytestmark = [pytest.mark.browser]


def admin_sign_in(page, username: str, next_url: str) -> None:
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")


def fits(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


@pytest.mark.parametrize("width", [1280, 360])
def test_a_city_admin_retires_a_district_from_its_page(new_context, independence, make_staff, width):
    admin = make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ind-admin")
    district = District.objects.get(city=independence, number=3)
    page = open_page(new_context(viewport={"width": width, "height": 800}))
    admin_sign_in(page, admin.username, f"/admin/tenants/district/{district.pk}/change/")

    retire = page.get_by_role("link", name="Retire", exact=True)
    assert retire.is_visible()
    box = retire.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    fits(page)
    screenshot(page, f"admin-district-retire-control-{width}")

    retire.click()
    page.wait_for_selector("#id_retired_on")
    today = services.city_today(independence)
    assert page.input_value("#id_retired_on") == today.isoformat()
    assert page.get_by_text("The cases already filed in it keep it").is_visible()
    assert page.get_by_text(f"kept as “District 3 (map until {today.isoformat()})”").is_visible()
    # Nothing is attached to it: the notice says so in one line, beside the button.
    assert page.locator("section.civicdesk-preview li").all_inner_texts() == [
        "Nothing is attached to District 3: no open case, no resident's alert. Retiring it moves nothing and "
        "emails nobody."
    ]
    fits(page)
    screenshot(page, f"admin-district-retire-page-{width}")
    # The admin's own breadcrumbs (links told apart by colour) are Django's, on every admin page.
    assert [v for v in axe_violations(page) if ".breadcrumbs >" not in v] == []

    with page.expect_navigation():
        page.get_by_role("button", name="Retire").click()
    assert page.get_by_text(f"District 3 was retired on {today.isoformat()}").is_visible()
    assert page.get_by_text(f"Retired on {today.isoformat()}: the cases filed in it keep it").is_visible()
    assert page.get_by_role("link", name="Restore to the current map").is_visible()
    fits(page)
    screenshot(page, f"admin-district-retired-{width}")
    district.refresh_from_db()
    assert district.retired_on == today
    assert page.errors == []
