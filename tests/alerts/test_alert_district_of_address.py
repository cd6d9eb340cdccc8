"""The alerts form tells a resident which council district their address is in: the address
box asks (``/<city>/alerts/district/``) and the page says "18891 Meadow Ln is in District 2";
a form sent without JavaScript for "A council district" with an address but no district has
the address's district filled in, said on the confirmation, or is sent back saying the address
is in no district (nothing saved, what was typed kept). The district is the current map's
district covering the point (``tenants.selectors.district_at``), checked here against the
districts' own shapes."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from shapely.geometry import Point, shape

from civicdesk.notifications import alerts as alert_rules
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AreaKind, AreaSubscription
from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.tenants.models import City, District
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

ADDRESS = "18891 Meadow Ln"


@pytest.fixture
def home(independence: City, spots: dict[str, Any]) -> tuple[float, float]:
    """18891 Meadow Ln, at a point of Independence in the second of two districts."""
    lat, lng = spots["b"]
    row = PointRow(18891, "", parse_street("Meadow Ln"), "", "", "64050", lat, lng)
    addresses_load(city=independence, rows=[(1, row)], source=Source.OPENADDRESSES)
    return lat, lng


def covering(city: City, lat: float, lng: float) -> list[District]:
    """The city's current districts whose shapes hold the point, read from the shapes."""
    here = Point(lng, lat)
    return [d for d in city.districts.filter(retired_on__isnull=True) if shape(d.boundary).covers(here)]


def send(client: Client, *, language: str = "en", **data: Any) -> Any:
    form = {"email": "ann@example.org", "on": "new", "area": AreaKind.DISTRICT, "radius_m": "402", **data}
    return client.post("/independence/alerts/", form, HTTP_ACCEPT_LANGUAGE=language)


def test_an_address_sent_without_a_district_gets_its_district_and_says_so(
    client: Client, independence: City, home: tuple[float, float]
) -> None:
    (district,) = covering(independence, *home)
    page = send(client, address=ADDRESS.lower())
    assert page.status_code == 200
    text = page.content.decode()
    assert "Almost done" in text
    assert f"{ADDRESS} is in {district.name}. No district was chosen, so your alerts are of {district.name}." in text
    alert = AreaSubscription.objects.get(email="ann@example.org")
    assert (alert.area, alert.district_id) == (AreaKind.DISTRICT, district.pk)

    spanish = send(client, language="es", email="bea@example.org", address=ADDRESS).content.decode()
    assert (
        f"{ADDRESS} está en {district.name}. No eligió ningún distrito, así que sus alertas son de {district.name}."
        in spanish
    )
    assert AreaSubscription.objects.get(email="bea@example.org").district_id == district.pk


def test_a_district_chosen_is_kept_whatever_the_address(
    client: Client, independence: City, home: tuple[float, float], spots: dict[str, Any]
) -> None:
    chosen = spots["a_district"]
    page = send(client, address=ADDRESS, district=str(chosen.pk))
    assert page.status_code == 200
    assert "No district was chosen" not in page.content.decode()
    assert AreaSubscription.objects.get().district_id == chosen.pk


def test_an_address_in_no_district_is_sent_back_in_words_and_nothing_is_saved(
    client: Client, independence: City, home: tuple[float, float]
) -> None:
    (district,) = covering(independence, *home)
    district.retired_on = datetime.date(2026, 12, 1)
    district.save()
    assert covering(independence, *home) == []
    page = send(client, address=ADDRESS)
    assert page.status_code == 400
    text = page.content.decode()
    assert f"{ADDRESS} is in no district of Independence. Choose a district from the list, or the whole city." in text
    assert f'value="{ADDRESS}"' in text  # the address typed is kept
    assert 'value="ann@example.org"' in text
    assert not AreaSubscription.objects.exists()
    spanish = send(client, language="es", address=ADDRESS).content.decode()
    assert (
        f"{ADDRESS} no está en ningún distrito de Independence. Elija un distrito de la lista, o toda la ciudad."
        in spanish
    )


def test_a_point_outside_the_city_is_in_none_of_its_districts(client: Client, independence: City) -> None:
    lat, lng = INSIDE["raytown"]
    page = send(client, lat=str(lat), lng=str(lng))
    assert page.status_code == 400
    assert "The pin is outside Independence: it is in none of its districts." in page.content.decode()
    assert not AreaSubscription.objects.exists()

    answer = client.get("/independence/alerts/district/", {"lat": lat, "lng": lng, "address": "9900 E 63rd St"})
    assert answer.json() == {
        "district": None,
        "name": "",
        "text": "9900 E 63rd St is outside Independence: it is in none of its districts.",
        "choose": "",
        "chosen": "",
    }


def test_an_address_not_found_asks_for_the_district_from_the_list(client: Client, independence: City) -> None:
    page = send(client, address="1 Nowhere Blvd")
    assert page.status_code == 400
    assert "We could not find “1 Nowhere Blvd” to tell its district: choose your district from the list." in (
        page.content.decode()
    )
    assert not AreaSubscription.objects.exists()


def test_the_address_box_asks_the_district_of_a_point(
    client: Client, independence: City, home: tuple[float, float]
) -> None:
    (district,) = covering(independence, *home)
    lat, lng = home
    answer = client.get("/independence/alerts/district/", {"lat": lat, "lng": lng, "address": ADDRESS})
    assert answer.status_code == 200
    assert answer.json() == {
        "district": district.pk,
        "name": district.name,
        "text": f"{ADDRESS} is in {district.name}.",
        "choose": f"Alerts of {district.name}",
        # Said when the form chooses it for the resident (address.js).
        "chosen": f"Alerts of {district.name} chosen; you can choose the whole city or a distance instead.",
    }
    spanish = client.get("/independence/alerts/district/", {"lat": lat, "lng": lng}, HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.json()["text"] == f"El marcador está en {district.name}."
    assert spanish.json()["choose"] == f"Alertas de {district.name}"
    assert spanish.json()["chosen"] == (
        f"Alertas de {district.name} elegidas; en su lugar puede elegir toda la ciudad o una distancia."
    )

    district.retired_on = datetime.date(2026, 12, 1)
    district.save()
    none = client.get("/independence/alerts/district/", {"lat": lat, "lng": lng, "address": ADDRESS}).json()
    assert (none["district"], none["text"], none["chosen"]) == (
        None,
        f"{ADDRESS} is in no district of Independence.",
        "",
    )

    bad = client.get("/independence/alerts/district/", {"lat": "north", "lng": lng})
    assert bad.status_code == 400
    assert bad.json()["error"] == "Give the point as lat= and lng= in degrees."


def test_an_alert_changed_to_a_district_by_its_address_gets_that_district(
    client: Client, independence: City, home: tuple[float, float]
) -> None:
    (district,) = covering(independence, *home)
    alert = alert_services.subscription_create(email="ann@example.org", city=independence)
    token = alert_rules.your_alerts_token(email="ann@example.org", city=independence)
    change = f"/independence/alerts/yours/{token}/{alert.pk}/change/"
    form = {"email": "ann@example.org", "on": "new", "area": AreaKind.DISTRICT, "radius_m": "402", "address": ADDRESS}
    page = client.post(change, form, follow=True)
    assert page.status_code == 200
    assert (
        f"{ADDRESS} is in {district.name}. No district was chosen, so your alerts are of {district.name}."
        in page.content.decode()
    )
    alert.refresh_from_db()
    assert (alert.area, alert.district_id) == (AreaKind.DISTRICT, district.pk)

    district.retired_on = datetime.date(2026, 12, 1)
    district.save()
    refused = client.post(change, {**form, "area": AreaKind.DISTRICT}, follow=True)
    assert refused.status_code == 400
    assert f"{ADDRESS} is in no district of Independence." in refused.content.decode()
    alert.refresh_from_db()
    assert alert.district_id == district.pk  # unchanged


def test_a_post_with_no_fields_shows_the_form_again_and_changes_nothing(client: Client, independence: City) -> None:
    # The CSRF token may come in a header, so a POST can carry no field at all: the form is
    # then unbound, neither valid nor with a mistake to say, and is shown as a GET shows it.
    alert = alert_services.subscription_create(email="ann@example.org", city=independence)
    token = alert_rules.your_alerts_token(email="ann@example.org", city=independence)
    before = list(AreaSubscription.objects.values_list("pk", "area", "district_id", "email"))
    for url in ("/independence/alerts/", f"/independence/alerts/yours/{token}/{alert.pk}/change/"):
        page = client.post(url, {})
        assert page.status_code == 200, url
        assert 'name="email"' in page.content.decode(), url
    assert list(AreaSubscription.objects.values_list("pk", "area", "district_id", "email")) == before
