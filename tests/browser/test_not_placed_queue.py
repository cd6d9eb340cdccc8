"""The "Not placed" queue in a browser at 1280 px: a worker picks the place an ambiguous
address means; the page passes axe before and after."""

from __future__ import annotations

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import Channel
from tests.browser.conftest import axe_violations, screenshot, sign_in
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
        page.get_by_role("button", name=f"Place at 1234 S Noland Rd ({ambiguous.reference})").click()
    assert f"{ambiguous.reference} placed at 1234 S Noland Rd" in page.content()
    assert page.get_by_role("heading", name=f"{ambiguous.reference} · Trash/Rubbish").count() == 0
    page.get_by_role("link", name="by its coordinates or on the map").first.click()
    assert page.get_by_label("Latitude").is_visible()
    screenshot(page, "console-place-1280")
    assert axe_violations(page) == []
    assert page.errors == []
