"""The admin confines a city administrator to their own city, lets a regional administrator
read every city's settings but no resident's case, and lets nobody rewrite the audit log.

Every test drives the real admin through Django's test client, logged in as that user.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.cases.models import CaseEvent, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City, Department, District
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.django_db

KC_MAP = SHARED_DATA / "geo" / "kcmo_council_districts_2012" / "KCCoucilDistrict_2012.geojson"
NO_INLINES = {
    "attributes-TOTAL_FORMS": "0",
    "attributes-INITIAL_FORMS": "0",
    "attributes-MIN_NUM_FORMS": "0",
    "attributes-MAX_NUM_FORMS": "1000",
}


def changelist(client: Client, model: str) -> str:
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    return response.content.decode()


def change_url(obj: object) -> str:
    meta = obj._meta  # type: ignore[attr-defined]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])  # type: ignore[attr-defined]


def type_form(service_type: ServiceType, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": service_type.name,
        "group": service_type.group,
        "description": service_type.description,
        "keywords": service_type.keywords,
        "department": service_type.department_id or "",
        "target_days": service_type.target_days or "",
        "sort_order": service_type.sort_order,
        "active": "on",
        **NO_INLINES,
    }
    data.update(overrides)
    return data


@pytest.fixture
def two_cities(
    independence: City,
    raytown: City,
    make_service_type: Callable[..., ServiceType],
    make_staff: Callable[..., User],
) -> dict[str, object]:
    """A service type, its department and a worker in each of Independence and Raytown."""
    ind_type = make_service_type(independence, name="Tall grass in Independence")
    ray_type = make_service_type(raytown, name="Tall grass in Raytown")
    return {
        "ind_type": ind_type,
        "ray_type": ray_type,
        "ind_dept": ind_type.department,
        "ray_dept": ray_type.department,
        "ind_worker": make_staff(independence, Role.WORKER, username="ind-worker", department=ind_type.department),
        "ray_worker": make_staff(raytown, Role.WORKER, username="ray-worker", department=ray_type.department),
    }


# --- a city administrator sees their own city only -------------------------------------
def test_a_city_admin_lists_only_their_own_citys_departments_types_staff_and_districts(login, city_admin, two_cities):
    client = login(city_admin)

    departments = changelist(client, "tenants_department")
    assert str(two_cities["ind_dept"]) in departments
    assert str(two_cities["ray_dept"]) not in departments

    types = changelist(client, "catalog_servicetype")
    assert "Tall grass in Independence" in types
    assert "Tall grass in Raytown" not in types

    staff = changelist(client, "accounts_user")
    assert "ind-worker" in staff
    assert "ray-worker" not in staff

    districts = client.get(reverse("admin:tenants_district_changelist"))
    shown = {d.name for d in districts.context["cl"].result_list}
    assert shown == set(District.objects.filter(city=city_admin.city).values_list("name", flat=True))
    assert all(d.city_id == city_admin.city_id for d in districts.context["cl"].result_list)


def test_another_citys_objects_are_not_found_for_a_city_admin(login, city_admin, raytown, two_cities):
    client = login(city_admin)
    raytown_district = District.objects.filter(city=raytown).first()
    for obj in (two_cities["ray_dept"], two_cities["ray_type"], two_cities["ray_worker"], raytown_district, raytown):
        assert client.get(change_url(obj)).status_code in (403, 404), obj
        assert client.post(change_url(obj), {"name": "Hijacked"}).status_code in (403, 404), obj
    two_cities["ray_dept"].refresh_from_db()
    assert two_cities["ray_dept"].name != "Hijacked"


def test_a_city_admin_cannot_route_a_type_to_another_citys_department(login, city_admin, two_cities):
    client = login(city_admin)
    ind_type = two_cities["ind_type"]

    page = client.get(change_url(ind_type))
    offered = {d.pk for d in page.context["adminform"].form.fields["department"].queryset}
    assert offered == set(Department.objects.filter(city=city_admin.city).values_list("pk", flat=True))

    response = client.post(change_url(ind_type), type_form(ind_type, department=two_cities["ray_dept"].pk))
    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors
    ind_type.refresh_from_db()
    assert ind_type.department == two_cities["ind_dept"]


def test_a_department_created_by_a_city_admin_lands_in_their_city_even_if_the_request_names_another(
    login, city_admin, raytown
):
    client = login(city_admin)
    form = client.get(reverse("admin:tenants_department_add")).context["adminform"].form
    assert "city" not in form.fields

    response = client.post(
        reverse("admin:tenants_department_add"),
        {
            "city": raytown.pk,
            "name": "Parks and Recreation",
            "code": "parks",
            "email": "parks@example.org",
            "active": "on",
        },
    )
    assert response.status_code == 302
    created = Department.objects.get(code="parks")
    assert created.city == city_admin.city


def test_a_code_already_used_in_the_city_is_a_form_error_not_a_crash(login, city_admin):
    Department.objects.create(city=city_admin.city, name="Public Works", code="public-works")
    response = login(city_admin).post(
        reverse("admin:tenants_department_add"), {"name": "Public Works again", "code": "public-works", "active": "on"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Department.objects.filter(code="public-works").count() == 1


def test_a_city_admin_creates_staff_in_their_city_with_a_password_checked_by_the_validators(
    login, city_admin, raytown, two_cities
):
    client = login(city_admin)
    url = reverse("admin:accounts_user_add")
    base = {
        "username": "new-worker",
        "email": "new-worker@independence.test",
        "usable_password": "true",
        "role": Role.WORKER,
        "department": two_cities["ind_dept"].pk,
        "city": raytown.pk,
    }

    weak = client.post(url, {**base, "password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200
    assert "password2" in weak.context["adminform"].form.errors
    assert not User.objects.filter(username="new-worker").exists()

    good = client.post(url, {**base, "password1": "moss-lantern-harbor-42", "password2": "moss-lantern-harbor-42"})
    assert good.status_code == 302
    worker = User.objects.get(username="new-worker")
    assert (worker.city, worker.department, worker.role) == (city_admin.city, two_cities["ind_dept"], Role.WORKER)
    assert worker.check_password("moss-lantern-harbor-42")


def test_a_city_admin_cannot_give_staff_another_citys_department(login, city_admin, two_cities):
    response = login(city_admin).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "misplaced",
            "usable_password": "true",
            "password1": "moss-lantern-harbor-42",
            "password2": "moss-lantern-harbor-42",
            "role": Role.WORKER,
            "department": two_cities["ray_dept"].pk,
        },
    )
    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="misplaced").exists()


def test_a_city_admin_cannot_make_anyone_superuser_or_regional_admin(login, city_admin, raytown, two_cities):
    client = login(city_admin)
    worker = two_cities["ind_worker"]

    form = client.get(change_url(worker)).context["adminform"].form
    assert "is_superuser" not in form.fields
    assert "user_permissions" not in form.fields
    assert Role.REGIONAL_ADMIN not in {value for value, _label in form.fields["role"].choices}

    response = client.post(
        change_url(worker),
        {
            "username": worker.username,
            "email": worker.email,
            "role": Role.WORKER,
            "department": worker.department_id,
            "city": raytown.pk,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert not worker.is_superuser
    assert worker.city == city_admin.city

    promoted = client.post(
        change_url(worker),
        {"username": worker.username, "role": Role.REGIONAL_ADMIN, "is_active": "on"},
    )
    assert promoted.status_code == 200
    assert "role" in promoted.context["adminform"].form.errors
    worker.refresh_from_db()
    assert worker.role == Role.WORKER


def test_a_city_admin_cannot_see_or_touch_operator_accounts(login, city_admin, superuser, regional_admin):
    client = login(city_admin)
    staff = changelist(client, "accounts_user")
    assert "operator" not in staff
    assert "region-admin" not in staff
    assert client.get(reverse("admin:auth_user_password_change", args=[superuser.pk])).status_code in (403, 404)


def test_a_city_admin_made_by_the_operator_can_use_the_admin_at_once(login, superuser, independence):
    response = login(superuser).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "fresh-admin",
            "email": "fresh-admin@independence.test",
            "usable_password": "true",
            "password1": "moss-lantern-harbor-42",
            "password2": "moss-lantern-harbor-42",
            "role": Role.CITY_ADMIN,
            "city": independence.pk,
        },
    )
    assert response.status_code == 302
    fresh = User.objects.get(username="fresh-admin")
    assert fresh.is_staff
    assert not fresh.user_permissions.exists()
    assert login(fresh).get(reverse("admin:tenants_department_add")).status_code == 200


# --- regional administrators and superusers -------------------------------------------
def test_a_regional_admin_lists_every_citys_service_types_but_cannot_change_them(login, regional_admin, two_cities):
    client = login(regional_admin)
    types = changelist(client, "catalog_servicetype")
    assert "Tall grass in Independence" in types
    assert "Tall grass in Raytown" in types

    ray_type = two_cities["ray_type"]
    assert client.get(change_url(ray_type)).status_code == 200
    response = client.post(change_url(ray_type), type_form(ray_type, name="Renamed by the region"))
    assert response.status_code == 403
    ray_type.refresh_from_db()
    assert ray_type.name == "Tall grass in Raytown"
    assert client.get(reverse("admin:catalog_servicetype_add")).status_code == 403


def test_a_regional_admin_cannot_open_cases_or_their_reporters(login, regional_admin, independence_case):
    client = login(regional_admin)
    assert client.get(reverse("admin:cases_servicerequest_changelist")).status_code == 403
    detail = client.get(change_url(independence_case))
    assert detail.status_code in (403, 404)
    assert "rita@example.org" not in detail.content.decode()
    assert client.get(reverse("admin:cases_caseevent_changelist")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:cases_servicerequest_changelist") not in index


def test_a_superuser_sees_every_city(login, superuser, two_cities):
    client = login(superuser)
    types = changelist(client, "catalog_servicetype")
    assert "Tall grass in Independence" in types and "Tall grass in Raytown" in types
    staff = changelist(client, "accounts_user")
    assert "ind-worker" in staff and "ray-worker" in staff
    districts = client.get(reverse("admin:tenants_district_changelist")).context["cl"]
    assert districts.result_count == District.objects.count()
    assert {c.slug for c in City.objects.all()} <= {d.city.slug for d in District.objects.all()}


# --- cases and the audit log ----------------------------------------------------------
def test_city_staff_read_their_citys_cases_with_the_reporter_but_cannot_change_them(
    login, city_admin, independence_case, raytown, make_staff
):
    client = login(city_admin)
    listing = client.get(reverse("admin:cases_servicerequest_changelist"), {"status__exact": "new"})
    assert listing.status_code == 200
    assert [c.pk for c in listing.context["cl"].result_list] == [independence_case.pk]

    detail = client.get(change_url(independence_case))
    assert detail.status_code == 200
    assert "rita@example.org" in detail.content.decode()
    assert client.post(change_url(independence_case), {"status": "closed"}).status_code == 403
    independence_case.refresh_from_db()
    assert independence_case.status == "new"

    raytown_admin = make_staff(raytown, Role.CITY_ADMIN, is_staff=True)
    other = login(raytown_admin)
    assert other.get(change_url(independence_case)).status_code in (403, 404)
    assert other.get(reverse("admin:cases_servicerequest_changelist")).context["cl"].result_count == 0


def test_the_audit_log_cannot_be_edited_or_deleted_by_anyone(login, superuser, city_admin, independence_case):
    event = CaseEvent.objects.get(case=independence_case)
    before = (event.kind, event.text, event.at)
    delete_url = reverse("admin:cases_caseevent_delete", args=[event.pk])
    for user in (superuser, city_admin):
        client = login(user)
        page = client.get(change_url(event))
        assert page.status_code == 200  # readable …
        assert not page.context["has_change_permission"]
        assert client.post(change_url(event), {"text": "rewritten"}).status_code == 403  # … never rewritten
        assert client.get(delete_url).status_code == 403
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
        assert client.get(reverse("admin:cases_caseevent_add")).status_code == 403
        bulk = client.post(
            reverse("admin:cases_caseevent_changelist"),
            {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
        )
        # The list offers no bulk action at all: the POST only shows the list again, and the
        # event is still in it.
        assert bulk.status_code == 200
        assert bulk.context["action_form"] is None
        assert event in bulk.context["cl"].result_list
        assert CaseEvent.objects.filter(pk=event.pk).exists()

        case_page = client.get(change_url(independence_case))
        inline = next(f for f in case_page.context["inline_admin_formsets"] if f.opts.model is CaseEvent)
        assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission
    assert CaseEvent.objects.filter(pk=event.pk).exists()
    event.refresh_from_db()
    assert (event.kind, event.text, event.at) == before
    assert ServiceRequest.objects.filter(pk=independence_case.pk).exists()


# --- districts from GeoJSON -----------------------------------------------------------
def test_uploading_a_district_from_the_real_kansas_city_map(login, kc_admin, city_admin, tmp_path: Path):
    """One feature of the published KC council map becomes one district of Kansas City; in
    Independence it is refused as the import refuses it, none of it being Independence."""
    collection = json.loads(KC_MAP.read_text())
    one = tmp_path / "district-4.geojson"
    one.write_text(json.dumps({"type": "FeatureCollection", "features": collection["features"][:1]}))

    with one.open("rb") as fh:
        response = login(kc_admin).post(
            reverse("admin:tenants_district_add"),
            {"name": "KC District 4", "number": "4", "boundary_file": fh},
            follow=True,
        )
    assert response.status_code == 200
    district = District.objects.get(name="KC District 4")
    assert district.city == kc_admin.city
    assert not district.is_illustrative
    assert district.boundary["type"] in {"Polygon", "MultiPolygon"}
    assert "outside" not in response.content.decode()

    with one.open("rb") as fh:
        refused = login(city_admin).post(
            reverse("admin:tenants_district_add"), {"name": "KC District 4", "number": "4", "boundary_file": fh}
        )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["boundary_file"] == [
        "“KC District 4” lies outside Independence's limits (0% of it is inside): is the file another city's map?"
    ]
    assert not District.objects.filter(city=city_admin.city, name="KC District 4").exists()


def test_importing_the_real_kansas_city_map_creates_one_district_per_feature(login, kc_admin, city_admin):
    fields = {"name_property": "DISTRICT", "name_prefix": "KC District ", "replace": "on"}
    with KC_MAP.open("rb") as fh:
        response = login(kc_admin).post(reverse("admin:tenants_district_import"), {**fields, "file": fh})
    assert response.status_code == 302
    imported = District.objects.filter(city=kc_admin.city, name__startswith="KC District ")
    assert sorted(imported.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]

    # Independence's administrator uploading it by mistake is refused: none of it is Independence.
    with KC_MAP.open("rb") as fh:
        refused = login(city_admin).post(reverse("admin:tenants_district_import"), {**fields, "file": fh})
    assert refused.status_code == 200
    assert "“KC District 1” lies outside Independence's limits" in " ".join(refused.context["form"].non_field_errors())
    assert not District.objects.filter(city=city_admin.city, name__startswith="KC District ").exists()


def test_a_file_that_is_not_geojson_is_refused_with_a_readable_message(login, city_admin, tmp_path: Path):
    bad = tmp_path / "districts.geojson"
    bad.write_text("DISTRICT,NAME\n1,North\n")
    client = login(city_admin)
    with bad.open("rb") as fh:
        response = client.post(reverse("admin:tenants_district_add"), {"name": "North", "boundary_file": fh})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["boundary_file"]
    assert errors == [
        "districts.geojson is not a GeoJSON file: it is not valid JSON (Expecting value at line 1, column 1)."
    ]
    assert not District.objects.filter(name="North").exists()


def test_a_department_or_district_with_cases_cannot_be_deleted_so_no_case_loses_its_routing(
    login, city_admin, independence_case
):
    client = login(city_admin)
    for obj in (independence_case.department, independence_case.district):
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
        bulk = client.post(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        # The bulk action is on offer (an unused department may go) but refused for this one.
        assert bulk.status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).exists()
    independence_case.refresh_from_db()
    assert independence_case.department is not None and independence_case.district is not None
