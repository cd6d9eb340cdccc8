"""The admin's service type page fits a 1280 px screen with its questions: every box of every
question (choices, description, delete) is on screen, none beyond the right edge."""

from __future__ import annotations

import pytest

from civicdesk.accounts.models import Role
from civicdesk.catalog.models import ServiceAttribute
from tests.browser.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser]


def test_a_type_with_questions_fits_1280_px_and_shows_its_choices_one_a_line(
    page, site, independence, make_staff, make_service_type
):
    admin = make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ind-admin")
    stray = make_service_type(independence, "animal-stray", name="Stray or loose animal")
    ServiceAttribute.objects.create(
        service_type=stray,
        code="animal-kind",
        question="What kind of animal?",
        description="Pick the closest; say more in the description.",
        datatype="singlevaluelist",
        required=True,
        values=[{"key": "dog", "name": "Dog"}, {"key": "livestock", "name": "Livestock (horse, cow, goat)"}],
        order=1,
    )
    ServiceAttribute.objects.create(
        service_type=stray, code="aggressive", question="Is it behaving aggressively?", datatype="singlevaluelist",
        values=[{"key": "yes", "name": "Yes"}, {"key": "no", "name": "No"}], order=2,
    )  # fmt: skip

    page.goto(f"/admin/login/?next=/admin/catalog/servicetype/{stray.pk}/change/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.wait_for_selector("#attributes-group")
    screenshot(page, "admin-service-type-questions-1280")

    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"
    beyond = page.evaluate(
        """() => [...document.querySelectorAll('#attributes-group input, #attributes-group select,'
                                              + ' #attributes-group textarea, #attributes-group label')]
              .filter(e => e.type !== 'hidden' && e.getBoundingClientRect().width > 0)
              .filter(e => e.getBoundingClientRect().right > window.innerWidth)
              .map(e => (e.name || e.htmlFor || e.textContent) + ' ends at ' + e.getBoundingClientRect().right)"""
    )
    assert beyond == []
    for field in ("values", "description", "DELETE"):
        assert page.locator(f"[name='attributes-0-{field}']").is_visible()
    assert (
        page.locator("[name='attributes-0-values']").input_value()
        == "dog: Dog\nlivestock: Livestock (horse, cow, goat)"
    )
    assert page.errors == []
