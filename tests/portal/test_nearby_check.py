"""The report form's "Is this yours?": before a resident sends a report, the open public reports of
the same problem within 200 m of their pin, in any member city, nearest first, at most five; a
closed report, another problem, a report with no point or one just past 200 m is not offered.
Asked by the map as the pin moves (``/report/nearby/``) and by the form itself without
JavaScript, both from ``portal.selectors.nearby_open_cases``."""

from __future__ import annotations

import math
import re

import pytest

from civicdesk.cases import services
from civicdesk.cases.models import OPEN_STATUSES, ServiceRequest, Status
from civicdesk.cases.selectors import EARTH_RADIUS_M
from civicdesk.portal.selectors import NEARBY_RADIUS_M, nearby_open_cases
from civicdesk.tenants.selectors import city_at
from tests.collaborative.conftest import just_inside, on_shared_border
from tests.portal.conftest import report_data

pytestmark = pytest.mark.django_db

M_PER_DEG = math.pi * EARTH_RADIUS_M / 180


def _offset(lat: float, lng: float, north_m: float, east_m: float) -> tuple[float, float]:
    return lat + north_m / M_PER_DEG, lng + east_m / (M_PER_DEG * math.cos(math.radians(lat)))


def _metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@pytest.fixture
def pin_and_cases(catalogue):
    """A pin 20 m inside Independence from its line with Lee's Summit, and reports around it on
    both sides of the line: open potholes at several distances (one just inside 200 m, one just
    past it, one across the line), a closed pothole, an open graffiti report and a pothole
    with no point, all close to the pin."""
    border = on_shared_border("independence", "lees-summit")
    lat, lng = just_inside("independence", border)
    # Metres north and east from the pin towards the line, one metre long.
    north, east = (border[0] - lat) * M_PER_DEG, (border[1] - lng) * M_PER_DEG * math.cos(math.radians(lat))
    length = math.hypot(north, east)
    towards = (north / length, east / length)
    across = (-towards[1], towards[0])  # along the line

    def report(code: str, north_m: float, east_m: float, status: str = Status.NEW) -> ServiceRequest:
        at = _offset(lat, lng, north_m, east_m)
        city = city_at(lat=at[0], lng=at[1])
        assert city is not None
        service_type = catalogue[city.slug][code]
        case = services.case_create(
            service_type=service_type,
            lat=at[0],
            lng=at[1],
            description="Nearby check",
            attributes={"size": "small"} if code == "pothole" else {},
        )
        if status != case.status:
            ServiceRequest.objects.filter(pk=case.pk).update(status=status)
        return case

    def along(metres: float, sideways: float = 0.0) -> tuple[float, float]:
        """Metres towards the line (negative: away from it) and along it."""
        return (towards[0] * metres + across[0] * sideways, towards[1] * metres + across[1] * sideways)

    made = [
        report("pothole", *along(-10)),
        report("pothole", *along(90)),  # over the line, in Lee's Summit
        report("pothole", *along(-60, 100), status=Status.IN_PROGRESS),
        report("pothole", *along(-150, -40), status=Status.ASSIGNED),
        report("pothole", *along(0, 195)),
        report("pothole", *along(-30, -196)),
        report("pothole", *along(0, -205)),  # just past 200 m
        report("pothole", *along(-5, 5), status=Status.CLOSED),
        report("graffiti", *along(-3)),
    ]
    unplaced = report("pothole", *along(-15))
    ServiceRequest.objects.filter(pk=unplaced.pk).update(lat=None, lng=None)
    return (lat, lng), [*made, unplaced]


def _expected(pin, made) -> list[str]:
    """The rule, read off the reports themselves: open potholes with a point within 200 m of the
    pin, nearest first, the five nearest."""
    fresh = ServiceRequest.objects.filter(pk__in=[c.pk for c in made]).select_related("service_type")
    kept = [
        (_metres(pin[0], pin[1], c.lat, c.lng), c.reference)
        for c in fresh
        if c.lat is not None
        and c.lng is not None
        and c.status in OPEN_STATUSES
        and c.service_type.code == "pothole"
        and _metres(pin[0], pin[1], c.lat, c.lng) <= NEARBY_RADIUS_M
    ]
    return [reference for _m, reference in sorted(kept)[:5]]


def _offered(html: str) -> list[str]:
    listing = html.split('<ul class="nearby-list">')[1].split("</ul>")[0]
    return re.findall(r'<a href="/[a-z-]+/requests/\d+/">([^<]+)</a>', listing)


def test_the_check_offers_the_five_nearest_open_reports_of_the_problem_in_any_city(client, catalogue, pin_and_cases):
    pin, made = pin_and_cases
    expected = _expected(pin, made)
    # The reports were placed so that each rule leaves some out and the five are a choice.
    open_potholes_within = [
        c
        for c in ServiceRequest.objects.filter(service_type__code="pothole", status__in=OPEN_STATUSES)
        if c.lat is not None and _metres(pin[0], pin[1], c.lat, c.lng) <= NEARBY_RADIUS_M
    ]
    assert len(open_potholes_within) == 6 and len(expected) == 5
    assert {c.city.slug for c in made if c.reference in expected} == {"independence", "lees-summit"}

    found = nearby_open_cases(service_type=catalogue["independence"]["pothole"], lat=pin[0], lng=pin[1])
    assert [n.case.reference for n in found] == expected
    for n in found:
        assert n.metres == round(_metres(pin[0], pin[1], n.case.lat, n.case.lng))

    # Asked by the map for the pin: the same reports, in the same order.
    url = f"/report/nearby/?service_type={catalogue['independence']['pothole'].pk}&lat={pin[0]}&lng={pin[1]}"
    assert _offered(client.get(url).content.decode()) == expected
    # Lee's Summit's own pothole type asks the same question: the problem, not the city's type.
    url = f"/report/nearby/?service_type={catalogue['lees-summit']['pothole'].pk}&lat={pin[0]}&lng={pin[1]}"
    assert _offered(client.get(url).content.decode()) == expected


def test_without_javascript_the_form_offers_the_same_reports_before_filing(client, catalogue, pin_and_cases):
    pin, made = pin_and_cases
    count = ServiceRequest.objects.count()
    data = report_data(catalogue["independence"]["pothole"], nearby_checked=None, lat=str(pin[0]), lng=str(pin[1]))
    response = client.post("/independence/report/", data)
    html = response.content.decode()
    assert response.status_code == 200 and ServiceRequest.objects.count() == count
    assert _offered(html) == _expected(pin, made)


def test_no_open_report_of_the_problem_nearby_offers_nothing(client, catalogue, pin_and_cases):
    pin, _made = pin_and_cases
    ServiceRequest.objects.filter(service_type__code="pothole").update(status=Status.CLOSED)
    assert nearby_open_cases(service_type=catalogue["independence"]["pothole"], lat=pin[0], lng=pin[1]) == []
    graffiti = nearby_open_cases(service_type=catalogue["independence"]["graffiti"], lat=pin[0], lng=pin[1])
    assert [n.case.service_type.code for n in graffiti] == ["graffiti"]
