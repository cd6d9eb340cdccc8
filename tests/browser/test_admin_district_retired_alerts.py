"""A city administrator uploads a ward that covers all of "Citywide", on a laptop and on a
phone: before saving, the page says how many residents' alerts of Citywide will move to the
ward; saved, it says they now follow it, and the alerts do."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription
from civicdesk.tenants import services
from civicdesk.tenants.models import District
from tests.browser.conftest import axe_violations, open_page, screenshot
from tests.browser.test_admin_district_retire import admin_sign_in, fits

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("width", [1280, 360])
def test_a_ward_over_all_of_citywide_says_where_its_alerts_will_go_then_moves_them(
    new_context, independence, make_staff, width, tmp_path
):
    admin = make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ind-admin")
    District.objects.filter(city=independence).update(retired_on=services.city_today(independence))
    citywide = District.objects.create(city=independence, name="Citywide", number=None, boundary=independence.boundary)
    for email in ("ann@example.org", "ben@example.org"):
        AreaSubscription.objects.create(
            email=email,
            city=independence,
            area=AreaKind.DISTRICT,
            district=citywide,
            on=AlertOn.NEW,
            confirmed_at=timezone.now(),
        )
    ward_file = tmp_path / "ward-1.geojson"
    ward_file.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": independence.boundary}))

    page = open_page(new_context(viewport={"width": width, "height": 800}))
    admin_sign_in(page, admin.username, "/admin/tenants/district/add/")
    page.fill("#id_name", "Ward 1")
    page.fill("#id_number", "1")
    page.set_input_files("#id_boundary_file", str(ward_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()

    told = page.locator("#id_boundary_file_error")
    assert told.get_by_text("Citywide is retired: “Ward 1” covers all of it.", exact=False).is_visible()
    assert told.get_by_text(
        "2 residents' alerts of Citywide will move to “Ward 1”, which covers 100% of it; each resident is emailed "
        "what changed, with a link to change theirs."
    ).is_visible()
    fits(page)
    screenshot(page, f"admin-district-retired-alerts-told-{width}")
    assert [v for v in axe_violations(page) if ".breadcrumbs >" not in v] == []
    assert AreaSubscription.objects.filter(district=citywide).count() == 2

    page.get_by_label("Cut it out of the districts it lies over").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text(
        "2 residents' alerts of Citywide now follow “Ward 1”; each resident is emailed what changed."
    ).is_visible()
    fits(page)
    screenshot(page, f"admin-district-retired-alerts-saved-{width}")
    ward = District.objects.get(city=independence, name="Ward 1")
    assert set(AreaSubscription.objects.values_list("district_id", flat=True)) == {ward.pk}
    assert page.errors == []
