"""The browse page's "Near" pages by keyset: "Farther" and "Nearer" carry the distance and id of
the last or first report shown, so every report of the circle is listed exactly once and in
order whatever the depth, a report filed between two pages neither repeats nor hides one, an
old numbered address (``?page=N``) still opens its page, and a cursor that cannot be used gives
the first page with no error. And the ring a deep page reads (``cases.selectors.cases_between``)."""

from __future__ import annotations

import base64
import html as html_lib
import json
import math
import random
import re

import pytest
from django.utils import timezone

from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.selectors import EARTH_RADIUS_M, NearestFirst, cases_between, cases_within
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

LAT, LNG = INSIDE["independence"]
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180
SMALL = {"size": "small"}
BASE = f"/independence/requests/?near={LAT},{LNG}"


def _point(north_m: float, east_m: float) -> tuple[float, float]:
    return LAT + north_m / M_PER_DEG, LNG + east_m / (M_PER_DEG * math.cos(math.radians(LAT)))


def _bulk(city, service_type, points: list[tuple[float, float]], *, first_number: int = 70_000) -> None:
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        ServiceRequest(
            city=city,
            number=first_number + n,
            service_type=service_type,
            department_id=service_type.department_id,
            status="new",
            description="Near pages",
            address=f"{n} Elm St",
            lat=lat,
            lng=lng,
            opened_at=now,
            due_at=now,
            updated_at=now,
            tracking_token=f"near-pages-{first_number + n}",
        )
        for n, (lat, lng) in enumerate(points)
    )


def _dense_points(count: int, *, seed: int = 311) -> list[tuple[float, float]]:
    """``count`` points within ¼ mile, most close to the centre, every fifth one on the point
    before it (reports at one address: the same distance, told apart by their ids)."""
    rng = random.Random(seed)
    points: list[tuple[float, float]] = []
    for n in range(count):
        if n % 5 == 4:
            points.append(points[-1])
            continue
        spread = 40.0 if n % 2 else 150.0
        north, east = rng.gauss(0, spread), rng.gauss(0, spread)
        scale = min(1.0, 380.0 / max(1.0, math.hypot(north, east)))
        points.append(_point(north * scale, east * scale))
    return points


def _whole(city, radius: int = 402) -> list[ServiceRequest]:
    cases = ServiceRequest.objects.filter(city=city, service_type__is_confidential=False)
    return list(cases_within(cases, lat=LAT, lng=LNG, radius_m=radius).order_by("distance_m", "pk"))


def _listed(page: str) -> list[str]:
    return re.findall(r'<td class="ref"><a href="/independence/requests/\d+/">([^<]+)</a>', page)


def _link(page: str, rel: str) -> str | None:
    """The pager's link of ``rel`` ("next": Farther, "prev": Nearer), as a path, or None."""
    found = re.search(rf'<a href="(\?[^"]+)" rel="{rel}">', page)
    return "/independence/requests/" + html_lib.unescape(found.group(1)) if found else None


def _walk(client, start: str, rel: str, *, limit: int = 200) -> list[list[str]]:
    """The pages from ``start`` following ``rel`` links to the end."""
    pages, url = [], start
    while url is not None and len(pages) < limit:
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        pages.append(_listed(page))
        url = _link(page, rel)
    return pages


@pytest.mark.parametrize("count", [230, 1_160], ids=["sorted-whole", "read-by-rings"])
def test_farther_and_nearer_list_every_report_of_the_circle_once_in_order(client, catalogue, independence, count):
    """Both ways a circle is read: under ``SORTED_WHOLE_UP_TO`` reports the circle sorted whole,
    over it thin rings past the cursor; ties in distance (reports at one point) by their ids."""
    pothole = catalogue["independence"]["pothole"]
    _bulk(independence, pothole, _dense_points(count))
    whole = [c.reference for c in _whole(independence)]
    assert len(whole) == count
    assert (count > NearestFirst.SORTED_WHOLE_UP_TO) == (count == 1_160)
    forward = _walk(client, BASE, "next")
    assert [ref for page in forward for ref in page] == whole
    assert all(len(page) == 25 for page in forward[:-1]) and 0 < len(forward[-1]) <= 25
    # Back from the last page: each "Nearer" page is the 25 just before, to the first page.
    last = client.get(BASE).content.decode()
    url = _link(last, "next")
    while url is not None:
        last_url, last = url, client.get(url).content.decode()
        url = _link(last, "next")
    backward = _walk(client, last_url, "prev")
    assert backward[-1] == whole[:25]
    assert [ref for page in reversed(backward) for ref in page] == whole
    assert _link(client.get(BASE).content.decode(), "prev") is None


def test_a_report_filed_between_two_pages_neither_repeats_nor_hides_one(client, catalogue, independence):
    pothole = catalogue["independence"]["pothole"]
    _bulk(independence, pothole, _dense_points(1_060))
    before = _whole(independence)
    first = client.get(BASE).content.decode()
    assert _listed(first) == [c.reference for c in before[:25]]
    # Filed while the resident reads page 1: one nearer than anything on it, one just past it.
    nearer = services.case_create(
        service_type=pothole, lat=LAT, lng=LNG, description="Here", reporter_email="r@example.org", attributes=SMALL
    )
    past = before[25]
    farther = services.case_create(
        service_type=pothole,
        lat=past.lat,
        lng=past.lng,
        description="There",
        reporter_email="r@example.org",
        attributes=SMALL,
    )
    rest = [ref for page in _walk(client, _link(first, "next"), "next") for ref in page]
    after = [c.reference for c in _whole(independence)]
    # Page 2 starts right after page 1's last report: the one filed nearer is not among what
    # follows, the one filed farther is in its place, and nothing of page 1 comes again.
    assert rest == after[after.index(before[24].reference) + 1 :]
    assert nearer.reference not in rest and farther.reference in rest
    assert set(rest).isdisjoint(_listed(first))
    assert {c.reference for c in before[25:]} <= set(rest)
    # Back from page 2: the 25 just before it (page 1 as it was read), and before those the
    # first page as it is now, the new report first.
    second = client.get(_link(first, "next")).content.decode()
    back = client.get(_link(second, "prev")).content.decode()
    assert _listed(back) == _listed(first)
    top = client.get(_link(back, "prev")).content.decode()
    assert _listed(top) == after[:25] and _listed(top)[0] == nearer.reference
    assert _link(top, "prev") is None


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "eyJvIjoibmVhcjo",  # cut short
        _cursor({"o": "near:0.000000,0.000000", "d": "a", "k": [120.0, 5]}),  # another place
        _cursor({"o": f"near:{LAT:.6f},{LNG:.6f}", "d": "a", "k": ["far", 5]}),
        _cursor({"o": f"near:{LAT:.6f},{LNG:.6f}", "d": "x", "k": [120.0, 5]}),
        _cursor({"o": f"near:{LAT:.6f},{LNG:.6f}", "d": "a", "k": [1e9, 5]}),  # outside the circle
        _cursor({"o": f"near:{LAT:.6f},{LNG:.6f}", "d": "a", "k": [120.0]}),
        _cursor([1, 2]),
    ],
)
def test_a_cursor_that_cannot_be_used_gives_the_first_page_saying_so(client, catalogue, independence, cursor):
    _bulk(independence, catalogue["independence"]["pothole"], _dense_points(60))
    response = client.get(f"{BASE}&cursor={cursor}&type=pothole")
    assert response.status_code == 200
    page = response.content.decode()
    assert _listed(page) == [c.reference for c in _whole(independence)[:25]]
    assert "That link to a page of this list no longer works" in page
    assert 'value="pothole" selected' in page  # the filters kept


def test_an_old_numbered_address_opens_its_page_and_pages_on_by_cursor(client, catalogue, independence):
    _bulk(independence, catalogue["independence"]["pothole"], _dense_points(1_010))
    whole = [c.reference for c in _whole(independence)]
    third = client.get(f"{BASE}&page=3").content.decode()
    assert _listed(third) == whole[50:75]
    assert _listed(client.get(_link(third, "next")).content.decode()) == whole[75:100]
    assert _listed(client.get(_link(third, "prev")).content.decode()) == whole[25:50]
    assert "page=" not in (_link(third, "next") or "")
    # Past the last page: the last page; not a number: the first, with no error.
    past = client.get(f"{BASE}&page=999").content.decode()
    assert _listed(past) == whole[1000:] and _link(past, "next") is None
    for word in ("abc", "²", "-2", ""):
        response = client.get(f"{BASE}&page={word}")
        assert response.status_code == 200 and _listed(response.content.decode()) == whole[:25], word


def test_the_status_line_counts_the_circle_and_the_links_keep_the_filters(client, catalogue, independence):
    pothole, graffiti = catalogue["independence"]["pothole"], catalogue["independence"]["graffiti"]
    _bulk(independence, pothole, _dense_points(40))
    _bulk(independence, graffiti, _dense_points(30, seed=9), first_number=80_000)
    page = client.get(f"{BASE}&within=402&type=pothole&status=open").content.decode()
    assert "40 reports within ¼ mile" in page.replace("\u00a0", " ")
    farther = _link(page, "next")
    assert farther is not None and "type=pothole" in farther and "status=open" in farther and "within=402" in farther
    assert re.search(r'rel="next">Farther</a>', page)
    second = client.get(farther).content.decode()
    assert re.search(r'rel="prev">Nearer</a>', second) and _link(second, "next") is None
    assert len(_listed(second)) == 15


def test_a_ring_holds_exactly_the_cases_whose_distance_lies_in_it(catalogue, independence):
    """Cases on a grid across many bands of latitude and just either side of each ring's
    edges: ``cases_between`` finds exactly those whose haversine distance lies between its
    two radii, on either database, for thin rings deep in a circle and thick ones."""
    pothole = catalogue["independence"]["pothole"]
    points = [_point(i * 23 + 0.37, j * 29 - 0.21) for i in range(-24, 25) for j in range(-20, 21)]
    # Either side of 300 m and 310 m due north, south, east and west.
    for edge in (299.5, 300.5, 309.5, 310.5):
        points += [_point(edge, 0), _point(-edge, 0), _point(0, edge), _point(0, -edge)]
    _bulk(independence, pothole, points)
    every = list(ServiceRequest.objects.filter(city=independence))

    def haversine(c: ServiceRequest) -> float:
        p1, p2 = math.radians(LAT), math.radians(c.lat)
        dp, dl = p2 - p1, math.radians(c.lng - LNG)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))

    for inner, outer in ((300, 310), (0, 50), (100, 400), (500, 503), (10, 700)):
        found = cases_between(
            ServiceRequest.objects.filter(city=independence), lat=LAT, lng=LNG, inner_m=inner, outer_m=outer
        )
        got = {c.pk: c.distance_m for c in found}
        wanted = {c.pk for c in every if inner <= haversine(c) <= outer}
        assert wanted and set(got) == wanted, (inner, outer)
