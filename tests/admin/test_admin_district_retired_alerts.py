"""A district retired whole (a ward uploaded over the last of "Citywide", a map imported over
the old one) takes its residents' alerts nowhere by itself: they move to the district that now
covers most of it, and each resident is emailed in the alert's language what changed, with
the link to "Your alerts". The upload page says beforehand how many will move where. With no
district covering it the alert stays, and the resident is told. Read from a real SMTP server
on loopback, both parts of each email."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription
from civicdesk.tenants import services
from civicdesk.tenants.districts import DistrictShape
from civicdesk.tenants.models import City, District
from tests.admin.test_admin_district_cut import ADD, _file, add_ward, citywide, kept, part, upload_errors
from tests.admin.test_admin_districts import without_the_demo_map

pytestmark = pytest.mark.django_db


def alert(city: City, district: District, email: str, language: str = "", *, confirmed: bool = True) -> Any:
    return AreaSubscription.objects.create(
        email=email,
        city=city,
        area=AreaKind.DISTRICT,
        district=district,
        on=AlertOn.BOTH,
        language=language,
        active=True,
        confirmed_at=timezone.now() if confirmed else None,
    )


def html_of(received: Any) -> str:
    return str(received.message.get_body(preferencelist=("html",)).get_content())


def words(html: str) -> str:
    """The HTML part as read: tags dropped, spaces joined."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def your_alerts_link(received: Any, client: Client) -> str:
    """The link to "Your alerts" in both parts is the same, and opens the resident's alerts."""
    [in_text] = re.findall(r"https?://\S+/alerts/\S+", received.text())
    assert f'href="{in_text}"' in html_of(received)
    page = client.get(in_text[in_text.index("/", len("https://")) :])
    assert page.status_code == 200
    return page.content.decode()


def test_the_last_ward_over_citywide_says_its_alerts_will_move_then_moves_them_and_tells_each_resident(
    login, city_admin, smtp_inbox
):
    city = city_admin.city
    at_large = citywide(city)
    client = login(city_admin)
    add_ward(client, "Ward 1", 1, part(city, 0, 0.5))
    rest = District.objects.get(city=city, name="Citywide", retired_on__isnull=True)
    ann = alert(city, rest, "ann@example.org")
    ana = alert(city, rest, "ana@example.org", "es")
    unconfirmed = alert(city, rest, "not-yet@example.org", confirmed=False)
    smtp_inbox()  # nothing of the first ward: Citywide's alerts followed it as redrawn

    # The page says, before saving, what becomes of Citywide's alerts.
    east = part(city, 0.5, 1)
    fields = {"name": "Ward 2", "number": "2"}
    told = client.post(reverse(ADD), {**fields, "boundary_file": _file(east, "ward-2.geojson")})
    plan = upload_errors(told)
    assert any(line.startswith("Citywide is retired: “Ward 2” covers all of it") for line in plan), plan
    assert (
        "2 residents' alerts of Citywide will move to “Ward 2”, which covers 100% of it; each resident is emailed "
        "what changed, with a link to change theirs."
    ) in plan
    assert AreaSubscription.objects.filter(district=rest).count() == 3  # nothing moved yet

    saved = client.post(reverse(ADD), {**fields, "cut_overlapped": "on", **kept(told)})
    assert saved.status_code == 302
    ward_2 = District.objects.get(city=city, name="Ward 2")
    rest.refresh_from_db()
    assert rest.retired_on is not None
    for subscription in (ann, ana, unconfirmed):
        subscription.refresh_from_db()
        assert subscription.district_id == ward_2.pk
    said = [str(m) for m in get_messages(saved.wsgi_request)]
    assert "2 residents' alerts of Citywide now follow “Ward 2”; each resident is emailed what changed." in said
    at_large.refresh_from_db()
    assert at_large.retired_on is not None

    mail = {m.to: m for m in smtp_inbox()}
    assert set(mail) == {"ann@example.org", "ana@example.org"}  # not the unconfirmed address
    today = services.city_today(city)
    day = f"{today:%B} {today.day}, {today.year}"

    english = mail["ann@example.org"]
    assert english.message["Subject"] == "Your alerts of Citywide now follow Ward 2 (Independence 311)"
    for text in (english.text(), words(html_of(english))):
        flat = re.sub(r"\s+", " ", text)
        # A ward drawn over it, not a new map: the email says what happened.
        assert (
            f"Independence has drawn a new district over Citywide: since {day}, Citywide is no longer on the city's "
            "map of districts."
        ) in flat
        assert "new map" not in flat
        assert (
            "Your alert of the reports in Citywide now follows Ward 2, the district that covers most of where "
            "Citywide was (100% of it)."
        ) in flat
        assert "The link works for 7 days." in flat
    assert "See, change or stop all your alerts:" in english.text()
    assert '<html lang="en">' in html_of(english)
    page = your_alerts_link(english, Client())
    assert "Ward 2" in page

    spanish = mail["ana@example.org"]
    assert spanish.message["Subject"] == "Sus alertas de Citywide ahora siguen a Ward 2 (Independence 311)"
    assert '<html lang="es">' in html_of(spanish)
    for text in (spanish.text(), words(html_of(spanish))):
        flat = re.sub(r"\s+", " ", text)
        assert "Independence trazó un nuevo distrito sobre Citywide" in flat
        assert "nuevo mapa" not in flat
        assert "Su alerta de los reportes en Citywide ahora sigue a Ward 2" in flat
        assert "Citywide is no longer" not in flat and "now follows" not in flat
    your_alerts_link(spanish, Client())


def test_a_map_imported_over_the_old_moves_each_alert_to_the_district_covering_most_or_keeps_it_and_says_so(
    independence, smtp_inbox
):
    city = independence
    without_the_demo_map(city)
    west, east = part(city, 0, 0.5), part(city, 0.5, 1)
    old_west, old_east = services.district_import(
        city=city, shapes=[DistrictShape("West", 1, west), DistrictShape("East", 2, east)]
    )
    on_west = alert(city, old_west, "wes@example.org")
    on_east = alert(city, old_east, "eve@example.org")
    smtp_inbox()

    # The new map covers the old West with two wards, and none of the old East.
    wards = {"Ward 1": part(city, 0, 0.3), "Ward 2": part(city, 0.3, 0.5)}
    services.district_import(
        city=city,
        shapes=[DistrictShape(name, n, geom) for n, (name, geom) in enumerate(wards.items(), 1)],
        replace=True,
    )
    shares = {name: geom.intersection(west).area / west.area for name, geom in wards.items()}
    most, other = sorted(shares, key=lambda name: -shares[name])
    on_west.refresh_from_db()
    on_east.refresh_from_db()
    assert on_west.district == District.objects.get(city=city, name=most)
    assert on_east.district_id == old_east.pk  # nothing lost: it stays where it was

    mail = {m.to: m for m in smtp_inbox()}
    moved, stayed = mail["wes@example.org"], mail["eve@example.org"]
    assert moved.message["Subject"] == f"Your alerts of West now follow {most} (Independence 311)"
    for text in (moved.text(), words(html_of(moved))):
        flat = re.sub(r"\s+", " ", text)
        assert (
            f"now follows {most}, the district that covers most of where West was ({shares[most]:.0%} of it)."
        ) in flat
        assert (
            f"{other} covers part of it too. An alert follows one district, so yours follows the one that covers "
            f"most: to hear of the reports in {other} as well, add an alert for it."
        ) in flat
    assert stayed.message["Subject"] == "East is no longer on the map: your alerts (Independence 311)"
    for text in (stayed.text(), words(html_of(stayed))):
        flat = re.sub(r"\s+", " ", text)
        assert (
            "No district of the new map covers where East was, so your alert stays as it was, and it will tell you "
            "of no new report"
        ) in flat
    assert "East" in your_alerts_link(stayed, Client())
