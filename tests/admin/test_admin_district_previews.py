"""What a change to the map will do, said before saving, is a preview, not a mistake: the
districts import's "Replace the current map" and a boundary uploaded with "Cut it out of the
districts it lies over" say it in a notice headed "Check before …", with the button that does
it, outside the red summary, and the page's title does not start with "Error:". A real mistake
on the same pages is still in the red summary."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.admin.test_admin_district_alerts_said_first import map_file, old_map  # noqa: F401  (a fixture)
from tests.admin.test_admin_district_cut import ADD, _file, citywide, part
from tests.admin.test_admin_district_retired_alerts import alert

pytestmark = pytest.mark.django_db

IMPORT = "admin:tenants_district_import"


def notice(page: str) -> str:
    found = re.findall(r'<section class="civicdesk-preview"[^>]*>(.*?)</section>', page, re.S)
    assert len(found) == 1, found
    return found[0]


def summary(page: str) -> str:
    found = re.findall(r'<div class="error-summary"[^>]*data-error-summary>(.*?)</div>', page, re.S)
    assert len(found) == 1, found
    return found[0]


def test_the_import_preview_is_a_notice_with_its_button_not_the_error_summary(login, city_admin, old_map):  # noqa: F811
    city = city_admin.city
    alert(city, old_map["West"], "wes@example.org")
    wards = {"Ward 1": part(city, 0, 0.2), "Ward 2": part(city, 0.2, 0.5)}
    fields = {"name_property": "name", "replace": "on"}

    response = login(city_admin).post(reverse(IMPORT), {**fields, "file": map_file(wards)})

    page = response.content.decode()
    assert "data-error-summary" not in page and "errornote" not in page
    assert not re.search(r"<title>Error:", page)
    said = notice(page)
    assert (
        '<h2 id="import-preview-heading">Check before importing: nothing is imported yet, and importing will do this.</h2>'
        in said
    )
    assert "1 resident&#x27;s alert of West will move to “Ward 2”" in said
    assert "Also covering part of it, named in the email: “Ward 1” (" in said
    assert "The file new-map.geojson is kept: you need not choose it again." in said
    # The button beside it sends the page's form, which keeps the file and the box checked.
    assert re.search(r'<input type="submit" form="district-import-form" class="default" value="Replace the map">', said)
    assert '<form method="post" enctype="multipart/form-data" novalidate id="district-import-form">' in page

    spanish = login(city_admin).post(reverse(IMPORT), {**fields, "file": map_file(wards)}, HTTP_ACCEPT_LANGUAGE="es")
    said = notice(spanish.content.decode())
    assert "Revise antes de importar: todavía no se importa nada, y la importación hará esto." in said
    assert 'value="Reemplazar el mapa"' in said
    assert "También cubre parte de ese distrito, y el correo lo nombra: “Ward 1” (" in said


def test_a_real_mistake_on_the_import_is_still_in_the_red_summary(login, city_admin, old_map):  # noqa: F811
    alert(city_admin.city, old_map["West"], "wes@example.org")
    broken = SimpleUploadedFile("wards.geojson", b'{"type": "FeatureCollection", "features": [')

    page = login(city_admin).post(reverse(IMPORT), {"name_property": "name", "replace": "on", "file": broken})

    body = page.content.decode()
    assert "No district was imported yet. Please check:" in summary(body)
    assert "wards.geojson is not a GeoJSON file: it is not valid JSON" in summary(body)
    assert "civicdesk-preview" not in body
    assert re.search(r"<title>Error:", body)


def test_the_upload_pages_preview_is_a_notice_and_a_mistake_beside_it_stays_red(login, city_admin):
    city = city_admin.city
    citywide(city)
    client = login(city_admin)
    fields = {"name": "Ward 1", "number": "1", "cut_overlapped": "on"}

    alone = client.post(reverse(ADD), {**fields, "boundary_file": _file(part(city, 0, 0.5), "w1.geojson")})
    page = alone.content.decode()
    said = notice(page)
    assert "Check before saving: nothing is saved yet, and saving will do this." in said
    assert "Citywide is cut: it keeps the rest of its area" in said
    assert 'name="_save" class="default" value="Save and cut it out"' in said
    assert "data-error-summary" not in page and not re.search(r"<title>Error:", page)

    # A name left out is a mistake: red, with the preview still said apart from it.
    with_mistake = client.post(
        reverse(ADD), {**fields, "name": "", "boundary_file": _file(part(city, 0, 0.5), "w1.geojson")}
    )
    page = with_mistake.content.decode()
    assert "Name: This field is required." in summary(page)
    assert "Nothing is saved yet: read what saving will change." not in summary(page)
    assert "Citywide is cut: it keeps the rest of its area" in notice(page)
    assert re.search(r"<title>Error:", page)

    # Without the box checked, the overlap is a mistake (red), as before.
    refused = client.post(
        reverse(ADD), {"name": "Ward 1", "number": "1", "boundary_file": _file(part(city, 0, 0.5), "w1.geojson")}
    )
    page = refused.content.decode()
    assert "lies inside Citywide: a case there would be in two districts" in summary(page)
    assert "civicdesk-preview" not in page


def test_the_import_preview_counts_the_residents_emailed_when_one_has_two_alerts(login, city_admin, old_map):  # noqa: F811
    city = city_admin.city
    alert(city, old_map["East"], "eve@example.org", "es")
    alert(city, old_map["East"], "eve@example.org", "es")
    wards = {"Ward 1": part(city, 0, 0.5)}
    fields = {"name_property": "name", "replace": "on", "file": map_file(wards)}

    english = notice(login(city_admin).post(reverse(IMPORT), fields).content.decode())
    assert "They belong to 1 resident, who gets one email." in english

    fields["file"] = map_file(wards)
    spanish = notice(login(city_admin).post(reverse(IMPORT), fields, HTTP_ACCEPT_LANGUAGE="es").content.decode())
    assert "Pertenecen a 1 residente, que recibe un solo correo." in spanish
