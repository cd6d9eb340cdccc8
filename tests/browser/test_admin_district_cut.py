"""A city administrator adds its first ward over "Citywide", on a laptop and on a phone: the
page says what saving will do (Citywide cut, the share of the city each keeps) and keeps the
file; with the box checked and saved, without choosing the file again, Citywide keeps the rest
of the city and the ward is on the map."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import box, mapping

from civicdesk.accounts.models import Role
from civicdesk.tenants import services
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import District
from tests.browser.conftest import axe_violations, open_page, screenshot
from tests.browser.test_admin_district_retire import admin_sign_in, fits

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("width", [1280, 360])
def test_the_first_ward_is_cut_out_of_citywide_after_the_page_says_so(
    new_context, independence, make_staff, width, tmp_path
):
    admin = make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ind-admin")
    District.objects.filter(city=independence).update(retired_on=services.city_today(independence))
    District.objects.create(city=independence, name="Citywide", number=None, boundary=independence.boundary)
    limits = shape_from_geojson(independence.boundary)
    minx, miny, maxx, maxy = limits.bounds
    west = limits.intersection(box(minx, miny, (minx + maxx) / 2, maxy))
    ward_file = tmp_path / "ward-1.geojson"
    ward_file.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(west)}))

    page = open_page(new_context(viewport={"width": width, "height": 800}))
    admin_sign_in(page, admin.username, "/admin/tenants/district/add/")
    page.fill("#id_name", "Ward 1")
    page.fill("#id_number", "1")
    page.set_input_files("#id_boundary_file", str(ward_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()

    assert page.get_by_text(
        "With “Cut it out of the districts it lies over” checked, saving will do this:"
    ).first.is_visible()
    assert (
        page.locator("#id_boundary_file_error")
        .get_by_text("Citywide is cut: it keeps the rest of its area")
        .is_visible()
    )
    assert (
        page.locator("#id_boundary_file_error")
        .get_by_text("The file ward-1.geojson is kept: you need not choose it again.", exact=False)
        .is_visible()
    )
    assert page.input_value("#id_name") == "Ward 1"
    fits(page)
    screenshot(page, f"admin-district-cut-told-{width}")
    assert [v for v in axe_violations(page) if ".breadcrumbs >" not in v] == []

    page.get_by_label("Cut it out of the districts it lies over").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text("Citywide was cut: it keeps the rest of its area").is_visible()
    fits(page)
    screenshot(page, f"admin-district-cut-saved-{width}")
    current = District.objects.filter(city=independence, retired_on__isnull=True).order_by("name")
    assert [d.name for d in current] == ["Citywide", "Ward 1"]
    assert page.errors == []
