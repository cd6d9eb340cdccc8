"""A resident on a phone who chooses their district in the alerts form, without first ticking
"A council district", gets alerts of that district: choosing it ticks the radio (and choosing a
distance ticks "Around a point"). Before, "The whole city" stayed ticked and the alert was set
for the whole city. Done with the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.notifications.models import AreaKind, AreaSubscription
from civicdesk.tenants.models import City
from tests.browser.conftest import DESKTOP, open_page, screenshot
from tests.browser.test_alerts_address import _tab_to

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 740}, DESKTOP], ids=["360", "1280"])
def test_choosing_a_district_means_alerts_of_that_district(
    new_context: Any, cities: dict[str, City], catalogue: Any, viewport: dict[str, int]
) -> None:
    city = cities["blue-springs"]
    second = city.districts.order_by("number", "name")[1]
    page = open_page(new_context(viewport=viewport))
    page.goto("/blue-springs/alerts/")
    assert page.is_checked("input[name=area][value=city]")

    # A distance chosen first means "Around a point"; the district chosen after wins.
    _tab_to(page, "#id_radius_m")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("input[name=area][value=radius]")
    _tab_to(page, "#id_email")
    page.keyboard.type("bea@example.org")
    _tab_to(page, "#id_district")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.input_value("#id_district") == str(second.pk)
    assert page.is_checked("input[name=area][value=district]")
    assert not page.is_checked("input[name=area][value=city]")
    screenshot(page, f"alerts-district-chosen-{viewport['width']}")

    _tab_to(page, "#alert-form button[type=submit]", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Almost done: we sent an email to bea@example.org." in page.inner_text("main")
    alert = AreaSubscription.objects.get(email="bea@example.org")
    assert (alert.area, alert.district_id) == (AreaKind.DISTRICT, second.pk)
    assert page.errors == []
