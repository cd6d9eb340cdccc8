"""Council districts in the admin: the illustrative flag is plain to see, GeoJSON uploads
are checked with messages an administrator can act on, and a whole map imports at once."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from shapely.affinity import translate
from shapely.geometry import box, mapping
from shapely.ops import unary_union

from civicdesk.tenants import districts
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City, District
from tests.admin.test_admin_scoping import KC_MAP
from tests.conftest import INSIDE
from tests.pages.form_errors_html import assert_told_as_every_form, read_error_page

pytestmark = pytest.mark.django_db

ILLUSTRATIVE = "drawn for the demo, not the city&#x27;s adopted map"


def upload(client, tmp_path: Path, content: str, name: str = "map.geojson", **fields):
    path = tmp_path / name
    path.write_text(content)
    with path.open("rb") as fh:
        return client.post(reverse("admin:tenants_district_add"), {"name": "Upload", **fields, "boundary_file": fh})


def upload_errors(response) -> list[str]:
    assert response.status_code == 200
    return response.context["adminform"].form.errors["boundary_file"]


def test_the_demo_districts_say_they_are_illustrative_on_the_list_and_the_change_page(login, city_admin):
    client = login(city_admin)
    listing = client.get(reverse("admin:tenants_district_changelist")).content.decode()
    assert "4 districts here are illustrative." in listing
    assert listing.count(ILLUSTRATIVE) == 1 + 4  # the banner, then each row

    district = District.objects.filter(city=city_admin.city).first()
    page = client.get(reverse("admin:tenants_district_change", args=[district.pk])).content.decode()
    assert ILLUSTRATIVE in page
    assert 'aria-label="Outline of the area"' in page  # the preview, drawn without tiles


def test_an_adopted_district_is_not_called_illustrative(login, city_admin):
    District.objects.filter(city=city_admin.city).update(is_illustrative=False)
    client = login(city_admin)
    listing = client.get(reverse("admin:tenants_district_changelist")).content.decode()
    assert ILLUSTRATIVE not in listing
    assert "Adopted map" in listing


def test_a_map_of_points_is_refused(login, city_admin, tmp_path):
    points = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-94.4, 39.0]}}
    errors = upload_errors(upload(login(city_admin), tmp_path, json.dumps(points)))
    assert len(errors) == 1
    assert errors[0].startswith("A boundary must be a GeoJSON Polygon or MultiPolygon")


def test_a_map_in_state_plane_feet_is_refused(login, city_admin, tmp_path):
    square = [[2800000, 1050000], [2810000, 1050000], [2810000, 1060000], [2800000, 1060000], [2800000, 1050000]]
    errors = upload_errors(
        upload(login(city_admin), tmp_path, json.dumps({"type": "Polygon", "coordinates": [square]}))
    )
    assert len(errors) == 1
    assert errors[0].startswith("The boundary is not in longitude/latitude degrees (WGS 84)")


def test_json_that_is_not_geojson_is_refused(login, city_admin, tmp_path):
    errors = upload_errors(upload(login(city_admin), tmp_path, json.dumps([1, 2, 3]), name="list.json"))
    assert errors == ["list.json is JSON but not GeoJSON: it has no “type” (Polygon, Feature or FeatureCollection)."]


def test_a_whole_map_on_the_one_district_form_points_to_the_import(login, city_admin, tmp_path):
    errors = upload_errors(upload(login(city_admin), tmp_path, KC_MAP.read_text()))
    assert errors == [
        "This file holds 6 areas. Upload a file with one area here, or use "
        "“Import districts from GeoJSON” to create one district per area."
    ]


def test_a_new_district_needs_a_boundary(login, city_admin):
    response = login(city_admin).post(reverse("admin:tenants_district_add"), {"name": "No map"})
    assert upload_errors(response) == ["Upload the boundary as a GeoJSON file."]


def test_replacing_a_boundary_keeps_the_district_and_leaves_others_alone(login, city_admin, tmp_path):
    district = District.objects.filter(city=city_admin.city).order_by("number").first()
    neighbour = District.objects.filter(city=city_admin.city).exclude(pk=district.pk).first()
    neighbour_boundary = neighbour.boundary
    own_square = {
        "type": "Polygon",
        "coordinates": [[[-94.42, 39.08], [-94.40, 39.08], [-94.40, 39.10], [-94.42, 39.10], [-94.42, 39.08]]],
    }
    path = tmp_path / "adopted.geojson"
    path.write_text(json.dumps(own_square))
    with path.open("rb") as fh:
        response = login(city_admin).post(
            reverse("admin:tenants_district_change", args=[district.pk]),
            {"name": district.name, "number": district.number, "boundary_file": fh},
        )
    assert response.status_code == 302
    district.refresh_from_db()
    assert district.boundary["coordinates"][0][0] == [-94.42, 39.08]
    assert not district.is_illustrative
    neighbour.refresh_from_db()
    assert neighbour.boundary == neighbour_boundary


def test_the_import_names_the_properties_it_found_when_the_chosen_one_is_missing(login, city_admin):
    with KC_MAP.open("rb") as fh:
        response = login(city_admin).post(
            reverse("admin:tenants_district_import"), {"file": fh, "name_property": "NAME"}
        )
    assert response.status_code == 200
    message = " ".join(response.context["form"].non_field_errors())
    assert "The features have no property “NAME”." in message
    assert "DISTRICT" in message and "DISTRICTORDINAL" in message
    assert not District.objects.filter(city=city_admin.city, is_illustrative=False).exists()


def test_the_import_creates_nothing_when_a_name_is_already_taken(login, kc_admin, kansas_city):
    District.objects.create(city=kansas_city, name="KC 3", boundary=kansas_city.boundary)
    before = District.objects.count()
    with KC_MAP.open("rb") as fh:
        response = login(kc_admin).post(
            reverse("admin:tenants_district_import"), {"file": fh, "name_property": "DISTRICT", "name_prefix": "KC "}
        )
    assert response.status_code == 200
    assert "Kansas City already has districts named “KC 3”" in " ".join(response.context["form"].non_field_errors())
    assert District.objects.count() == before


def test_an_operator_imports_a_map_into_the_city_they_choose(login, superuser, raytown, kansas_city):
    fields = {"name_property": "DISTRICTORDINAL", "number_property": "DISTRICT"}
    # Kansas City's map is not Raytown's: chosen by mistake, it is refused, naming each district.
    with KC_MAP.open("rb") as fh:
        wrong = login(superuser).post(
            reverse("admin:tenants_district_import"), {**fields, "city": raytown.pk, "file": fh}
        )
    assert wrong.status_code == 200
    errors = " ".join(wrong.context["form"].non_field_errors())
    assert "These districts are not in Raytown; nothing was created." in errors
    assert "“First” lies outside Raytown's limits (0% of it is inside): is the file another city's map?" in errors

    fields["city"] = kansas_city.pk
    old = [District.objects.create(city=kansas_city, name="Ward 1 (2001)", number=1, boundary=kansas_city.boundary)]
    with KC_MAP.open("rb") as fh:
        refused = login(superuser).post(reverse("admin:tenants_district_import"), {**fields, "file": fh})
    # Kansas City has an older map numbered from 1: a second map beside it is refused.
    assert refused.status_code == 200
    errors = " ".join(refused.context["form"].non_field_errors())
    assert "“First” has number 1, which “Ward 1 (2001)” already has." in errors
    with KC_MAP.open("rb") as fh:
        response = login(superuser).post(
            reverse("admin:tenants_district_import"), {**fields, "file": fh, "replace": "on"}
        )
    assert response.status_code == 302
    assert District.objects.filter(city=kansas_city, name="Fourth", number=4, retired_on__isnull=True).exists()
    assert District.objects.filter(pk__in=[d.pk for d in old], retired_on__isnull=False).count() == len(old)


def test_a_regional_admin_reads_districts_but_cannot_upload_or_import(login, regional_admin, raytown):
    client = login(regional_admin)
    district = District.objects.filter(city=raytown).first()
    page = client.get(reverse("admin:tenants_district_change", args=[district.pk]))
    assert page.status_code == 200
    assert "boundary_file" not in page.content.decode()
    assert client.get(reverse("admin:tenants_district_import")).status_code == 403
    assert client.get(reverse("admin:tenants_district_add")).status_code == 403


def test_a_city_admin_edits_their_citys_contact_details_but_not_its_limits_or_prefix(login, city_admin, tmp_path):
    city = city_admin.city
    boundary, prefix = json.loads(json.dumps(city.boundary)), city.case_prefix
    square = tmp_path / "limits.geojson"
    square.write_text(json.dumps({"type": "Polygon", "coordinates": [[[-94, 39], [-93, 39], [-93, 40], [-94, 39]]]}))
    with square.open("rb") as fh:
        response = login(city_admin).post(
            reverse("admin:tenants_city_change", args=[city.pk]),
            {
                "case_prefix": "XX",
                "email": "311@example.org",
                "phone": "816-555-0199",
                "website": "example.org",
                "timezone": "America/Chicago",
                "fiscal_year_start_month": "7",
                "population": "123011",
                "boundary_file": fh,
            },
        )
    assert response.status_code == 302
    city = City.objects.get(pk=city.pk)
    assert (city.email, city.website) == ("311@example.org", "https://example.org")
    assert (city.boundary, city.case_prefix) == (boundary, prefix)


# --- one district's boundary: the import's rule for a district outside the city's limits --
def city_area(city: City):
    return shape_from_geojson(city.boundary)


def east_part(city: City):
    """The eastern third of the city's limits: a district drawn along the city line."""
    area = city_area(city)
    minx, miny, maxx, maxy = area.bounds
    return area.intersection(box(maxx - (maxx - minx) / 3, miny, maxx, maxy))


def geojson(geom) -> str:
    return json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(geom)})


def without_the_demo_map(city: City) -> None:
    """Retire the city's illustrative districts (as an import replacing the map does), so a
    district drawn anywhere in the city lies over none of them."""
    District.objects.filter(city=city).update(retired_on=datetime.date(2026, 1, 1))


def test_a_district_outside_the_city_is_refused_in_the_imports_words_keeping_what_was_typed(
    login, city_admin, tmp_path
):
    city = city_admin.city
    area = city_area(city)
    width = area.bounds[2] - area.bounds[0]
    away = translate(east_part(city), xoff=2 * width)  # another city's district, east of this one
    before = District.objects.count()
    response = login(city_admin).post(
        reverse("admin:tenants_district_add"),
        {"name": "East Ward", "number": "7", "is_illustrative": "on", "boundary_file": _file(geojson(away))},
    )
    assert upload_errors(response) == [
        "“East Ward” lies outside Independence's limits (0% of it is inside): is the file another city's map?"
    ]
    assert District.objects.count() == before
    page = response.content.decode()
    assert 'value="East Ward"' in page and 'value="7"' in page
    assert response.context["adminform"].form["is_illustrative"].value() is True
    assert not [m for m in response.context["messages"]]  # no "was added" or warning beside the refusal


def test_a_district_mostly_inside_drawn_generously_along_the_city_line_is_accepted_without_a_warning(
    login, city_admin, tmp_path
):
    city = city_admin.city
    without_the_demo_map(city)
    generous = east_part(city).buffer(0.003)  # some 300 m past the limits all round
    share = districts.share_inside(generous, city)
    assert 0.5 < share < 0.99
    response = login(city_admin).post(
        reverse("admin:tenants_district_add"),
        {"name": "East Ward", "number": "7", "boundary_file": _file(geojson(generous))},
        follow=True,
    )
    assert response.status_code == 200
    district = District.objects.get(city=city, name="East Ward")
    assert shape_from_geojson(district.boundary).equals_exact(generous, 1e-9)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_a_district_largely_outside_but_not_wholly_is_accepted_with_the_imports_warning(login, city_admin, tmp_path):
    city = city_admin.city
    without_the_demo_map(city)
    part = east_part(city)
    width = part.bounds[2] - part.bounds[0]
    strays = unary_union([part, translate(part, xoff=3 * width), translate(part, xoff=6 * width)])
    response = login(city_admin).post(
        reverse("admin:tenants_district_add"),
        {"name": "East Ward", "boundary_file": _file(geojson(strays))},
        follow=True,
    )
    assert District.objects.filter(city=city, name="East Ward").exists()
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        "East Ward lies mostly outside Independence's limits (33% inside). Check that the file is this city's map."
    ]


def test_editing_a_districts_boundary_to_one_outside_the_city_is_refused_and_the_district_keeps_its_own(
    login, city_admin, tmp_path
):
    district = District.objects.filter(city=city_admin.city).order_by("number").first()
    kept = (district.name, district.number, district.boundary)
    area = city_area(city_admin.city)
    away = translate(area, yoff=2 * (area.bounds[3] - area.bounds[1]))
    response = login(city_admin).post(
        reverse("admin:tenants_district_change", args=[district.pk]),
        {"name": "Renamed", "number": "9", "boundary_file": _file(geojson(away))},
    )
    assert upload_errors(response) == [
        "“Renamed” lies outside Independence's limits (0% of it is inside): is the file another city's map?"
    ]
    district.refresh_from_db()
    assert (district.name, district.number, district.boundary) == kept
    page = response.content.decode()
    assert 'value="Renamed"' in page and 'value="9"' in page
    # The preview is still the district's boundary, not the refused one.
    assert response.context["adminform"].form.instance.boundary == kept[2]


def test_an_operator_moving_a_district_to_a_city_it_is_not_in_is_refused(login, superuser, raytown):
    district = District.objects.filter(city__slug="independence").order_by("number").first()
    response = login(superuser).post(
        reverse("admin:tenants_district_change", args=[district.pk]),
        {"city": raytown.pk, "name": district.name, "number": district.number},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["city"]
    assert errors == [
        f"“{district.name}” lies outside Raytown's limits (0% of it is inside): is the file another city's map?"
    ]
    district.refresh_from_db()
    assert district.city.slug == "independence"


def test_an_outline_that_crosses_itself_is_refused_saying_where(login, city_admin, tmp_path):
    lat, lng = INSIDE["independence"]
    # A square with two corners out of order: a figure eight crossing at its middle.
    figure_eight = {
        "type": "Polygon",
        "coordinates": [[[lng, lat], [lng + 0.02, lat + 0.02], [lng + 0.02, lat], [lng, lat + 0.02], [lng, lat]]],
    }
    before = District.objects.count()
    errors = upload_errors(upload(login(city_admin), tmp_path, json.dumps(figure_eight)))
    assert errors == [
        f"The boundary's outline crosses itself near longitude {lng + 0.01:.5f}, latitude {lat + 0.01:.5f}, so the "
        "area it encloses is unclear (two corners out of order draw a figure eight). Correct the outline and upload "
        "it again."
    ]
    assert District.objects.count() == before


def test_an_outline_touching_itself_at_one_point_is_repaired_and_accepted(login, city_admin, tmp_path):
    """As published maps have them (one of Kansas City's neighborhoods): the repair keeps its area."""
    lat, lng = INSIDE["independence"]
    d = 0.01
    touching = {
        "type": "Polygon",
        "coordinates": [
            [[lng, lat], [lng + 2 * d, lat], [lng + 2 * d, lat + 2 * d], [lng + d, lat], [lng, lat + 2 * d], [lng, lat]]
        ],
    }
    without_the_demo_map(city_admin.city)
    response = upload(login(city_admin), tmp_path, json.dumps(touching))
    assert response.status_code == 302
    assert District.objects.filter(city=city_admin.city, name="Upload").exists()


def test_a_line_or_a_hole_outside_its_area_is_refused_with_a_clear_error(login, city_admin, tmp_path):
    lat, lng = INSIDE["independence"]
    line = {"type": "LineString", "coordinates": [[lng, lat], [lng + 0.01, lat + 0.01]]}
    errors = upload_errors(upload(login(city_admin), tmp_path, json.dumps(line)))
    assert errors == ["A boundary must be a GeoJSON Polygon or MultiPolygon, not LineString."]

    square = [[lng, lat], [lng + 0.01, lat], [lng + 0.01, lat + 0.01], [lng, lat + 0.01], [lng, lat]]
    hole = [[lng + 0.02, lat], [lng + 0.03, lat], [lng + 0.03, lat + 0.01], [lng + 0.02, lat]]
    errors = upload_errors(
        upload(login(city_admin), tmp_path, json.dumps({"type": "Polygon", "coordinates": [square, hole]}))
    )
    assert errors == [
        f"The boundary has a hole drawn outside its area, near longitude {lng + 0.02:.5f}, latitude {lat:.5f}. "
        "Correct the outline and upload it again."
    ]


def test_the_import_refuses_an_outline_that_crosses_itself_naming_the_feature(login, city_admin, tmp_path):
    lat, lng = INSIDE["independence"]
    figure_eight = {
        "type": "Polygon",
        "coordinates": [[[lng, lat], [lng + 0.02, lat + 0.02], [lng + 0.02, lat], [lng, lat + 0.02], [lng, lat]]],
    }
    square = box(lng + 0.03, lat, lng + 0.05, lat + 0.02)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Ward 8"}, "geometry": mapping(square)},
            {"type": "Feature", "properties": {"name": "Ward 9"}, "geometry": figure_eight},
        ],
    }
    response = login(city_admin).post(
        reverse("admin:tenants_district_import"),
        {"file": _file(json.dumps(collection)), "name_property": "name"},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert errors.startswith("Feature 2 of 2: The boundary's outline crosses itself near longitude")
    assert not District.objects.filter(name__in=["Ward 8", "Ward 9"]).exists()


def _file(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("district.geojson", content.encode(), content_type="application/geo+json")


@pytest.mark.parametrize(("language", "says"), [("en", "The features have no property “NAME”."), ("es", "NAME")])
def test_an_import_refused_is_summed_up_at_the_top_linked_to_the_file_and_says_error_in_the_title(
    login, city_admin, language, says
):
    """The districts import tells its mistakes as every form does (civicdesk/core/forms.py):
    the summary, focused by admin_forms.js, links a mistake of the file to the file's box."""
    with KC_MAP.open("rb") as fh:
        response = login(city_admin).post(
            reverse("admin:tenants_district_import"),
            {"file": fh, "name_property": "NAME"},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    told = read_error_page(response.content.decode())
    assert told.title.startswith("Error: ") and told.summary_id == "error-summary" and told.summary_tabindex == "-1"
    assert told.links == ["id_file"] and says in told.summary_text
    assert "civicdesk/admin_forms.js" in response.content.decode()
    # A box left empty is marked invalid and described by its message, which exists.
    response = login(city_admin).post(reverse("admin:tenants_district_import"), {"name_property": ""})
    assert_told_as_every_form(response.content.decode(), field="id_file", says="This field is required.")
    first = read_error_page(login(city_admin).get(reverse("admin:tenants_district_import")).content.decode())
    assert not first.summary_id and not first.title.startswith("Error")


# --- one district among the city's others: its own number, its own area -------------------
def demo_district(city: City, number: int) -> District:
    return District.objects.get(city=city, number=number)


def test_a_number_another_district_has_is_refused_on_the_number_naming_that_district(login, city_admin):
    """The form says it, in words, and keeps what was typed (the database's constraint among
    current districts is only the backstop)."""
    first = demo_district(city_admin.city, 1)
    kept = (first.name, first.number)
    response = login(city_admin).post(
        reverse("admin:tenants_district_change", args=[first.pk]),
        {"name": "Renamed", "number": "3", "is_illustrative": "on"},
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {
        "number": ["District 3 already has the number 3: each district of a city has its own number."]
    }
    first.refresh_from_db()
    assert (first.name, first.number) == kept
    page = response.content.decode()
    assert 'value="Renamed"' in page and 'value="3"' in page


def test_a_new_district_may_take_the_number_of_a_retired_one(login, city_admin, tmp_path):
    city = city_admin.city
    second = demo_district(city, 2)
    without_the_demo_map(city)
    response = login(city_admin).post(
        reverse("admin:tenants_district_add"),
        {"name": "Ward 2", "number": "2", "boundary_file": _file(geojson(shape_from_geojson(second.boundary)))},
    )
    assert response.status_code == 302
    assert District.objects.filter(city=city, number=2).count() == 2  # the retired one and the new one


def test_a_boundary_over_other_districts_is_refused_naming_each_and_the_share(login, city_admin):
    city = city_admin.city
    one, two, three = (shape_from_geojson(demo_district(city, n).boundary) for n in (1, 2, 3))
    inside_three = three.buffer(-0.002)  # wholly inside District 3
    client = login(city_admin)
    before = District.objects.count()
    response = client.post(
        reverse("admin:tenants_district_add"),
        {"name": "North Ward", "number": "7", "is_illustrative": "on", "boundary_file": _file(geojson(inside_three))},
    )
    errors = upload_errors(response)
    assert errors[0] == (
        "100% of “North Ward” lies inside District 3: a case there would be in two districts. Districts of "
        "a city share edges, not area; correct the boundary, or change District 3 first."
    )
    assert errors[-1] == (
        "To do this, check “Cut it out of the districts it lies over” and save. The file district.geojson is kept: "
        "you need not choose it again. Or retire District 3 first (“Retire” on its page). To replace the whole map "
        "at once, import the new map with “Replace the current map”."
    )
    page = response.content.decode()
    assert 'value="North Ward"' in page and 'value="7"' in page
    assert response.context["adminform"].form["is_illustrative"].value() is True

    both = unary_union([one, two])
    response = client.post(
        reverse("admin:tenants_district_add"), {"name": "West Ward", "boundary_file": _file(geojson(both))}
    )
    errors = upload_errors(response)
    assert list(errors)[:2] == [
        f"“West Ward” covers 100% of District {n}: a case there would be in two districts. Districts of a "
        f"city share edges, not area; correct the boundary, or change District {n} first."
        for n in (1, 2)
    ]
    assert errors[-1] == (
        "To do this, check “Cut it out of the districts it lies over” and save. The file district.geojson is kept: "
        "you need not choose it again. Or retire District 1, District 2 first (“Retire” on each one's page). To "
        "replace the whole map at once, import the new map with “Replace the current map”."
    )
    assert District.objects.count() == before


def test_a_sliver_along_a_shared_edge_is_accepted(login, city_admin):
    """Published maps' borders differ by metres: a new district 2 drawn some 10 m past its
    neighbours' edges is taken (under ``districts.OVERLAP_SHARE`` of either)."""
    city = city_admin.city
    second = demo_district(city, 2)
    second.retired_on = datetime.date(2026, 1, 1)
    second.save()
    redrawn = shape_from_geojson(second.boundary).buffer(0.0001)  # some 10 m all round
    neighbours = districts.current_shapes(city)
    assert any(redrawn.intersection(n.geom).area > 0 for n in neighbours)  # it does overlap them, a little
    response = login(city_admin).post(
        reverse("admin:tenants_district_add"),
        {"name": "Ward 2", "number": "2", "boundary_file": _file(geojson(redrawn))},
    )
    assert response.status_code == 302
    assert District.objects.filter(city=city, name="Ward 2", number=2).exists()


def test_editing_a_districts_own_boundary_is_not_refused_as_an_overlap_with_itself(login, city_admin):
    district = demo_district(city_admin.city, 2)
    own = shape_from_geojson(district.boundary)
    trimmed = own.buffer(-0.001)  # wholly inside its old self
    response = login(city_admin).post(
        reverse("admin:tenants_district_change", args=[district.pk]),
        {"name": district.name, "number": "2", "boundary_file": _file(geojson(trimmed))},
    )
    assert response.status_code == 302
    district.refresh_from_db()
    assert shape_from_geojson(district.boundary).equals_exact(trimmed, 1e-9)
