"""One council district off the city's map, and back: "Retire" on a district's page and the
list's action ask for the day (today on the city's clock by default); a retired district keeps
its cases, takes no new one, and is compared with nothing; a city going from "Citywide" to
wards is told what each ward does to Citywide (the cut itself: test_admin_district_cut.py), and
a district redrawn takes its old self's place; restoring a district checks its number and area
again. The database holds each number to one current district of a city."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from shapely.geometry import box, mapping

from civicdesk.cases import services as case_services
from civicdesk.core import clock
from civicdesk.tenants import selectors, services
from civicdesk.tenants.admin import _share_words
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City, District
from tests.admin.test_admin_districts import city_area, geojson, upload_errors, without_the_demo_map
from tests.pages.form_errors_html import read_error_page

pytestmark = pytest.mark.django_db


def _file(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("district.geojson", content.encode(), content_type="application/geo+json")


def demo_district(city: City, number: int) -> District:
    return District.objects.get(city=city, number=number, retired_on__isnull=True)


def point_in(district: District) -> tuple[float, float]:
    lng, lat = shape_from_geojson(district.boundary).representative_point().coords[0]
    return lat, lng


def retire_url(district: District) -> str:
    return reverse("admin:tenants_district_retire", args=[district.pk])


def restore_url(district: District) -> str:
    return reverse("admin:tenants_district_restore", args=[district.pk])


def west_half(city: City):
    area = city_area(city)
    minx, miny, maxx, maxy = area.bounds
    return area.intersection(box(minx, miny, (minx + maxx) / 2, maxy))


def east_half(city: City):
    area = city_area(city)
    minx, miny, maxx, maxy = area.bounds
    return area.intersection(box((minx + maxx) / 2, miny, maxx, maxy))


def geojson_of(geom) -> dict:
    return dict(mapping(geom))


def citywide(city: City) -> District:
    """A city that elects its council at large: its one district, the template's."""
    without_the_demo_map(city)
    return District.objects.create(city=city, name="Citywide", number=None, boundary=city.boundary)


# --- Retire, on a district's page ---------------------------------------------------------
def test_a_city_admin_retires_a_district_from_its_page_on_the_day_asked_today_by_default(login, city_admin, trash):
    city = city_admin.city
    second = demo_district(city, 2)
    lat, lng = point_in(second)
    filed = case_services.case_create(service_type=trash, lat=lat, lng=lng, description="Bags by the curb")
    assert filed.district_id == second.pk
    client = login(city_admin)

    page = client.get(reverse("admin:tenants_district_change", args=[second.pk])).content.decode()
    assert f'href="{retire_url(second)}"' in page and ">Retire</a>" in page

    # 03:00 UTC on December 7 is still December 6 in Independence (America/Chicago).
    with clock.frozen_at(datetime.datetime(2026, 12, 7, 3, 0, tzinfo=datetime.UTC)):
        asked = client.get(retire_url(second))
        today = services.city_today(city)
    assert today == datetime.date(2026, 12, 6)
    assert asked.context["form"]["retired_on"].value() == today
    html = asked.content.decode()
    assert f'value="{today.isoformat()}"' in html and 'type="date"' in html
    assert "The cases already filed in it keep it" in html

    on = max(filed.opened_at.astimezone(city.tz).date(), services.city_today(city))
    response = client.post(retire_url(second), {"retired_on": on.isoformat(), "retire": "Retire"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:tenants_district_change", args=[second.pk])
    second.refresh_from_db()
    assert second.retired_on == on
    assert second.name == f"District 2 (map until {on.isoformat()})"
    told = [str(m) for m in response.wsgi_request._messages]
    assert told == [
        f"District 2 was retired on {on.isoformat()}, as “{second.name}”: its cases keep it; new cases are not "
        "placed in it. 1 open case filed in District 2 keeps it: it is worked as before, and the reports count it "
        "there."
    ]

    filed.refresh_from_db()
    assert filed.district_id == second.pk  # its history stays
    later = case_services.case_create(service_type=trash, lat=lat, lng=lng, description="More bags")
    assert later.district_id is None  # no current district covers the point now
    assert selectors.district_at(city=city, lat=lat, lng=lng) is None
    page = client.get(reverse("admin:tenants_district_change", args=[second.pk])).content.decode()
    assert f"Retired on {on.isoformat()}: the cases filed in it keep it" in page
    assert f'href="{restore_url(second)}"' in page and f'href="{retire_url(second)}"' not in page


def test_a_day_after_today_or_before_its_last_case_is_refused_in_english_and_spanish(login, city_admin, trash):
    city = city_admin.city
    first = demo_district(city, 1)
    lat, lng = point_in(first)
    filed = case_services.case_create(service_type=trash, lat=lat, lng=lng, description="Bags by the curb")
    filed_on = filed.opened_at.astimezone(city.tz).date()
    today = services.city_today(city)
    tomorrow, before = today + datetime.timedelta(days=1), filed_on - datetime.timedelta(days=3)
    client = login(city_admin)
    expected = {
        "en": [
            f"A district is retired today or on a day already past: {tomorrow} is after today ({today} in "
            "Independence). Retire it on the day the new map takes effect.",
            f"Cases were filed in District 1 until {filed_on}: retire it on that day or later, so that every case "
            "of it was filed while it was on the map.",
        ],
        "es": [
            f"Un distrito se retira hoy o en un día ya pasado: {tomorrow} es posterior a hoy ({today} en "
            "Independence). Retírelo el día en que el nuevo mapa entra en vigor.",
            f"Se presentaron casos en District 1 hasta el {filed_on}: retírelo ese día o después, para que todos "
            "sus casos se hayan presentado mientras estaba en el mapa.",
        ],
    }
    for language, (after_today, before_last) in expected.items():
        for day, message in ((tomorrow, after_today), (before, before_last)):
            response = client.post(
                retire_url(first), {"retired_on": day.isoformat(), "retire": "1"}, HTTP_ACCEPT_LANGUAGE=language
            )
            assert response.status_code == 200
            assert response.context["form"].errors == {"retired_on": [message]}
            told = read_error_page(response.content.decode())
            assert told.title.startswith("Error:")
            assert f'value="{day.isoformat()}"' in response.content.decode()  # the day typed is kept
    first.refresh_from_db()
    assert first.retired_on is None and first.name == "District 1"


def test_the_lists_action_retires_the_chosen_districts_on_one_day(login, city_admin):
    city = city_admin.city
    one, two, three = (demo_district(city, n) for n in (1, 2, 3))
    client = login(city_admin)
    chosen = {"action": "retire_districts", "_selected_action": [str(one.pk), str(two.pk)]}
    asked = client.post(reverse("admin:tenants_district_changelist"), {**chosen, "index": "0"})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Retire 2 districts" in html and "District 1" in html and "District 2" in html
    assert "District 3" not in html

    today = services.city_today(city)
    done = client.post(
        reverse("admin:tenants_district_changelist"), {**chosen, "retired_on": today.isoformat(), "retire": "1"}
    )
    assert done.status_code == 302
    assert set(District.objects.filter(city=city, retired_on=today).values_list("pk", flat=True)) == {one.pk, two.pk}
    three.refresh_from_db()
    assert three.retired_on is None
    assert [d.number for d in District.objects.filter(city=city, retired_on__isnull=True)] == [3, 4]


def test_a_regional_admin_may_not_retire_or_restore(login, regional_admin, independence):
    district = demo_district(independence, 1)
    client = login(regional_admin)
    page = client.get(reverse("admin:tenants_district_change", args=[district.pk])).content.decode()
    assert retire_url(district) not in page
    assert client.get(retire_url(district)).status_code == 403
    assert client.post(retire_url(district), {"retired_on": "2026-01-01", "retire": "1"}).status_code == 403
    assert client.post(restore_url(district), {"name": "District 1"}).status_code == 403
    district.refresh_from_db()
    assert district.retired_on is None


def test_another_citys_district_is_not_there_for_a_city_admin(login, city_admin, raytown):
    theirs = District.objects.filter(city=raytown).first()
    assert login(city_admin).get(retire_url(theirs)).status_code == 404


# --- from "Citywide" to wards (one ward at a time: tests/admin/test_admin_district_cut.py) ----
def _pct(geom, city: City) -> str:
    limits = city_area(city)
    return _share_words(geom.intersection(limits).area / limits.area)


def test_a_ward_over_citywide_says_what_saving_will_change_in_english_and_spanish(login, city_admin):
    city = city_admin.city
    at_large = citywide(city)
    west, east = west_half(city), east_half(city)
    today = services.city_today(city)
    expected = {
        "en": [
            "100% of “Ward 1” lies inside Citywide: a case there would be in two districts. Districts of a city "
            "share edges, not area; correct the boundary, or change Citywide first.",
            "With “Cut it out of the districts it lies over” checked, saving will do this:",
            f"Citywide is cut: it keeps the rest of its area, {_pct(east, city)} of Independence, and “Ward 1” "
            f"takes the part it lies over. Its cases so far keep it, as “Citywide (map until {today})”.",
            f"“Ward 1” will hold {_pct(west, city)} of Independence.",
            "To do this, check “Cut it out of the districts it lies over” and save. The file district.geojson is "
            "kept: you need not choose it again. Or retire Citywide first (“Retire” on its page). To replace the "
            "whole map at once, import the new map with “Replace the current map”.",
        ],
        "es": [
            "El 100% de “Ward 1” queda dentro de Citywide: un caso allí quedaría en dos distritos. Los distritos de "
            "una ciudad comparten bordes, no superficie; corrija el límite o cambie primero Citywide.",
            "Con “Recortarlo de los distritos que cubre” marcado, al guardar se hará esto:",
            f"Citywide se recorta: conserva el resto de su superficie, el {_pct(east, city)} de Independence, y "
            f"“Ward 1” toma la parte que cubre. Sus casos hasta ahora lo conservan, como “Citywide (mapa hasta el "
            f"{today})”.",
            f"“Ward 1” tendrá el {_pct(west, city)} de Independence.",
            "Para hacerlo, marque “Recortarlo de los distritos que cubre” y guarde. El archivo district.geojson se "
            "conserva: no necesita elegirlo de nuevo. O retire primero Citywide (“Retirar” en su página). Para "
            "reemplazar todo el mapa de una vez, importe el nuevo mapa con “Reemplazar el mapa actual”.",
        ],
    }
    client = login(city_admin)
    for language, words in expected.items():
        response = client.post(
            reverse("admin:tenants_district_add"),
            {"name": "Ward 1", "number": "1", "boundary_file": _file(geojson(west))},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert upload_errors(response) == words
        assert 'value="Ward 1"' in response.content.decode()
    assert list(District.objects.filter(city=city, retired_on__isnull=True)) == [at_large]


def test_retiring_citywide_first_then_adding_wards_one_by_one(login, city_admin):
    city = city_admin.city
    at_large = citywide(city)
    client = login(city_admin)
    today = services.city_today(city)
    assert client.post(retire_url(at_large), {"retired_on": today.isoformat(), "retire": "1"}).status_code == 302
    for name, number, area in (("Ward 1", 1, west_half(city)), ("Ward 2", 2, east_half(city))):
        response = client.post(
            reverse("admin:tenants_district_add"),
            {"name": name, "number": str(number), "boundary_file": _file(geojson(area))},
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
    assert District.objects.filter(city=city, retired_on__isnull=True).count() == 2


def test_a_redrawn_district_takes_the_name_and_number_of_the_one_it_replaces(login, city_admin):
    city = city_admin.city
    second = demo_district(city, 2)
    redrawn = shape_from_geojson(second.boundary).buffer(0.0005)
    client = login(city_admin)
    fields = {"name": "District 2", "number": "2", "boundary_file": _file(geojson(redrawn))}
    told = client.post(reverse("admin:tenants_district_add"), fields)
    assert told.status_code == 200
    today = services.city_today(city)
    form = told.context["adminform"].form
    assert "number" not in form.errors  # the page says the number's district is retired, below
    assert (
        f"District 2 is retired and “District 2” takes its place. Its cases keep it, as “District 2 (map until "
        f"{today})”."
    ) in form.errors["boundary_file"]
    again = {"name": "District 2", "number": "2", "cut_overlapped": "on"}
    again |= {key: form[key].value() for key in ("kept_boundary", "kept_file")}
    response = client.post(reverse("admin:tenants_district_add"), again)
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.retired_on, second.name) == (today, f"District 2 (map until {today})")
    new = District.objects.get(city=city, number=2, retired_on__isnull=True)
    assert new.name == "District 2" and new.pk != second.pk
    assert shape_from_geojson(new.boundary).equals_exact(redrawn, 1e-9)
    assert list(District.objects.filter(city=city, retired_on__isnull=False)) == [second]  # not its neighbours


# --- Restore ----------------------------------------------------------------------------------
def test_restoring_checks_the_number_and_the_area_again_in_english_and_spanish(login, city_admin):
    city = city_admin.city
    second = demo_district(city, 2)
    client = login(city_admin)
    today = services.city_today(city)
    client.post(retire_url(second), {"retired_on": today.isoformat(), "retire": "1"})
    second.refresh_from_db()
    taken = District.objects.create(city=city, name="New Ward 2", number=2, boundary=second.boundary)

    asked = client.get(restore_url(second))
    assert asked.context["form"]["name"].value() == "District 2"  # the name it had
    expected = {
        "en": [
            "“District 2” has number 2, which “New Ward 2” already has.",
            "“District 2” covers 100% of “New Ward 2”.",
        ],
        "es": [
            "“District 2” tiene el número 2, que ya tiene “New Ward 2”.",
            "“District 2” cubre el 100% de “New Ward 2”.",
        ],
    }
    for language, messages in expected.items():
        response = client.post(restore_url(second), {"name": "District 2"}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == messages
        told = read_error_page(response.content.decode())
        assert told.summary_id
    second.refresh_from_db()
    assert second.retired_on == today

    client.post(retire_url(taken), {"retired_on": today.isoformat(), "retire": "1"})
    response = client.post(restore_url(second), {"name": "District 2"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.retired_on, second.name) == (None, "District 2")
    lat, lng = point_in(second)
    assert selectors.district_at(city=city, lat=lat, lng=lng).pk == second.pk


def test_a_retired_districts_name_is_found_again_in_the_language_it_was_retired_in(login, city_admin):
    city = city_admin.city
    fourth = demo_district(city, 4)
    client = login(city_admin)
    today = services.city_today(city)
    client.post(retire_url(fourth), {"retired_on": today.isoformat(), "retire": "1"}, HTTP_ACCEPT_LANGUAGE="es")
    fourth.refresh_from_db()
    assert fourth.name == f"District 4 (mapa hasta el {today})"
    assert client.get(restore_url(fourth)).context["form"]["name"].value() == "District 4"


def test_a_restored_district_whose_name_was_taken_meanwhile_comes_back_under_another(login, city_admin):
    city = city_admin.city
    fourth = demo_district(city, 4)
    client = login(city_admin)
    today = services.city_today(city)
    client.post(retire_url(fourth), {"retired_on": today.isoformat(), "retire": "1"})
    first = shape_from_geojson(demo_district(city, 1).boundary)
    District.objects.create(city=city, name="District 4", number=None, boundary=geojson_of(first.buffer(-0.004)))
    for language, message in (
        ("en", "Another district of Independence is named “District 4”: choose another name."),
        ("es", "Otro distrito de Independence se llama “District 4”: elija otro nombre."),
    ):
        response = client.post(restore_url(fourth), {"name": "District 4"}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.context["form"].non_field_errors() == [message]
    assert client.post(restore_url(fourth), {"name": "District 4 (east)"}).status_code == 302
    fourth.refresh_from_db()
    assert (fourth.retired_on, fourth.name, fourth.number) == (None, "District 4 (east)", 4)


# --- the database's backstop ----------------------------------------------------------------
def test_the_database_refuses_a_second_current_district_with_a_number(independence):
    second = demo_district(independence, 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        District.objects.create(city=independence, name="Another 2", number=2, boundary=second.boundary)
    moved = demo_district(independence, 3)
    moved.number = 2
    with pytest.raises(IntegrityError), transaction.atomic():
        moved.save()


def test_the_database_lets_retired_districts_and_districts_without_a_number_share(independence, raytown):
    second = demo_district(independence, 2)
    District.objects.create(
        city=independence, name="Old 2", number=2, boundary=second.boundary, retired_on=datetime.date(2020, 1, 1)
    )
    District.objects.create(
        city=independence, name="Older 2", number=2, boundary=second.boundary, retired_on=datetime.date(2010, 1, 1)
    )
    District.objects.create(city=independence, name="At large A", number=None, boundary=second.boundary)
    District.objects.create(city=independence, name="At large B", number=None, boundary=second.boundary)
    # A number is each city's own: both may have a district 9.
    District.objects.create(city=independence, name="Ward 9", number=9, boundary=second.boundary)
    District.objects.create(city=raytown, name="Ward 9", number=9, boundary=raytown.boundary)
    assert District.objects.filter(city=independence, number=2).count() == 3
    assert District.objects.filter(number=9).count() == 2


def test_restoring_a_district_whose_number_was_taken_meanwhile_is_refused_by_the_database_too(independence):
    """A write that skips the service's check (a shell) meets the constraint."""
    second = demo_district(independence, 2)
    services.district_retire(district=second, on=services.city_today(independence))
    District.objects.create(city=independence, name="New 2", number=2, boundary=second.boundary)
    second.refresh_from_db()
    second.retired_on = None
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
