"""An alert's area is said the way the sign-up form offered it and the resident chose it: a
circle "within ½ mile of the point you chose on the map", in the form's feet and miles (a
circle asked in meters before: "about 0.6 mile"),
with the point as a link to a map, never as raw coordinates. Read as a mail program gets it,
from a real SMTP server on loopback, in English and Spanish."""

from __future__ import annotations

import re

import pytest

from civicdesk.cases import services
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AlertOn, AreaKind
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

COORDINATES = re.compile(r"-?\d{2}\.\d{3,}")


def html_of(received) -> str:
    return str(received.message.get_body(preferencelist=("html",)).get_content())


def words_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("language", "radius_m", "area"),
    [
        ("en", 805, "within ½ mile of the point you chose on the map"),
        ("es", 805, "a menos de ½ milla del punto que eligió en el mapa"),
        ("en", 152, "within 500 ft of the point you chose on the map"),
        ("es", 152, "a menos de 500 pies del punto que eligió en el mapa"),
        ("en", 3219, "within 2 miles of the point you chose on the map"),
        ("es", 3219, "a menos de 2 millas del punto que eligió en el mapa"),
        # Circles stored in meters before the form spoke feet and miles.
        ("en", 250, "within about 800 ft of the point you chose on the map"),
        ("es", 250, "a menos de aproximadamente 800 pies del punto que eligió en el mapa"),
        ("en", 1000, "within about 0.6 mile of the point you chose on the map"),
        ("es", 1000, "a menos de aproximadamente 0.6 millas del punto que eligió en el mapa"),
        ("en", 5000, "within about 3.1 miles of the point you chose on the map"),
    ],
)
def test_a_circles_alert_says_its_distance_as_the_form_did_and_links_its_point_to_a_map(
    independence, trash, smtp_inbox, language, radius_m, area
):
    lat, lng = INSIDE["independence"]
    subscription = alert_services.subscription_create(
        email="neighbor@example.org",
        city=independence,
        area=AreaKind.RADIUS,
        lat=lat,
        lng=lng,
        radius_m=radius_m,
        on=AlertOn.NEW,
        language=language,
    )
    [confirmation] = smtp_inbox()
    alert_services.subscription_confirm(token=subscription.confirm_token)
    case = services.case_create(
        service_type=trash, lat=lat, lng=lng, address="223 N Memorial Dr", reporter_email="rita@example.org"
    )
    [alert] = [m for m in smtp_inbox() if m.to == "neighbor@example.org"]

    map_url = f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lng:.5f}#map=16/{lat:.5f}/{lng:.5f}"
    for email in (confirmation, alert):
        text = " ".join(email.text().split())
        html = html_of(email)
        assert area in text and area in words_of(html)
        assert map_url in text
        assert f'<a href="{map_url.replace("&", "&amp;")}">' in html
        # The only numbers with many decimals are the map link's, not the sentence's.
        assert not COORDINATES.search(text.replace(map_url, "")), text
        assert not COORDINATES.search(words_of(html)), words_of(html)
        assert not re.search(r"\d (m|km) ", text), text
    assert case.reference in alert.text()


def test_a_district_or_city_alert_has_no_map_link(independence, trash, smtp_inbox):
    lat, lng = INSIDE["independence"]
    subscription = alert_services.subscription_create(
        email="citywide@example.org", city=independence, area=AreaKind.CITY, on=AlertOn.NEW
    )
    smtp_inbox()
    alert_services.subscription_confirm(token=subscription.confirm_token)
    services.case_create(service_type=trash, lat=lat, lng=lng, reporter_email="rita@example.org")
    [alert] = [m for m in smtp_inbox() if m.to == "citywide@example.org"]
    assert "in your alert area (Independence)" in " ".join(alert.text().split())
    assert "openstreetmap" not in alert.text() and "openstreetmap" not in html_of(alert)
