"""A city moving from "Citywide" to wards one ward at a time keeps every point in a district:
a ward added over a district it only partly covers is cut out of it (the district is redrawn
as the rest of its area; the district as it was is retired with its cases), one it covers
wholly or all but slivers is retired, and the page says which before anything is saved,
keeping the file and what was typed. Alerts of a district follow it when it is redrawn."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from shapely.geometry import box

from civicdesk.cases import services as case_services
from civicdesk.notifications.alerts import subscriptions_matching
from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription
from civicdesk.reports.operational import operational_report
from civicdesk.tenants import districts, services
from civicdesk.tenants.admin import _share_words
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City, District
from tests.admin.test_admin_districts import city_area, geojson, upload_errors, without_the_demo_map
from tests.api.open311_client import body, get

pytestmark = pytest.mark.django_db

ADD = "admin:tenants_district_add"


def _file(geom, name: str = "ward.geojson") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, geojson(geom).encode(), content_type="application/geo+json")


def citywide(city: City) -> District:
    """A new city's one district, the template's "Citywide", equal to its limits."""
    without_the_demo_map(city)
    return District.objects.create(city=city, name="Citywide", number=None, boundary=city.boundary)


def part(city: City, start: float, end: float):
    """The slice of the city's limits between ``start`` and ``end`` (0–1) of its width, west to east."""
    area = city_area(city)
    minx, miny, maxx, maxy = area.bounds
    width = maxx - minx
    return area.intersection(box(minx + start * width, miny, minx + end * width, maxy))


def share(geom, city: City) -> str:
    return _share_words(geom.intersection(city_area(city)).area / city_area(city).area)


def point(geom) -> tuple[float, float]:
    lng, lat = geom.representative_point().coords[0]
    return lat, lng


def current(city: City) -> list[str]:
    return sorted(District.objects.filter(city=city, retired_on__isnull=True).values_list("name", flat=True))


def kept(response) -> dict[str, str]:
    """What the page sent back keeps of the file, as the browser posts it again."""
    form = response.context["adminform"].form
    return {"kept_boundary": form["kept_boundary"].value(), "kept_file": form["kept_file"].value()}


def add_ward(client, name: str, number: int, geom) -> None:
    """Add a ward as an administrator does: the file, then, told what it changes, the box."""
    fields = {"name": name, "number": str(number)}
    told = client.post(reverse(ADD), {**fields, "boundary_file": _file(geom)})
    assert told.status_code == 200
    saved = client.post(reverse(ADD), {**fields, "cut_overlapped": "on", **kept(told)})
    assert saved.status_code == 302, saved.context["adminform"].form.errors


def test_a_ward_over_citywide_says_it_will_be_cut_and_keeps_the_file_and_what_was_typed(login, city_admin):
    city = city_admin.city
    at_large = citywide(city)
    west, rest = part(city, 0, 0.4), part(city, 0.4, 1)
    client = login(city_admin)
    response = client.post(reverse(ADD), {"name": "Ward 1", "number": "1", "boundary_file": _file(west, "w1.geojson")})
    today = services.city_today(city)
    assert upload_errors(response) == [
        "100% of “Ward 1” lies inside Citywide: a case there would be in two districts. Districts of a city share "
        "edges, not area; correct the boundary, or change Citywide first.",
        "With “Cut it out of the districts it lies over” checked, saving will do this:",
        f"Citywide is cut: it keeps the rest of its area, {share(rest, city)} of Independence, and “Ward 1” takes "
        f"the part it lies over. Its cases so far keep it, as “Citywide (map until {today})”.",
        f"“Ward 1” will hold {share(west, city)} of Independence.",
        "To do this, check “Cut it out of the districts it lies over” and save. The file w1.geojson is kept: you "
        "need not choose it again. Or retire Citywide first (“Retire” on its page). To replace the whole map at "
        "once, import the new map with “Replace the current map”.",
    ]
    page = response.content.decode()
    assert 'value="Ward 1"' in page and 'value="1"' in page
    assert shape_from_geojson(__import__("json").loads(kept(response)["kept_boundary"])).equals_exact(west, 1e-9)
    assert current(city) == ["Citywide"] and District.objects.filter(city=city).count() == 5  # the demo's 4 retired
    at_large.refresh_from_db()
    assert at_large.retired_on is None


def test_the_box_checked_with_a_new_file_shows_what_will_change_before_saving(login, city_admin):
    city = city_admin.city
    citywide(city)
    west = part(city, 0, 0.5)
    client = login(city_admin)
    fields = {"name": "Ward 1", "number": "1", "cut_overlapped": "on"}
    response = client.post(reverse(ADD), {**fields, "boundary_file": _file(west, "w1.geojson")})
    # A preview, not a mistake: said in a notice with the button that saves, no error on the page.
    assert response.status_code == 200
    assert not response.context["adminform"].form.errors and not response.context["errors"]
    preview = response.context["preview"]
    assert preview[0].startswith("Citywide is cut: it keeps the rest of its area, ")
    assert preview[-1] == f"“Ward 1” will hold {share(west, city)} of Independence."
    assert response.context["preview_kept"] == "The file w1.geojson is kept: you need not choose it again."
    page = response.content.decode()
    assert 'class="civicdesk-preview"' in page and "data-error-summary" not in page
    assert "Check before saving: nothing is saved yet, and saving will do this." in page
    assert 'name="_save" class="default" value="Save and cut it out"' in page
    assert "<title>Error:" not in page
    assert response.context["adminform"].form["cut_overlapped"].value() is True
    assert current(city) == ["Citywide"]
    assert client.post(reverse(ADD), {**fields, **kept(response)}).status_code == 302
    assert current(city) == ["Citywide", "Ward 1"]


def test_wards_one_at_a_time_keep_every_point_in_a_district_and_the_last_retires_citywide(login, city_admin, trash):
    city = city_admin.city
    at_large = citywide(city)
    today = services.city_today(city)
    wards = [part(city, 0, 0.3), part(city, 0.3, 0.6), part(city, 0.6, 1)]
    # The last ward drawn as a GIS office's map often is: some metres inside the city's line.
    wards[2] = wards[2].buffer(-0.0003)
    before = case_services.case_create(
        service_type=trash, lat=point(wards[0])[0], lng=point(wards[0])[1], description="Bags"
    )
    assert before.district_id == at_large.pk
    client = login(city_admin)

    add_ward(client, "Ward 1", 1, wards[0])
    at_large.refresh_from_db()
    assert (at_large.retired_on, at_large.name) == (today, f"Citywide (map until {today})")
    redrawn = District.objects.get(city=city, name="Citywide", retired_on__isnull=True)
    assert redrawn.number is None and redrawn.pk != at_large.pk
    assert shape_from_geojson(redrawn.boundary).equals_exact(
        districts.polygonal(city_area(city).difference(wards[0])), 1e-9
    )
    assert current(city) == ["Citywide", "Ward 1"]
    before.refresh_from_db()
    assert before.district_id == at_large.pk  # a case keeps the district it was filed in
    for ward, expected in ((wards[0], "Ward 1"), (wards[1], "Citywide"), (wards[2], "Citywide")):
        lat, lng = point(ward)
        case = case_services.case_create(service_type=trash, lat=lat, lng=lng, description="Bags")
        assert case.district.name == expected

    add_ward(client, "Ward 2", 2, wards[1])
    assert current(city) == ["Citywide", "Ward 1", "Ward 2"]
    for ward, expected in ((wards[0], "Ward 1"), (wards[1], "Ward 2"), (wards[2], "Citywide")):
        lat, lng = point(ward)
        assert (
            case_services.case_create(service_type=trash, lat=lat, lng=lng, description="x").district.name == expected
        )

    # The last ward leaves Citywide a sliver along the city line: told, then retired, not kept.
    left = districts.polygonal(
        shape_from_geojson(
            District.objects.get(city=city, name="Citywide", retired_on__isnull=True).boundary
        ).difference(wards[2])
    )
    told = client.post(reverse(ADD), {"name": "Ward 3", "number": "3", "boundary_file": _file(wards[2])})
    # Citywide was redrawn twice today: the third of its name retired today is numbered so.
    assert (
        f"Citywide is retired: “Ward 3” covers all of it but slivers ({share(left, city)} of Independence), which "
        f"are left without a district. Its cases keep it, as “Citywide (map until {today}, 3)”."
    ) in upload_errors(told)
    saved = client.post(reverse(ADD), {"name": "Ward 3", "number": "3", "cut_overlapped": "on", **kept(told)})
    assert saved.status_code == 302
    assert current(city) == ["Ward 1", "Ward 2", "Ward 3"]
    assert sorted(District.objects.filter(city=city, name__startswith="Citywide").values_list("name", flat=True)) == [
        f"Citywide (map until {today})",
        f"Citywide (map until {today}, 2)",
        f"Citywide (map until {today}, 3)",
    ]
    for ward, expected in zip(wards, ("Ward 1", "Ward 2", "Ward 3"), strict=True):
        lat, lng = point(ward)
        assert (
            case_services.case_create(service_type=trash, lat=lat, lng=lng, description="x").district.name == expected
        )
    # Each Citywide keeps the cases filed in it; its name comes back as it was, to restore it.
    assert {services.name_before_retiring(d) for d in District.objects.filter(name__startswith="Citywide (")} == {
        "Citywide"
    }


def test_a_district_wholly_covered_is_retired_and_one_partly_covered_is_cut(login, city_admin):
    city = city_admin.city
    one, two = (District.objects.get(city=city, number=n, retired_on__isnull=True) for n in (1, 2))
    first, second = shape_from_geojson(one.boundary), shape_from_geojson(two.boundary)
    minx, miny, maxx, maxy = second.bounds
    half_of_two = second.intersection(box(minx, miny, (minx + maxx) / 2, maxy))
    new = first.union(half_of_two)
    client = login(city_admin)
    told = client.post(reverse(ADD), {"name": "North Ward", "number": "7", "boundary_file": _file(new)})
    today = services.city_today(city)
    errors = upload_errors(told)
    assert (
        f"District 1 is retired: “North Ward” covers all of it. Its cases keep it, as “District 1 (map until {today})”."
        in errors
    )
    rest = districts.polygonal(second.difference(new))
    assert (
        f"District 2 is cut: it keeps the rest of its area, {share(rest, city)} of Independence, and “North Ward” "
        f"takes the part it lies over. Its cases so far keep it, as “District 2 (map until {today})”."
    ) in errors
    saved = client.post(reverse(ADD), {"name": "North Ward", "number": "7", "cut_overlapped": "on", **kept(told)})
    assert saved.status_code == 302
    assert current(city) == ["District 2", "District 3", "District 4", "North Ward"]
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.retired_on, two.retired_on) == (today, today)
    redrawn = District.objects.get(city=city, name="District 2", retired_on__isnull=True)
    assert (redrawn.number, redrawn.is_illustrative) == (2, True)
    assert shape_from_geojson(redrawn.boundary).equals_exact(rest, 1e-9)
    messages = [str(m) for m in get_messages(saved.wsgi_request)]
    assert (
        f"District 2 was cut: it keeps the rest of its area, {share(rest, city)} of Independence. The district as it "
        f"was is kept as “District 2 (map until {today})”, with its cases."
    ) in messages


def test_a_step_refused_for_another_field_keeps_the_file_and_what_was_typed(login, city_admin):
    city = city_admin.city
    citywide(city)
    west = part(city, 0, 0.5)
    client = login(city_admin)
    told = client.post(reverse(ADD), {"name": "Ward 1", "number": "1", "boundary_file": _file(west, "w1.geojson")})
    # The name left out as the box is checked: refused on the name, the file still kept.
    refused = client.post(reverse(ADD), {"name": "", "number": "1", "cut_overlapped": "on", **kept(told)})
    form = refused.context["adminform"].form
    assert form.errors["name"] == ["This field is required."]
    assert kept(refused) == kept(told) and kept(refused)["kept_file"] == "w1.geojson"
    assert 'value="1"' in refused.content.decode() and form["cut_overlapped"].value() is True
    assert current(city) == ["Citywide"]
    # A file that is no map replaces the one kept: the page says so, and keeps none.
    bad = client.post(
        reverse(ADD),
        {
            "name": "Ward 1",
            "number": "1",
            "cut_overlapped": "on",
            **kept(told),
            "boundary_file": SimpleUploadedFile("w1.txt", b"not json"),
        },
    )
    assert upload_errors(bad)[0].startswith("w1.txt is not a GeoJSON file")
    assert kept(bad) == {"kept_boundary": "", "kept_file": ""}
    assert current(city) == ["Citywide"]
    assert (
        client.post(
            reverse(ADD), {"name": "Ward 1", "number": "1", "cut_overlapped": "on", **kept(refused)}
        ).status_code
        == 302
    )
    assert current(city) == ["Citywide", "Ward 1"]


def test_the_alerts_of_a_district_cut_follow_the_redrawn_one(login, city_admin, trash):
    city = city_admin.city
    at_large = citywide(city)
    watcher = AreaSubscription.objects.create(
        email="watcher@resident.test",
        city=city,
        area=AreaKind.DISTRICT,
        district=at_large,
        on=AlertOn.BOTH,
        active=True,
        confirmed_at=timezone.now(),
    )
    add_ward(login(city_admin), "Ward 1", 1, part(city, 0, 0.5))
    redrawn = District.objects.get(city=city, name="Citywide", retired_on__isnull=True)
    watcher.refresh_from_db()
    assert watcher.district_id == redrawn.pk
    lat, lng = point(part(city, 0.5, 1))
    case = case_services.case_create(service_type=trash, lat=lat, lng=lng, description="Bags")
    assert case.district_id == redrawn.pk
    assert subscriptions_matching(case, on="new") == [watcher]


def test_after_a_cut_the_operational_report_and_open311_name_each_cases_own_district(login, city_admin, trash):
    """What reads a case's district after the map changed: the cases filed before the cut
    count in Citywide as it was, those after in the redrawn Citywide or the ward; none is
    without a district."""
    city = city_admin.city
    citywide(city)
    west, east = part(city, 0, 0.5), part(city, 0.5, 1)
    lat, lng = point(east)
    before = case_services.case_create(service_type=trash, lat=lat, lng=lng, description="Before the ward")
    add_ward(login(city_admin), "Ward 1", 1, west)
    after_east = case_services.case_create(service_type=trash, lat=lat, lng=lng, description="After, east")
    lat, lng = point(west)
    after_west = case_services.case_create(service_type=trash, lat=lat, lng=lng, description="After, west")
    today = services.city_today(city)

    report = operational_report(city=city, date_from=today, date_to=today)
    opened = {row.label: row.opened for row in report.by_district if row.opened}
    assert opened == {f"Citywide (map until {today})": 1, "Citywide": 1, "Ward 1": 1}

    docs = body(get(Client(), "requests", "json", extensions="true", jurisdiction_id=city.jurisdiction_id))
    district_of = {doc["service_request_id"]: doc["extended_attributes"]["district"] for doc in docs}
    assert [district_of[c.reference] for c in (before, after_east, after_west)] == [
        f"Citywide (map until {today})",
        "Citywide",
        "Ward 1",
    ]
