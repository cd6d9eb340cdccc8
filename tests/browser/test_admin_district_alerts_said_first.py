"""A city administrator replaces the map by an import, and retires a district by hand, on a
laptop and on a phone: before anything is saved each page says how many residents' alerts will
move where (the import and "Retire" in a notice, "Check before importing" / "Check before
retiring", not among mistakes, with the button that does it, and the other districts covering
part of it named; "Retire" also its open cases and where new cases go); confirmed (the import's
file kept), the alerts move and the page says so."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from shapely.geometry import mapping

from civicdesk.accounts.models import Role
from civicdesk.cases.services import case_create
from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription
from civicdesk.tenants import services
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import District
from tests.admin.test_admin_district_cut import part
from tests.browser.conftest import axe_violations, open_page, screenshot
from tests.browser.test_admin_district_retire import admin_sign_in, fits

pytestmark = [pytest.mark.browser]


def alert_on(district: District, email: str) -> AreaSubscription:
    return AreaSubscription.objects.create(
        email=email,
        city=district.city,
        area=AreaKind.DISTRICT,
        district=district,
        on=AlertOn.NEW,
        confirmed_at=timezone.now(),
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_replacing_the_map_says_where_the_alerts_will_go_then_moves_them(
    new_context, independence, make_staff, width, tmp_path
):
    admin = make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ind-admin")
    District.objects.filter(city=independence).update(retired_on=services.city_today(independence))
    citywide = District.objects.create(city=independence, name="Citywide", number=None, boundary=independence.boundary)
    for email in ("ann@example.org", "ben@example.org"):
        alert_on(citywide, email)
    wards = {"Ward 1": part(independence, 0, 0.6), "Ward 2": part(independence, 0.6, 1)}
    new_map = tmp_path / "wards.geojson"
    features = [
        {"type": "Feature", "properties": {"name": name, "number": n}, "geometry": mapping(geom)}
        for n, (name, geom) in enumerate(wards.items(), 1)
    ]
    new_map.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    whole = part(independence, 0, 1)
    shares = {name: geom.intersection(whole).area / whole.area for name, geom in wards.items()}
    most = max(shares, key=lambda name: shares[name])

    page = open_page(new_context(viewport={"width": width, "height": 800}))
    admin_sign_in(page, admin.username, "/admin/tenants/district/import/")
    page.fill("#id_name_property", "name")
    page.set_input_files("#id_file", str(new_map))
    page.get_by_label("Replace the current map").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Import districts").click()
    # A preview, not a mistake: a notice headed in plain words, the button that imports in it.
    preview = page.locator("section.civicdesk-preview")
    assert page.locator(".error-summary").count() == 0
    assert not page.title().startswith("Error")
    assert preview.get_by_role("heading").inner_text() == (
        "Check before importing: nothing is imported yet, and importing will do this."
    )
    other = min(shares, key=lambda name: shares[name])
    assert preview.locator("li").all_inner_texts() == [
        f"2 residents' alerts of Citywide will move to “{most}”, which covers {shares[most]:.0%} of it; each "
        "resident is emailed what changed, with a link to change theirs.",
        f"Also covering part of it, named in the email: “{other}” ({shares[other]:.0%}).",
    ]
    assert preview.get_by_text("The file wards.geojson is kept: you need not choose it again.").is_visible()
    confirm = preview.get_by_role("button", name="Replace the map")
    assert confirm.is_visible()
    # Red is for mistakes: the notice is not drawn in the error colour.
    colour = preview.evaluate("e => getComputedStyle(e).borderTopColor")
    error = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--error-fg')")
    assert colour.replace(" ", "") not in {"rgb(186,33,33)", error.strip()}
    fits(page)
    screenshot(page, f"admin-district-import-alerts-told-{width}")
    assert [v for v in axe_violations(page) if ".breadcrumbs >" not in v] == []
    assert AreaSubscription.objects.filter(district=citywide).count() == 2
    assert not District.objects.filter(city=independence, name=most).exists()

    with page.expect_navigation():
        confirm.click()
    assert page.get_by_text(
        f"2 residents' alerts of Citywide now follow “{most}”; each resident is emailed what changed."
    ).is_visible()
    ward = District.objects.get(city=independence, name=most, retired_on__isnull=True)
    assert set(AreaSubscription.objects.values_list("district_id", flat=True)) == {ward.pk}
    assert page.errors == []


@pytest.mark.parametrize("width", [1280, 360])
def test_the_retire_page_says_what_retiring_does_in_a_notice_with_its_button(
    new_context, independence, make_staff, width, trash
):
    admin = make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ind-admin")
    district = District.objects.get(city=independence, number=1, retired_on__isnull=True)
    lng, lat = shape_from_geojson(district.boundary).representative_point().coords[0]
    case_create(service_type=trash, lat=lat, lng=lng, description="Bags by the curb")
    alert_on(district, "ann@example.org")

    page = open_page(new_context(viewport={"width": width, "height": 800}))
    admin_sign_in(page, admin.username, f"/admin/tenants/district/{district.pk}/retire/")
    # A preview, not a mistake: the import's notice, read from its heading, the day and the
    # button that retires in it.
    preview = page.locator("section.civicdesk-preview")
    assert page.locator(".error-summary").count() == 0
    assert not page.title().startswith("Error")
    assert preview.get_by_role("heading").inner_text() == (
        "Check before retiring: nothing is retired yet, and retiring will do this."
    )
    assert preview.locator("li").all_inner_texts() == [
        "1 open case filed in District 1 keeps it: it is worked as before, and the reports count it there.",
        "1 resident's alert of District 1 will stay on it, since no district covers it: it will tell of no new "
        "report. The resident is emailed, with a link to change it.",
        "No district still on the map covers any of its area: a new case there is placed in no district until one "
        "does (add it, or import the new map).",
    ]
    assert page.evaluate("document.activeElement.id") == "retire-preview"
    assert preview.get_by_label("Retired on").input_value() == services.city_today(independence).isoformat()
    confirm = preview.get_by_role("button", name="Retire", exact=True)
    assert confirm.is_visible()
    box, area = confirm.bounding_box(), preview.bounding_box()
    assert area["x"] <= box["x"] and box["x"] + box["width"] <= area["x"] + area["width"] <= width
    colour = preview.evaluate("e => getComputedStyle(e).borderTopColor")
    error = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--error-fg')")
    assert colour.replace(" ", "") not in {"rgb(186,33,33)", error.strip()}
    screenshot(page, f"admin-district-retire-alerts-told-{width}")
    fits(page)
    assert [v for v in axe_violations(page) if ".breadcrumbs >" not in v] == []
    with page.expect_navigation():
        confirm.click()
    assert page.get_by_text(
        "1 resident's alert of District 1 stays on it, since no district covers it; the resident is emailed."
    ).is_visible()
    assert AreaSubscription.objects.get().district_id == district.pk
    assert page.errors == []


@pytest.mark.parametrize("width", [1280, 360])
def test_a_ward_uploaded_with_the_box_checked_says_what_saving_will_do_in_a_notice(
    new_context, independence, make_staff, width, tmp_path
):
    admin = make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ind-admin")
    District.objects.filter(city=independence).update(retired_on=services.city_today(independence))
    District.objects.create(city=independence, name="Citywide", number=None, boundary=independence.boundary)
    ward_file = tmp_path / "ward-1.geojson"
    ward_file.write_text(
        json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(part(independence, 0, 0.5))})
    )

    page = open_page(new_context(viewport={"width": width, "height": 800}))
    admin_sign_in(page, admin.username, "/admin/tenants/district/add/")
    page.fill("#id_name", "Ward 1")
    page.fill("#id_number", "1")
    page.set_input_files("#id_boundary_file", str(ward_file))
    page.get_by_label("Cut it out of the districts it lies over").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()

    preview = page.locator("section.civicdesk-preview")
    assert page.locator(".error-summary").count() == 0 and page.locator("#id_boundary_file_error").count() == 0
    assert preview.get_by_role("heading").inner_text() == (
        "Check before saving: nothing is saved yet, and saving will do this."
    )
    assert preview.get_by_text("Citywide is cut: it keeps the rest of its area", exact=False).is_visible()
    assert page.evaluate("document.activeElement.id") == "save-preview"
    fits(page)
    screenshot(page, f"admin-district-upload-preview-{width}")
    assert [v for v in axe_violations(page) if ".breadcrumbs >" not in v] == []
    assert not District.objects.filter(city=independence, name="Ward 1").exists()

    with page.expect_navigation():
        preview.get_by_role("button", name="Save and cut it out").click()
    assert page.get_by_text("Citywide was cut: it keeps the rest of its area", exact=False).is_visible()
    assert District.objects.filter(city=independence, name="Ward 1", retired_on__isnull=True).exists()
    assert page.errors == []
