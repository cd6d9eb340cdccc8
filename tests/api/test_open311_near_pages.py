"""GET requests near a point (lat/long/radius) in a dense circle: every page is the same as the
whole answer sorted the GeoReport v2 way (newest opened first, then by number), on either
database: the default page of 1,000, pages of a few hundred down to the last and past it, a
small circle, ties of opening time, and cases the answer never holds (confidential, without a
point, outside the circle, older than the 90 days)."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.selectors import EARTH_RADIUS_M
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.open311.selectors import FEW_ACROSS_THE_CITY
from civicdesk.tenants.models import City
from tests.api.open311_client import body, get
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

LAT, LNG = INSIDE["independence"]
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180
RADIUS = 2_000


def _metres(lat: float, lng: float) -> float:
    p1, p2 = math.radians(LAT), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lng - LNG)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@pytest.fixture
def dense(independence: City, trash: ServiceType, secret_type: ServiceType) -> list[ServiceRequest]:
    """2,400 cases round the point over the last 120 days, most of them recent (as a busy
    downtown's are), three at a time opened at the same instant; one in eight confidential,
    one in 25 without a point, a few just outside the circle."""
    rng = random.Random(311)
    now = clock.now()
    rows = []
    for n in range(2_400):
        spread = 400.0 if n % 2 else 1_500.0
        north, east = rng.gauss(0, spread), rng.gauss(0, spread)
        if n % 97 == 0:  # just beyond the edge, due north or east
            north, east = (RADIUS + 0.5, 0.0) if n % 2 else (0.0, RADIUS + 0.5)
        if n % 3 == 0:
            # Days ago: most within a week, a tail to 120 days; never within an hour of the
            # 90 days' edge, nor of now (the answer's window is counted from the request's now).
            days = min(120.0, rng.expovariate(1 / 12))
            if 89.9 < days < 90.1:
                days = 91.0
            opened = now - dt.timedelta(days=days, hours=1)
        service_type = secret_type if n % 8 == 5 else trash
        point = n % 25 != 7
        rows.append(
            ServiceRequest(
                city=independence,
                number=70_000 + n,
                service_type=service_type,
                department_id=service_type.department_id,
                status="new" if n % 4 else "closed",
                description="Dense downtown",
                address=f"{n} Main St",
                lat=LAT + north / M_PER_DEG if point else None,
                lng=LNG + east / (M_PER_DEG * math.cos(math.radians(LAT))) if point else None,
                opened_at=opened,
                due_at=opened + dt.timedelta(days=5),
                updated_at=opened,
                tracking_token=f"dense-{n}",
            )
        )
    return ServiceRequest.objects.bulk_create(rows)


def _answer(cases: list[ServiceRequest], *, secret: ServiceType, radius: float, now: dt.datetime) -> list[str]:
    """The whole answer, worked out here: public, with a point, inside the circle, opened in
    the last 90 days; newest first, then by number."""
    kept = [
        c
        for c in cases
        if c.service_type_id != secret.pk
        and c.lat is not None
        and c.lng is not None
        and _metres(c.lat, c.lng) <= radius
        and now - dt.timedelta(days=90) <= c.opened_at <= now
    ]
    kept.sort(key=lambda c: (c.opened_at, c.number), reverse=True)
    return [c.reference for c in kept]


def _ids(client: Any, city: City, **params: Any) -> list[str]:
    response = get(client, "requests", "json", jurisdiction_id=city.jurisdiction_id, lat=LAT, long=LNG, **params)
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in body(response)]


def test_every_page_near_a_point_is_the_whole_answer_newest_first_sliced(
    client: Any, independence: City, secret_type: ServiceType, dense: list[ServiceRequest]
) -> None:
    whole = _answer(dense, secret=secret_type, radius=RADIUS, now=clock.now())
    assert 1_000 < len(whole) < 2_000

    # The spec's answer: the newest 1,000.
    assert _ids(client, independence, radius=RADIUS) == whole[:1_000]
    # Pages of 300, to the last and one past it.
    pages = math.ceil(len(whole) / 300)
    for page in range(1, pages + 2):
        got = _ids(client, independence, radius=RADIUS, page=page, page_size=300)
        assert got == whole[(page - 1) * 300 : page * 300], page
    # Small pages early on, where a few days hold the page.
    for page, size in ((1, 1), (1, 25), (2, 25), (7, 40), (3, 250)):
        got = _ids(client, independence, radius=RADIUS, page=page, page_size=size)
        assert got == whole[(page - 1) * size : page * size], (page, size)


def test_a_small_circle_in_the_dense_part_is_its_whole_answer_newest_first(
    client: Any, independence: City, secret_type: ServiceType, dense: list[ServiceRequest]
) -> None:
    for radius in (150, 600):
        whole = _answer(dense, secret=secret_type, radius=radius, now=clock.now())
        assert whole, radius
        assert _ids(client, independence, radius=radius) == whole, radius
        assert _ids(client, independence, radius=radius, page=2, page_size=20) == whole[20:40], radius


def test_a_filter_on_status_and_type_keeps_the_same_order_near_a_point(
    client: Any, independence: City, trash: ServiceType, secret_type: ServiceType, dense: list[ServiceRequest]
) -> None:
    open_cases = [c for c in dense if c.status == "new"]
    whole = _answer(open_cases, secret=secret_type, radius=RADIUS, now=clock.now())
    assert len(whole) > 500
    got = _ids(client, independence, radius=RADIUS, status="open", service_code=trash.code, page_size=500)
    assert got == whole[:500]
    got = _ids(client, independence, radius=RADIUS, status="open", service_code=trash.code, page=2, page_size=500)
    assert got == whole[500:1_000]


@pytest.fixture
def rare(independence: City, make_service_type: Any, dense: list[ServiceRequest]) -> ServiceType:
    """A problem few of the dense circle's cases are of (one in 40), open and closed."""
    graffiti = make_service_type(independence, "graffiti", name="Graffiti")
    chosen = [c.pk for n, c in enumerate(dense) if n % 40 in (3, 4)]
    ServiceRequest.objects.filter(pk__in=chosen).update(service_type=graffiti, department_id=graffiti.department_id)
    return graffiti


def _moment(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_page_of_a_filtered_dense_circle_is_the_whole_filtered_answer_sliced(
    client: Any, independence: City, trash: ServiceType, secret_type: ServiceType, rare: ServiceType
) -> None:
    """Each filter Open311 takes beside a circle (a common problem, a rare one, open, closed,
    both, and a start_date/end_date window), every page of 200 to the last and one past it,
    and the default 1,000: the whole filtered answer, newest first, sliced."""
    cases = list(ServiceRequest.objects.filter(city=independence, description="Dense downtown"))
    now = clock.now().replace(microsecond=0)
    start, end = now - dt.timedelta(days=40), now - dt.timedelta(days=2)
    window = {"start_date": _moment(start), "end_date": _moment(end)}
    open_statuses = {"new", "assigned", "in_progress"}
    filters: list[tuple[dict[str, Any], Any]] = [
        ({"status": "open"}, lambda c: c.status in open_statuses),
        ({"status": "closed"}, lambda c: c.status == "closed"),
        ({"service_code": trash.code}, lambda c: c.service_type_id == trash.pk),
        ({"service_code": rare.code}, lambda c: c.service_type_id == rare.pk),
        (
            {"service_code": trash.code, "status": "closed"},
            lambda c: c.service_type_id == trash.pk and c.status == "closed",
        ),
        (
            {"service_code": rare.code, "status": "open"},
            lambda c: c.service_type_id == rare.pk and c.status in open_statuses,
        ),
        (
            {"service_code": rare.code, "status": "closed"},
            lambda c: c.service_type_id == rare.pk and c.status == "closed",
        ),
        ({"service_code": f"{trash.code},{rare.code}", "status": "open"}, lambda c: c.status in open_statuses),
        (window, lambda c: start <= c.opened_at <= end),
        (
            {**window, "service_code": trash.code, "status": "open"},
            lambda c: start <= c.opened_at <= end and c.service_type_id == trash.pk and c.status in open_statuses,
        ),
    ]
    for params, keep in filters:
        chosen = [c for c in cases if keep(c)]
        # (A window asked for lies inside the last 90 days: the answer is the same either way.)
        whole = _answer(chosen, secret=secret_type, radius=RADIUS, now=clock.now())
        assert whole, params
        assert _ids(client, independence, radius=RADIUS, **params) == whole[:1_000], params
        for page in range(1, math.ceil(len(whole) / 200) + 2):
            got = _ids(client, independence, radius=RADIUS, page=page, page_size=200, **params)
            assert got == whole[(page - 1) * 200 : page * 200], (params, page)


def test_a_rare_problem_open_in_a_wide_circle_is_read_by_its_few_keys_a_common_one_band_by_band(
    client: Any, independence: City, trash: ServiceType, secret_type: ServiceType, rare: ServiceType
) -> None:
    """Asked open in a circle crossing many bands, a problem with few open cases across the
    city (``FEW_ACROSS_THE_CITY``) is answered from those cases, by their keys; one with more is
    read band by band (PostgreSQL: a union of the bands' parts). Both the whole answer."""
    cases = list(ServiceRequest.objects.filter(city=independence, description="Dense downtown"))
    open_of = {t.pk: [c for c in cases if c.service_type_id == t.pk and c.status == "new"] for t in (rare, trash)}
    assert len(open_of[rare.pk]) <= FEW_ACROSS_THE_CITY < len(open_of[trash.pk])
    for problem, by_bands in ((rare, False), (trash, True)):
        whole = _answer(open_of[problem.pk], secret=secret_type, radius=RADIUS, now=clock.now())
        with CaptureQueriesContext(connection) as captured:
            got = _ids(client, independence, radius=RADIUS, status="open", service_code=problem.code)
        assert got == whole[:1_000] and got, problem.code
        unions = [q["sql"] for q in captured.captured_queries if "UNION ALL" in q["sql"]]
        assert bool(unions) == (by_bands and connection.features.supports_slicing_ordering_in_compound), problem.code
