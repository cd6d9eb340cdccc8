"""An alert around a point names the address the resident chose: "within ½ mile of 18891
Meadow Ln" ("a menos de ½ milla de 18891 Meadow Ln") in its confirmation email, its alerts
and the confirm and stop pages, the address a link to the point on a map. The address kept is
the gazetteer's, found as the report form places a report: the one picked from the list (or
typed, when it lies by the pin), else the address nearest the pin. Words that are no address
near the pin are never repeated in an email. With no address known (an alert made before the
address was kept, a pin far from every address) the alert says "the point you chose on the
map" as before. Emails are read as a mail program gets them, from a real SMTP server on
loopback."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription
from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

LAT, LNG = INSIDE["independence"]
STEP = 0.00005  # degrees of latitude between two houses: about 5.6 m


def house(number: int) -> tuple[float, float]:
    """Where the gazetteer has ``number`` Meadow Ln."""
    return LAT + (number - 18891) * STEP, LNG


@pytest.fixture
def meadow_ln(independence: City) -> City:
    """18881 to 18900 Meadow Ln, in Independence, north to south along one line of longitude."""
    rows = [PointRow(n, "", parse_street("Meadow Ln"), "", "", "64050", *house(n)) for n in range(18881, 18901)]
    addresses_load(city=independence, rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return independence


def subscribe(city: City, *, address: str = "", point: tuple[float, float] | None = None, **more: Any) -> Any:
    lat, lng = point if point is not None else (None, None)
    return alert_services.subscription_create(
        email=more.pop("email", "neighbor@example.org"),
        city=city,
        area=AreaKind.RADIUS,
        lat=lat,
        lng=lng,
        radius_m=more.pop("radius_m", 805),
        address=address,
        on=AlertOn.NEW,
        **more,
    )


def words_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def html_of(received: Any) -> str:
    return str(received.message.get_body(preferencelist=("html",)).get_content())


@pytest.mark.parametrize(
    ("language", "area"),
    [("en", "within ½ mile of 18891 Meadow Ln"), ("es", "a menos de ½ milla de 18891 Meadow Ln")],
)
def test_the_address_picked_names_the_alert_in_its_emails_and_links_to_the_point(
    meadow_ln: City, trash: ServiceType, smtp_inbox: Any, language: str, area: str
) -> None:
    # The list's address, its point where choosing it put the pin.
    subscription = subscribe(meadow_ln, address="18891 Meadow Ln", point=house(18891), language=language)
    assert subscription.address == "18891 Meadow Ln"
    [confirmation] = smtp_inbox()
    alert_services.subscription_confirm(token=subscription.confirm_token)
    case = services.case_create(
        service_type=trash, lat=LAT + 0.001, lng=LNG, address="223 N Memorial Dr", reporter_email="rita@example.org"
    )
    [alert] = [m for m in smtp_inbox() if m.to == "neighbor@example.org"]
    assert case.reference in alert.text()

    map_url = f"https://www.openstreetmap.org/?mlat={LAT:.5f}&amp;mlon={LNG:.5f}#map=16/{LAT:.5f}/{LNG:.5f}"
    for email in (confirmation, alert):
        text, html = " ".join(email.text().split()), html_of(email)
        assert area in text, text
        assert area in words_of(html)
        # The address is the link to the point on a map.
        assert f'<a href="{map_url}">18891 Meadow Ln</a>' in html
        assert "the point you chose" not in text and "punto que eligió" not in text


def test_typed_in_other_words_beside_the_pin_the_gazetteers_form_is_kept(meadow_ln: City) -> None:
    subscription = subscribe(meadow_ln, address="18893 meadow lane", point=house(18891))
    assert subscription.address == "18893 Meadow Ln"  # 11 m from the pin: that address, as the city writes it


def test_a_pin_alone_is_named_by_the_address_nearest_it(meadow_ln: City) -> None:
    lat, lng = house(18895)
    subscription = subscribe(meadow_ln, point=(lat + STEP / 5, lng + 0.0001))
    assert subscription.address == "18895 Meadow Ln"
    assert subscription.describe_area() == "within ½\u00a0mile of 18895 Meadow Ln"


def test_words_that_are_no_address_by_the_pin_are_not_repeated_the_nearest_address_is(
    meadow_ln: City, smtp_inbox: Any
) -> None:
    north = (house(18900)[0] + 0.0015, LNG)  # about 170 m north of the last house
    far = subscribe(meadow_ln, address="18881 Meadow Ln", point=north)  # a real address, 280 m away
    odd = subscribe(meadow_ln, address="Buy cheap watches at example.com", point=north, email="other@example.org")
    assert far.address == odd.address == "18900 Meadow Ln"
    for email in smtp_inbox():
        assert "watches" not in email.text() and "watches" not in html_of(email)
        assert "within ½ mile of 18900 Meadow Ln" in " ".join(email.text().split())


def test_without_a_pin_a_certain_address_gives_the_point_and_its_name(meadow_ln: City) -> None:
    subscription = subscribe(meadow_ln, address="18897 Meadow Ln")
    assert (subscription.lat, subscription.lng) == pytest.approx(house(18897))
    assert subscription.address == "18897 Meadow Ln"


def test_without_a_pin_an_address_not_found_is_refused_and_nothing_is_kept(meadow_ln: City) -> None:
    with pytest.raises(Exception) as refused:
        subscribe(meadow_ln, address="12 Nowhere St")
    assert "Choose the center of the area" in str(refused.value)
    assert not AreaSubscription.objects.exists()


def test_far_from_every_address_the_alert_says_the_point_chosen_on_the_map(meadow_ln: City) -> None:
    subscription = subscribe(meadow_ln, address="18891 Meadow Ln", point=(LAT + 0.01, LNG))
    assert subscription.address == ""
    assert subscription.describe_area() == "within ½\u00a0mile of the point you chose on the map"


def test_an_alert_kept_without_an_address_still_says_the_point_chosen_on_the_map(meadow_ln: City) -> None:
    subscription = subscribe(meadow_ln, point=house(18891))
    AreaSubscription.objects.filter(pk=subscription.pk).update(address="")  # as made before this change
    subscription.refresh_from_db()
    assert subscription.describe_area() == "within ½\u00a0mile of the point you chose on the map"
    assert ">the point you chose on the map</a>" in subscription.describe_area_html()


@pytest.mark.parametrize(
    ("language", "asked", "stopped"),
    [
        (
            "en",
            "Send neighbor@example.org emails about new reports within ½ mile of 18891 Meadow Ln?",
            "neighbor@example.org will no longer get alerts of reports within ½ mile of 18891 Meadow Ln.",
        ),
        (
            "es",
            "¿Enviar a neighbor@example.org correos sobre reportes nuevos a menos de ½ milla de 18891 Meadow Ln?",
            "neighbor@example.org ya no recibirá alertas de reportes a menos de ½ milla de 18891 Meadow Ln.",
        ),
    ],
)
def test_the_confirm_and_stop_pages_name_the_address(meadow_ln: City, language: str, asked: str, stopped: str) -> None:
    subscription = subscribe(meadow_ln, address="18891 Meadow Ln", point=house(18891))
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    page = words_of(client.get(f"/alerts/confirm/{subscription.confirm_token}/").content.decode())
    assert asked in page
    client.post(f"/alerts/unsubscribe/{subscription.unsubscribe_token}/")
    page = words_of(client.get(f"/alerts/unsubscribe/{subscription.unsubscribe_token}/").content.decode())
    assert stopped in page


def test_the_form_sent_back_keeps_the_address_and_sent_again_keeps_the_new_one(meadow_ln: City) -> None:
    client = Client()
    lat, lng = house(18891)
    form = {"email": "not an address", "on": "new", "area": "radius", "radius_m": "402"}
    page = client.post("/independence/alerts/", {**form, "address": "18891 Meadow Ln", "lat": lat, "lng": lng})
    assert page.status_code == 400
    assert 'value="18891 Meadow Ln"' in page.content.decode()  # still in the box, with its pin
    assert not AreaSubscription.objects.exists()

    # Another address chosen before sending again: that one is the alert's.
    lat, lng = house(18899)
    form["email"] = "neighbor@example.org"
    page = client.post("/independence/alerts/", {**form, "address": "18899 Meadow Ln", "lat": lat, "lng": lng})
    assert page.status_code == 200
    assert AreaSubscription.objects.get().address == "18899 Meadow Ln"
