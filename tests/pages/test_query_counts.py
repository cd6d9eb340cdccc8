"""The number of queries of every main page is fixed: it does not grow with the number of cases.

Each page is opened on a city with one case, then again after its history grew by hundreds
of cases (open and closed, assigned, in every district): the same queries, one for one. A page
that read a row per case (a missing select_related, a count per row) would fail here long before
it was slow at a million cases (bench/pages.py measures the time; docs/performance.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicdesk.accounts.models import Role, User
from tests.pages.conftest import World

pytestmark = pytest.mark.django_db


def public_pages(world: World) -> list[str]:
    city, case = world.city, world.first
    juris = city.jurisdiction_id
    district = city.districts.values_list("pk", flat=True).first()
    return [
        "/",
        f"/{city.slug}/",
        f"/{city.slug}/requests/",
        f"/{city.slug}/requests/?status=open&type=pothole",
        f"/{city.slug}/requests/?status=closed&type=pothole",
        f"/{city.slug}/requests/?status=open&district={district}",
        f"/{city.slug}/requests/?district={district}&type=pothole",
        f"/{city.slug}/requests/?status=open&district={district}&type=pothole",
        f"/{city.slug}/requests/?page=2",
        f"/{city.slug}/requests/{case.number}/",
        f"/track/{case.tracking_token}/",
        f"/{city.slug}/performance/",
        "/performance/compare/",
        "/open-data/",
        f"/{city.slug}/open-data/",
        f"/open311/v2/services.json?jurisdiction_id={juris}",
        f"/open311/v2/services/pothole.json?jurisdiction_id={juris}",
        f"/open311/v2/requests.json?jurisdiction_id={juris}",
        f"/open311/v2/requests.json?jurisdiction_id={juris}&status=open&service_code=pothole",
        f"/open311/v2/requests.json?jurisdiction_id={juris}&status=closed&service_code=pothole",
        f"/open311/v2/requests.json?jurisdiction_id={juris}&extensions=true",
        f"/open311/v2/requests/{case.reference}.json?jurisdiction_id={juris}",
    ]


def console_pages(world: World) -> list[str]:
    district = world.city.districts.values_list("pk", flat=True).first()
    # The console's landing page first: each role's own queue (a supervisor's department's).
    pages = ["/console/"] + [f"/console/?queue={q}" for q in ("mine", "department", "unassigned", "overdue", "all")]
    sorts = ("type", "-due", "status", "district", "assignee", "address", "opened", "number")
    pages += [f"/console/?queue=all&sort={s}" for s in sorts]
    pages += [
        f"/console/?queue=all&status=new&district={district}",
        "/console/?queue=all&page=2",
        "/console/?queue=all&q=Main",
        "/console/?queue=all&cursor=stale",
        "/console/overdue/",
        "/console/likely-late/",
        "/console/not-placed/",
        f"/console/cases/{world.city.slug}/{world.first.number}/",
    ]
    return pages


def queries(client: Client, url: str) -> list[str]:
    client.get(url)  # warm: per-process caches filled, as any visitor after the first finds them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


def counts(client: Client, urls: list[str]) -> dict[str, int]:
    return {url: len(queries(client, url)) for url in urls}


def test_public_pages_and_open311_make_as_many_queries_at_300_cases_as_at_twenty(world: World, client: Client) -> None:
    # A small history with a case of every kind (an empty list skips its queries), fewer than a
    # page: a query per row shows as a different count once the pages are full.
    world.grow(20)
    urls = public_pages(world)
    small = counts(client, urls)
    world.grow(300)
    assert counts(client, urls) == small


@pytest.mark.parametrize("who", ["worker", "supervisor"])
def test_console_queues_and_case_page_make_as_many_queries_at_300_cases_as_at_twenty(
    world: World, client: Client, who: str
) -> None:
    user: User = getattr(world, who)
    client.force_login(user)
    world.grow(20)
    urls = console_pages(world)
    small = counts(client, urls)
    world.grow(300)
    assert counts(client, urls) == small


def test_the_regional_page_makes_as_many_queries_at_300_cases_as_at_twenty(
    world: World, client: Client, make_staff: Any
) -> None:
    client.force_login(make_staff(None, Role.REGIONAL_ADMIN))
    world.grow(20)
    small = counts(client, ["/console/region/"])
    world.grow(300)
    assert counts(client, ["/console/region/"]) == small


def test_a_list_longer_than_the_cap_says_more_than_and_counts_no_further(
    world: World, client: Client, settings: object
) -> None:
    from civicdesk.core import paging

    world.grow(60)
    client.force_login(world.supervisor)
    old = paging.CappedPaginator.cap
    paging.CappedPaginator.cap = 50
    try:
        html = client.get("/console/?queue=all").content.decode()
        public = client.get(f"/{world.city.slug}/requests/").content.decode()
        spanish = Client(headers={"accept-language": "es"}).get(f"/{world.city.slug}/requests/").content.decode()
        by_type = client.get("/console/?queue=all&sort=type").content.decode()
        narrowed = client.get("/console/?queue=all&sort=type&status=new").content.decode()
    finally:
        paging.CappedPaginator.cap = old
    assert "More than 50 cases" in html and "Page 1 of" not in html
    assert "More than 50 reports" in public
    # Past the cap the pages go by keyset: "Older", no page number (tests/pages/test_keyset_paging.py).
    assert "Más de 50 reportes" in spanish and ">Más antiguos</a>" in spanish and "Página 1" not in spanish
    # Past the cap a sort by another table's name is newest first, and the page says why.
    assert "To sort by this column, narrow the list" in by_type and 'aria-sort="descending"' in by_type
    assert "To sort by this column" not in narrowed and 'aria-sort="ascending"' in narrowed


def test_an_open_cases_page_counts_no_backlog_when_the_city_has_no_model(world: World, client: Client) -> None:
    """Without a model (or with too few cases of the type) the expected date is the type's
    target: the department's open cases are not counted for it on every view of the page."""
    world.grow(20)
    case = world.first
    assert case.is_open
    for url in (f"/{world.city.slug}/requests/{case.number}/", f"/track/{case.tracking_token}/"):
        html_queries = queries(client, url)
        counts_of_cases = [q for q in html_queries if "COUNT(" in q.upper() and "cases_servicerequest" in q]
        assert counts_of_cases == [], url
    assert 'data-expected="target"' in client.get(f"/track/{case.tracking_token}/").content.decode()
