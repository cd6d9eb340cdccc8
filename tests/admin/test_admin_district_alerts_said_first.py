"""The import's "Replace the current map" and a district's "Retire" say beforehand what becomes
of the residents' alerts of the districts they take off the map, in the words of the upload
page (tenants.services.district_replacing_words), English and Spanish, saving nothing until the
page is sent again. Retired by hand, a district the current map covers for the most part takes
its alerts to the district covering most of it; one it does not cover keeps them. Either way
each resident is emailed, read from a real SMTP server on loopback, both parts."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from shapely.geometry import mapping

from civicdesk.notifications.models import AreaSubscription
from civicdesk.tenants import services
from civicdesk.tenants.districts import DistrictShape
from civicdesk.tenants.models import City, District
from tests.admin.test_admin_district_cut import part
from tests.admin.test_admin_district_retired_alerts import alert, html_of, words
from tests.admin.test_admin_districts import without_the_demo_map

pytestmark = pytest.mark.django_db

IMPORT = "admin:tenants_district_import"


def map_file(wards: dict[str, object], name: str = "new-map.geojson") -> SimpleUploadedFile:
    """A districts file as the template has it: one feature per ward, its name and number."""
    features = [
        {"type": "Feature", "properties": {"name": ward, "number": n}, "geometry": mapping(geom)}
        for n, (ward, geom) in enumerate(wards.items(), 1)
    ]
    content = json.dumps({"type": "FeatureCollection", "features": features})
    return SimpleUploadedFile(name, content.encode(), content_type="application/geo+json")


def said(response) -> list[str]:
    """What the import page says before importing: a preview, not among the form's mistakes."""
    assert response.status_code == 200
    assert not response.context["form"].errors
    return [*response.context["preview"], response.context["preview_kept"]]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text))


@pytest.fixture
def old_map(independence: City) -> dict[str, District]:
    """Independence's map of two halves, West and East, each with a resident's alert on it."""
    without_the_demo_map(independence)
    west, east = services.district_import(
        city=independence,
        shapes=[
            DistrictShape("West", 1, part(independence, 0, 0.5)),
            DistrictShape("East", 2, part(independence, 0.5, 1)),
        ],
    )
    return {"West": west, "East": east}


def test_replacing_the_map_says_first_where_each_alert_goes_in_english_and_spanish_then_moves_them(
    login, city_admin, old_map, smtp_inbox
):
    city = city_admin.city
    on_west = alert(city, old_map["West"], "wes@example.org")
    on_east = [alert(city, old_map["East"], f"eve{n}@example.org", "es") for n in (1, 2)]
    client = login(city_admin)
    smtp_inbox()
    # The new map covers the old West with two wards (Ward 2 the most of it), and none of the old East.
    wards = {"Ward 1": part(city, 0, 0.2), "Ward 2": part(city, 0.2, 0.5)}
    west = part(city, 0, 0.5)
    most = f"{wards['Ward 2'].intersection(west).area / west.area:.0%}"
    also = f"{wards['Ward 1'].intersection(west).area / west.area:.0%}"
    fields = {"name_property": "name", "replace": "on"}

    told = said(client.post(reverse(IMPORT), {**fields, "file": map_file(wards)}))
    assert told == [
        f"1 resident's alert of West will move to “Ward 2”, which covers {most} of it; the resident is emailed "
        "what changed, with a link to change it.",
        f"Also covering part of it, named in the email: “Ward 1” ({also}).",
        "2 residents' alerts of East will stay on it, since no district covers it: they will tell of no new report. "
        "Each resident is emailed, with a link to change theirs.",
        "The file new-map.geojson is kept: you need not choose it again.",
    ]
    en = client.post(reverse(IMPORT), {**fields, "file": map_file(wards)}, HTTP_ACCEPT_LANGUAGE="es")
    spanish = said(en)
    assert spanish[0].startswith(f"1 alerta de un residente sobre West pasará a “Ward 2”, que cubre el {most} de ese")
    assert spanish[1] == f"También cubre parte de ese distrito, y el correo lo nombra: “Ward 1” ({also})."
    assert spanish[2].startswith("2 alertas de residentes sobre East se quedan en ese distrito, porque ningún distrito")
    assert spanish[3] == "El archivo new-map.geojson se conserva: no necesita elegirlo de nuevo."
    # Nothing saved, nobody told yet; the page keeps the file and what was typed.
    assert sorted(District.objects.filter(city=city, retired_on__isnull=True).values_list("name", flat=True)) == [
        "East",
        "West",
    ]
    assert smtp_inbox() == []
    page = en.content.decode()
    assert 'name="kept_file_name" value="new-map.geojson"' in page
    assert re.search(r'<input type="checkbox" name="replace"[^>]* checked>', page)
    form = en.context["form"]

    done = client.post(
        reverse(IMPORT), {**fields, "kept_file": form["kept_file"].value(), "kept_file_name": "new-map.geojson"}
    )
    assert done.status_code == 302, done.context["form"].errors
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        "Created 2 districts in Independence: Ward 1, Ward 2.",
        "1 resident's alert of West now follows “Ward 2”; the resident is emailed what changed.",
        "2 residents' alerts of East stay on it, since no district covers it; each resident is emailed.",
    ]
    on_west.refresh_from_db()
    assert on_west.district == District.objects.get(city=city, name="Ward 2")
    assert {a.district_id for a in AreaSubscription.objects.filter(pk__in=[a.pk for a in on_east])} == {
        old_map["East"].pk
    }
    mail = {m.to: m for m in smtp_inbox()}
    assert set(mail) == {"wes@example.org", "eve1@example.org", "eve2@example.org"}
    assert mail["wes@example.org"].message["Subject"] == "Your alerts of West now follow Ward 2 (Independence 311)"
    for text in (mail["wes@example.org"].text(), words(html_of(mail["wes@example.org"]))):
        assert f"now follows Ward 2, the district that covers most of where West was ({most} of it)." in flat(text)
        assert "Ward 1 covers part of it too." in flat(text)
    spanish_subject = " ".join(str(mail["eve1@example.org"].message["Subject"]).split())  # an encoded subject is folded
    assert spanish_subject == "East ya no está en el mapa: sus alertas (Independence 311)"
    assert "Ningún distrito del nuevo mapa cubre" in flat(mail["eve1@example.org"].text())


def test_a_file_chosen_again_is_said_again_and_a_map_with_no_alerts_imports_at_once(login, city_admin, old_map):
    city = city_admin.city
    client = login(city_admin)
    wards = {"Ward 1": part(city, 0, 0.5), "Ward 2": part(city, 0.5, 1)}
    fields = {"name_property": "name", "replace": "on"}
    # No alert on the old map: nothing to say first, the map is replaced at once.
    done = client.post(reverse(IMPORT), {**fields, "file": map_file(wards)})
    assert done.status_code == 302
    ward_1 = District.objects.get(city=city, name="Ward 1")
    alert(city, ward_1, "ann@example.org")
    told = client.post(reverse(IMPORT), {**fields, "file": map_file({"North": part(city, 0, 1)})})
    assert "1 resident's alert of Ward 1 will move to “North”, which covers 100% of it;" in " ".join(said(told))
    # Choosing the file again (another file, say) is read and said again, not saved.
    again = client.post(
        reverse(IMPORT),
        {
            **fields,
            "file": map_file({"North": part(city, 0, 1)}),
            "kept_file": told.context["form"]["kept_file"].value(),
        },
    )
    assert said(again)[0].startswith("1 resident's alert of Ward 1 will move to “North”")
    assert not District.objects.filter(city=city, name="North").exists()
    # Without a file and with none kept, the file's own error, in the page's words.
    empty = client.post(reverse(IMPORT), fields)
    assert empty.context["form"].errors["file"] == ["This field is required."]


def test_retiring_a_district_the_current_map_covers_says_first_then_moves_its_alerts_and_tells_each_resident(
    login, city_admin, independence, smtp_inbox
):
    city = city_admin.city
    without_the_demo_map(city)
    # An old district left under the wards that now cover it (written before the map's checks).
    west = District.objects.create(city=city, name="Old West", number=9, boundary=mapping(part(city, 0, 0.5)))
    for n, (start, end) in enumerate(((0, 0.2), (0.2, 0.5)), 1):
        District.objects.create(city=city, name=f"Ward {n}", number=n, boundary=mapping(part(city, start, end)))
    ann, ana = alert(city, west, "ann@example.org"), alert(city, west, "ana@example.org", "es")
    area = part(city, 0, 0.5)
    most = f"{part(city, 0.2, 0.5).intersection(area).area / area.area:.0%}"
    client = login(city_admin)
    smtp_inbox()
    url = reverse("admin:tenants_district_retire", args=[west.pk])

    page = flat(words(client.get(url).content.decode()))
    assert (
        f"2 residents' alerts of Old West will move to “Ward 2”, which covers {most} of it; each resident is "
        "emailed what changed, with a link to change theirs."
    ) in page
    spanish = flat(words(client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()))
    assert f"2 alertas de residentes sobre Old West pasarán a “Ward 2”, que cubre el {most} de ese distrito;" in spanish
    ann.refresh_from_db()
    assert ann.district_id == west.pk and smtp_inbox() == []  # nothing done yet

    today = services.city_today(city).isoformat()
    done = client.post(url, {"retired_on": today, "retire": "Retire"})
    assert done.status_code == 302
    assert [str(m) for m in get_messages(done.wsgi_request)][1:] == [
        "2 residents' alerts of Old West now follow “Ward 2”; each resident is emailed what changed."
    ]
    for subscription in (ann, ana):
        subscription.refresh_from_db()
        assert subscription.district == District.objects.get(city=city, name="Ward 2")
    mail = {m.to: m for m in smtp_inbox()}
    assert mail["ann@example.org"].message["Subject"] == "Your alerts of Old West now follow Ward 2 (Independence 311)"
    for text in (mail["ann@example.org"].text(), words(html_of(mail["ann@example.org"]))):
        assert (
            f"Your alert of the reports in Old West now follows Ward 2, the district that covers most of where Old "
            f"West was ({most} of it)."
        ) in flat(text)
        assert "Ward 1 covers part of it too." in flat(text)
    assert (
        mail["ana@example.org"].message["Subject"] == "Sus alertas de Old West ahora siguen a Ward 2 (Independence 311)"
    )
    assert "Su alerta de los reportes en Old West ahora sigue a Ward 2" in flat(mail["ana@example.org"].text())


def test_retiring_a_district_the_current_map_covers_less_than_half_of_keeps_its_alerts_and_says_so(
    login, city_admin, independence, smtp_inbox
):
    city = city_admin.city
    without_the_demo_map(city)
    east = District.objects.create(city=city, name="East", number=2, boundary=mapping(part(city, 0.5, 1)))
    # A fifth of East is under another current district: not most of it.
    District.objects.create(city=city, name="Riverside", number=3, boundary=mapping(part(city, 0.9, 1)))
    eve = alert(city, east, "eve@example.org")
    client = login(city_admin)
    smtp_inbox()
    chosen = {"action": "retire_districts", "_selected_action": [str(east.pk)]}

    asked = flat(
        words(client.post(reverse("admin:tenants_district_changelist"), {**chosen, "index": "0"}).content.decode())
    )
    assert (
        "1 resident's alert of East will stay on it, since no district covers it: it will tell of no new report. "
        "The resident is emailed, with a link to change it."
    ) in asked
    today = services.city_today(city).isoformat()
    done = client.post(
        reverse("admin:tenants_district_changelist"), {**chosen, "retired_on": today, "retire": "Retire"}
    )
    assert done.status_code == 302
    assert "1 resident's alert of East stays on it, since no district covers it; the resident is emailed." in [
        str(m) for m in get_messages(done.wsgi_request)
    ]
    eve.refresh_from_db()
    assert eve.district_id == east.pk  # nothing lost
    [told] = smtp_inbox()
    assert told.message["Subject"] == "East is no longer on the map: your alerts (Independence 311)"
    on = services.city_today(city)
    day = f"{on:%B} {on.day}, {on.year}"
    for text in (told.text(), words(html_of(told))):
        # Retired by staff, not by a new map: the email says so, and why the alert stays.
        opening = f"Independence's staff have retired the district East: since {day}, it is no longer on the city's map"
        assert opening in flat(text)
        assert (
            "The districts still on the map cover less than half of where East was, so your alert stays as it was, "
            "and it will tell you of no new report"
        ) in flat(text)
        assert "new map" not in flat(text)
