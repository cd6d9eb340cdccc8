"""The email that tells a resident their district alert moved (or stayed) says why the district
left the map, in true words: a new map imported, a district drawn over it, or the city's staff
retiring it by hand, never "a new map" for a district retired by hand. English and Spanish,
both parts, read from a real SMTP server on loopback."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicdesk.tenants import services, signals
from civicdesk.tenants.districts import DistrictShape
from civicdesk.tenants.models import City, District
from tests.admin.test_admin_district_cut import part
from tests.admin.test_admin_district_retired_alerts import alert, html_of, words
from tests.admin.test_admin_districts import without_the_demo_map

pytestmark = pytest.mark.django_db

OPENING = {
    (signals.IMPORTED, "en"): "Independence has a new map of its districts: since {day}, West is no longer on it.",
    (
        signals.IMPORTED,
        "es",
    ): "Independence tiene un nuevo mapa de sus distritos: desde el {dia}, West ya no está en él.",
    (signals.DRAWN_OVER, "en"): (
        "Independence has drawn a new district over West: since {day}, West is no longer on the city's map of "
        "districts."
    ),
    (signals.DRAWN_OVER, "es"): (
        "Independence trazó un nuevo distrito sobre West: desde el {dia}, West ya no está en el mapa de distritos "
        "de la ciudad."
    ),
    (signals.RETIRED, "en"): (
        "Independence's staff have retired the district West: since {day}, it is no longer on the city's map of "
        "districts."
    ),
    (signals.RETIRED, "es"): (
        "El personal de Independence retiró el distrito West: desde el {dia}, ya no está en el mapa de distritos de "
        "la ciudad."
    ),
}
SPANISH_MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                  "noviembre", "diciembre"]  # fmt: skip


def read(received: Any) -> list[str]:
    """Both parts as read: the text part's lines joined, the HTML part's words."""
    return [" ".join(received.text().split()), re.sub(r"\s+([:,.])", r"\1", words(html_of(received)))]


def west_leaves(city: City, cause: str) -> District:
    """West (the city's west half) leaves the map by ``cause``; Ward 2 covers most of it after."""
    without_the_demo_map(city)
    [west] = services.district_import(city=city, shapes=[DistrictShape("West", 1, part(city, 0, 0.5))])
    return west


def retire_by(city: City, west: District, cause: str) -> None:
    wards = [DistrictShape("Ward 1", 2, part(city, 0, 0.2)), DistrictShape("Ward 2", 3, part(city, 0.2, 0.5))]
    if cause == signals.IMPORTED:
        services.district_import(city=city, shapes=wards, replace=True)
        return
    today = services.city_today(city)
    if cause == signals.RETIRED:
        # The wards are on the map already (written before the map's checks): staff retire West by hand.
        for shape in wards:
            District.objects.create(city=city, name=shape.name, number=shape.number, boundary=shape.boundary)
        services.districts_retire(chosen=[west], on=today)
        return
    retired = services.district_retire(district=west, on=today)
    for shape in wards:
        District.objects.create(city=city, name=shape.name, number=shape.number, boundary=shape.boundary)
    services.district_replaced_announce(old=retired)  # a district uploaded over it: the admin's default


@pytest.mark.parametrize("cause", [signals.IMPORTED, signals.DRAWN_OVER, signals.RETIRED])
def test_the_email_says_why_the_district_left_the_map_in_english_and_spanish(independence, smtp_inbox, cause):
    city = independence
    west = west_leaves(city, cause)
    alert(city, west, "ann@example.org")
    alert(city, west, "ana@example.org", "es")
    smtp_inbox()

    retire_by(city, west, cause)

    mail = {m.to: m for m in smtp_inbox()}
    assert set(mail) == {"ann@example.org", "ana@example.org"}
    today = services.city_today(city)
    day = f"{today:%B} {today.day}, {today.year}"
    dia = f"{today.day} de {SPANISH_MONTHS[today.month - 1]} de {today.year}"
    for language, email in (("en", "ann@example.org"), ("es", "ana@example.org")):
        for part_read in read(mail[email]):
            assert OPENING[(cause, language)].format(day=day, dia=dia) in part_read, (language, part_read)
            for other_cause in {signals.IMPORTED, signals.DRAWN_OVER, signals.RETIRED} - {cause}:
                assert OPENING[(other_cause, language)].format(day=day, dia=dia) not in part_read
    english = read(mail["ann@example.org"])
    assert all("now follows Ward 2, the district that covers most of where West was" in p for p in english)
    assert all("Ward 1 covers part of it too." in p for p in english)
    spanish = read(mail["ana@example.org"])
    assert all("ahora sigue a Ward 2" in p for p in spanish)
    if cause != signals.IMPORTED:
        assert not any("new map" in p for p in english) and not any("nuevo mapa" in p for p in spanish)


def test_retired_by_staff_with_too_little_covering_it_the_alert_stays_and_the_email_says_why(independence, smtp_inbox):
    city = independence
    west = west_leaves(city, signals.RETIRED)
    District.objects.create(
        city=city, name="Riverside", number=7, boundary=DistrictShape("", None, part(city, 0.4, 0.5)).boundary
    )
    alert(city, west, "ann@example.org")
    alert(city, west, "ana@example.org", "es")
    smtp_inbox()

    services.districts_retire(chosen=[west], on=services.city_today(city))

    mail = {m.to: m for m in smtp_inbox()}
    for part_read in read(mail["ann@example.org"]):
        assert (
            "The districts still on the map cover less than half of where West was, so your alert stays as it was, "
            "and it will tell you of no new report: new reports are not placed in West."
        ) in part_read
        assert "new map" not in part_read
    for part_read in read(mail["ana@example.org"]):
        assert (
            "Los distritos que siguen en el mapa cubren menos de la mitad de donde estaba West, así que su alerta se "
            "queda como estaba y no le avisará de ningún reporte nuevo"
        ) in part_read
        assert "nuevo mapa" not in part_read
