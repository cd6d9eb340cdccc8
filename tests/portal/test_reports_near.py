"""The browse page's "Near": a city's public reports within a distance of an address or a
point, nearest first, each saying how far; combined with the other filters, paged, in the URL;
never a confidential report; a bad place said in words with the other filters kept. And the
circle the page shares with Open311 (``cases.selectors.cases_within``)."""

from __future__ import annotations

import math
import random
import re
from urllib.parse import quote

import pytest
import shapely
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.selectors import EARTH_RADIUS_M, NearestFirst, cases_within
from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.tenants import geo
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

LAT, LNG = INSIDE["independence"]
# Metres per degree of latitude on the sphere the distances are measured on.
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180


def _case(service_type, *, north_m=0.0, east_m=0.0, lat=LAT, lng=LNG, **kw):
    kw.setdefault("attributes", {"size": "small"} if service_type.code == "pothole" else {})
    return services.case_create(
        service_type=service_type,
        lat=lat + north_m / M_PER_DEG,
        lng=lng + east_m / (M_PER_DEG * math.cos(math.radians(lat))),
        description="Near test",
        reporter_email="rita@example.org",
        **kw,
    )


def _listed(html: str) -> list[str]:
    """The references of the list's rows, in order."""
    return re.findall(r'<td class="ref"><a href="/independence/requests/\d+/">([^<]+)</a>', html)


def _away(html: str) -> list[str]:
    return re.findall(r'<td class="away" data-label="[^"]+">([^<]*)</td>', html)


@pytest.fixture
def elm_st(independence):
    """1200 to 1210 Elm St at the test's point, northwards, 10 m apart, and a 1200 Elm St in
    another street (1200 Elm Ave), for an address that could be two places."""
    rows = [
        PointRow(n, "", parse_street("Elm St"), "", "", "64050", LAT + (n - 1200) * 10 / M_PER_DEG, LNG)
        for n in range(1200, 1211)
    ]
    rows.append(PointRow(1200, "", parse_street("Elm Ave"), "", "", "64050", LAT - 0.01, LNG))
    addresses_load(city=independence, rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return independence


def test_reports_near_an_address_are_the_ones_within_a_quarter_mile_nearest_first_each_saying_how_far(
    client, catalogue, elm_st
):
    pothole, graffiti = catalogue["independence"]["pothole"], catalogue["independence"]["graffiti"]
    far = _case(pothole, north_m=500)  # past ¼ mile (402 m), inside ½ mile
    mid = _case(graffiti, north_m=-300)
    here = _case(pothole, north_m=2)
    east = _case(graffiti, east_m=110)
    html = client.get("/independence/requests/?near=1200+Elm+St").content.decode()
    assert _listed(html) == [here.reference, east.reference, mid.reference]
    assert _away(html) == ["at the point", "360\u00a0ft away", "980\u00a0ft away"]
    assert "3 reports within ¼\u00a0mile of 1200 Elm St, nearest first" in html
    assert 'value="1200 Elm St"' in html and '<option value="402" selected>¼\u00a0mile</option>' in html
    # The same place farther: ½ mile takes the report 500 m away, last.
    wider = client.get("/independence/requests/?near=1200+Elm+St&within=805").content.decode()
    assert _listed(wider) == [here.reference, east.reference, mid.reference, far.reference]
    assert _away(wider)[-1] == "0.3\u00a0mile away"
    # 500 ft (152 m): the two nearest.
    assert _listed(client.get("/independence/requests/?near=1200+Elm+St&within=152").content.decode()) == [
        here.reference,
        east.reference,
    ]


def test_reports_near_a_point_combine_with_the_problem_and_status_and_page_in_the_url(
    client, catalogue, independence, make_staff
):
    pothole, graffiti = catalogue["independence"]["pothole"], catalogue["independence"]["graffiti"]
    holes = [_case(pothole, north_m=10 * i) for i in range(27)]
    _case(graffiti, north_m=5)
    closed = holes[0]
    services.case_close(case=closed, actor=make_staff(independence, Role.SUPERVISOR), note="Filled")
    point = f"{LAT:.5f},{LNG:.5f}"
    first = client.get(f"/independence/requests/?near={point}&within=805&type=pothole&status=open").content.decode()
    assert _listed(first) == [h.reference for h in holes[1:26]]
    assert "26 reports within ½ mile of the point" in first.replace("\u00a0", " ")
    # "Farther" pages on from the last report shown, keeping the filters and the place
    # (tests/portal/test_near_keyset_pages.py pages whole circles both ways).
    keep = f"type=pothole&amp;status=open&amp;near={quote(point)}&amp;within=805"
    farther = re.search(rf'href="\?{re.escape(keep)}&amp;cursor=([^"]+)" rel="next">Farther<', first)
    assert farther is not None
    second = client.get(f"/independence/requests/?near={point}&within=805&type=pothole&status=open&cursor={farther[1]}")
    assert _listed(second.content.decode()) == [holes[26].reference]
    # An address from before the keyset pages still opens its page.
    numbered = client.get(f"/independence/requests/?near={point}&within=805&type=pothole&status=open&page=2")
    assert _listed(numbered.content.decode()) == [holes[26].reference]
    # The feeds keep the filters, not the place (they are not lists of a place).
    assert 'href="/independence/feeds/new.atom?type=pothole&amp;status=open"' in first


def test_a_confidential_report_is_never_listed_or_counted_near_a_place(client, catalogue, independence):
    pothole, abuse = catalogue["independence"]["pothole"], catalogue["independence"]["abuse"]
    hole = _case(pothole, north_m=20)
    secret = _case(abuse, north_m=1)
    html = client.get(f"/independence/requests/?near={LAT},{LNG}").content.decode()
    assert _listed(html) == [hole.reference]
    assert "1 report within ¼\u00a0mile" in html
    assert secret.reference not in html and "Elder abuse" not in html


def test_a_point_outside_the_city_lists_the_citys_reports_near_it(client, catalogue, independence):
    """A resident just over the city line asks about the reports near them: the city's reports
    within the distance are listed, though the point is in no part of the city."""
    limits = geo.shape_from_geojson(independence.boundary)
    # The city's northernmost corner; a report just inside it, the question from just outside.
    north = limits.bounds[3]
    corner = max(shapely.get_coordinates(limits.boundary), key=lambda c: c[1])
    inside = (corner[1] - 30 / M_PER_DEG, corner[0])
    for step in range(1, 40):  # a point inside the city, south of the corner
        if limits.covers(shapely.Point(inside[1], inside[0])):
            break
        inside = (corner[1] - (30 + 10 * step) / M_PER_DEG, corner[0])
    assert limits.covers(shapely.Point(inside[1], inside[0]))
    outside = (north + 100 / M_PER_DEG, corner[0])
    assert not limits.covers(shapely.Point(outside[1], outside[0]))
    hole = _case(catalogue["independence"]["pothole"], lat=inside[0], lng=inside[1])
    assert hole.city == independence
    html = client.get(f"/independence/requests/?near={outside[0]:.6f},{outside[1]:.6f}").content.decode()
    assert _listed(html) == [hole.reference]


@pytest.mark.parametrize(
    ("near", "says"),
    [
        ("91,-94.35", "“91,-94.35” is not a point on the map: give its latitude and longitude, like 39.0855,-94.3520"),
        ("39.08,", "“39.08,” is not a point on the map"),
        ("9999 Nowhere Blvd", "We found no address matching “9999 Nowhere Blvd”. Check the spelling"),
    ],
)
def test_a_place_that_is_not_one_is_said_in_words_and_the_other_filters_are_kept(client, catalogue, elm_st, near, says):
    hole = _case(catalogue["independence"]["pothole"], north_m=3000)
    response = client.get(f"/independence/requests/?near={quote(near)}&within=805&type=pothole&status=open")
    html = response.content.decode()
    assert response.status_code == 200
    assert escape(says) in html
    assert "<title>Error: " in html
    assert 'href="#f-near"' in html and 'aria-invalid="true"' in html
    # What was typed stays in the box; the distance, the problem and the status stay chosen;
    # the list is the other filters' (newest first), so nothing the resident chose is lost.
    assert f'value="{escape(near)}"' in html
    assert '<option value="805" selected>' in html
    assert '<option value="pothole" selected>' in html and '<option value="open" selected>' in html
    assert _listed(html) == [hole.reference]


def test_an_address_that_could_be_several_places_offers_them_to_choose(client, catalogue, elm_st):
    html = client.get("/independence/requests/?near=1200+Elm&within=805&type=pothole").content.decode()
    assert escape("“1200 Elm” could be more than one place.") in html
    choices = re.findall(r'<ul class="near-choices">(.*?)</ul>', html, re.S)
    assert choices and "Elm St" in choices[0] and "Elm Ave" in choices[0]
    link = re.search(r'<a href="([^"]+)">[^<]*Elm Ave[^<]*</a>', choices[0])
    assert link is not None and "type=pothole" in link.group(1) and "within=805" in link.group(1)


def test_a_malformed_distance_is_the_quarter_mile(client, catalogue, independence):
    _case(catalogue["independence"]["pothole"], north_m=600)
    near = _case(catalogue["independence"]["pothole"], north_m=100)
    html = client.get(f"/independence/requests/?near={LAT},{LNG}&within=lots").content.decode()
    assert _listed(html) == [near.reference]
    assert '<option value="402" selected>¼\u00a0mile</option>' in html


def test_reports_near_a_place_in_spanish(client, catalogue, elm_st):
    pothole = catalogue["independence"]["pothole"]
    _case(pothole, north_m=2)
    _case(pothole, north_m=300)
    html = client.get("/independence/requests/?near=1200+Elm+St", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert _away(html) == ["en el punto", "a 980\u00a0pies"]
    assert "2 reportes a menos de ¼\u00a0milla de 1200 Elm St, del más cercano al más lejano" in html
    assert "Usar mi ubicación" in html and "Cerca de un lugar" in html
    wider = client.get(
        f"/independence/requests/?near={LAT},{LNG}&within=1609", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "a menos de 1\u00a0milla de un punto cerca de 1200 Elm St" in wider
    bad = client.get("/independence/requests/?near=91,0", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert escape("“91,0” no es un punto del mapa") in bad


def test_the_near_list_makes_as_many_queries_however_many_reports_there_are(client, catalogue, independence, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    pothole = catalogue["independence"]["pothole"]
    _case(pothole, north_m=1)
    url = f"/independence/requests/?near={LAT},{LNG}&type=pothole"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(30):
        _case(pothole, north_m=5 * i)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(_listed(html)) == 25
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"] for q in many.captured_queries]


def test_the_circle_holds_exactly_the_cases_the_great_circle_distance_puts_in_it(catalogue, independence):
    """Cases on a grid across many bands of latitude (the index's, 1/500 of a degree) and
    just either side of the circle's edge: the circle finds exactly those whose haversine
    distance is within it, on either database (SQLite truncates a band, PostgreSQL rounds)."""
    pothole = catalogue["independence"]["pothole"]
    made = []
    for i in range(-6, 7):
        for j in range(-3, 4):
            made.append(_case(pothole, north_m=i * 70 + 0.37, east_m=j * 130 - 0.21))
    # Either side of 402 m due north and due east.
    edge = [_case(pothole, north_m=401.5), _case(pothole, north_m=402.5), _case(pothole, east_m=-401.5)]
    made += edge

    def haversine(c: ServiceRequest) -> float:
        p1, p2 = math.radians(LAT), math.radians(c.lat)
        dp, dl = p2 - p1, math.radians(c.lng - LNG)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))

    for radius in (152, 402, 805):
        found = cases_within(ServiceRequest.objects.filter(city=independence), lat=LAT, lng=LNG, radius_m=radius)
        got = {c.pk: c.distance_m for c in found}
        wanted = {c.pk for c in made if haversine(c) <= radius}
        assert set(got) == wanted, radius
        for c in made:
            if c.pk in got:
                assert got[c.pk] == pytest.approx(haversine(c), abs=0.01)
    within = {c.pk for c in cases_within(ServiceRequest.objects.all(), lat=LAT, lng=LNG, radius_m=402)}
    assert edge[0].pk in within and edge[1].pk not in within and edge[2].pk in within


def test_a_dense_circle_is_paged_nearest_first_from_the_smallest_circle_that_holds_the_page(
    client, catalogue, independence
):
    """1,200 public reports within ¼ mile of a point, most of them close to it (more than
    ``NearestFirst.SORTED_WHOLE_UP_TO``): each page of "Near" is the same as the whole circle
    sorted by distance would give, pages deep and the last one too, yet the first page is read
    from a smaller circle round the point, not by sorting every report inside the ¼ mile."""
    rng = random.Random(311)
    pothole, graffiti = catalogue["independence"]["pothole"], catalogue["independence"]["graffiti"]
    now = timezone.now()
    rows = []
    for n in range(1200):
        # Half within about 40 m of the point, half spread over the ¼ mile.
        spread = 40.0 if n % 2 else 280.0
        north, east = rng.gauss(0, spread), rng.gauss(0, spread)
        service_type = pothole if n % 3 else graffiti
        rows.append(
            ServiceRequest(
                city=independence,
                number=50_000 + n,
                service_type=service_type,
                department_id=service_type.department_id,
                status="new",
                description="Dense",
                address=f"{n} Elm St",
                lat=LAT + north / M_PER_DEG,
                lng=LNG + east / (M_PER_DEG * math.cos(math.radians(LAT))),
                opened_at=now,
                due_at=now,
                updated_at=now,
                tracking_token=f"dense-{n}",
            )
        )
    ServiceRequest.objects.bulk_create(rows)
    cases = ServiceRequest.objects.filter(city=independence, service_type__is_confidential=False)
    whole = list(cases_within(cases, lat=LAT, lng=LNG, radius_m=402).order_by("distance_m", "pk"))
    assert len(whole) > NearestFirst.SORTED_WHOLE_UP_TO
    nearest = NearestFirst(cases, lat=LAT, lng=LNG, radius_m=402)
    assert len(nearest) == len(whole)
    for start in (0, 25, 200, 600, (len(whole) // 25) * 25):
        with CaptureQueriesContext(connection) as captured:
            page = nearest[start : start + 25]
        assert [c.pk for c in page] == [c.pk for c in whole[start : start + 25]], start
        assert [c.distance_m for c in page] == pytest.approx([c.distance_m for c in whole[start : start + 25]])
        if start == 0:
            paged = [q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"]]
            assert len(paged) == 1 and "<= 402" not in paged[0], paged
            assert any(f"<= {402 * ring})" in paged[0] for ring in NearestFirst.RINGS), paged

    # The browse page lists the same reports, page after page.
    for number in (1, 2, 9):
        html = client.get(f"/independence/requests/?near={LAT},{LNG}&within=402&page={number}").content.decode()
        assert _listed(html) == [c.reference for c in whole[(number - 1) * 25 : number * 25]], number
