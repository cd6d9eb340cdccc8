"""Keyset pages (core/paging.py): each page starts after the last row of the one before, in an
order that ends with the id, so rows with the same date keep their places, a case opened
between two pages moves nothing, and a cursor that is mangled or stale opens the first page
with a message, never an error. Run on SQLite and on PostgreSQL (``--postgres``)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any
from urllib.parse import urljoin

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from civicdesk.cases.models import ServiceRequest
from civicdesk.core import paging
from civicdesk.core.paging import KeysetPaginator
from tests.pages.conftest import World

pytestmark = pytest.mark.django_db


def cases_of(world: World) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(city=world.city)


def walk(paginator: KeysetPaginator) -> list[list[int]]:
    """Every page from the first, following "older" to the end: the ids of each page."""
    pages, token = [], None
    while True:
        page = paginator.page(token)
        assert not page.problem
        pages.append([row.pk for row in page])
        if not page.older:
            return pages
        token = page.older


def expected_order(rows: QuerySet[ServiceRequest], field: str, *, descending: bool) -> list[int]:
    """The order in Python: the field (nulls last either way), then number, then id."""
    listed = list(rows)
    valued = sorted(
        (r for r in listed if getattr(r, field) is not None),
        key=lambda r: (getattr(r, field), r.number, r.pk),
        reverse=descending,
    )
    nulls = sorted((r for r in listed if getattr(r, field) is None), key=lambda r: (r.number, r.pk), reverse=descending)
    return [r.pk for r in valued + nulls]


@pytest.mark.parametrize("descending", [True, False])
def test_pages_hold_every_row_once_in_order_even_when_many_share_a_date(world: World, descending: bool) -> None:
    world.grow(47)
    # A batch imported at one instant: 20 cases with the same opening time.
    same = timezone.now() - dt.timedelta(days=3)
    ServiceRequest.objects.filter(
        pk__in=list(cases_of(world).order_by("pk").values_list("pk", flat=True)[5:25])
    ).update(opened_at=same)
    paginator = KeysetPaginator(cases_of(world), 7, fields=("opened_at", "number", "pk"), descending=descending)
    pages = walk(paginator)
    assert [pk for page in pages for pk in page] == expected_order(cases_of(world), "opened_at", descending=descending)
    assert all(len(page) == 7 for page in pages[:-1]) and 0 < len(pages[-1]) <= 7
    # And back: "newer" from the last page retraces the same pages.
    token = paginator.page(None).older
    second = paginator.page(token)
    back = paginator.page(second.newer)
    assert [r.pk for r in back] == pages[0] and not back.newer


def test_a_case_opened_between_two_pages_moves_nothing(world: World) -> None:
    world.grow(30)
    paginator = KeysetPaginator(cases_of(world), 10, fields=("opened_at", "number", "pk"), descending=True)
    first = paginator.page(None)
    before = [r.pk for r in paginator.page(first.older)]
    # A new case arrives (it sorts first), and an old one is filed with an earlier date.
    world.grow(1)
    ServiceRequest.objects.filter(pk=cases_of(world).order_by("-pk").values_list("pk", flat=True)[0]).update(
        opened_at=timezone.now()
    )
    after = [r.pk for r in paginator.page(first.older)]
    assert after == before
    # Going back from page two: the ten cases before it, then a page with the new case.
    back = paginator.page(paginator.page(first.older).newer)
    assert [r.pk for r in back] == [r.pk for r in first] and back.newer
    newest = cases_of(world).order_by("-opened_at").values_list("pk", flat=True)[0]
    # Fewer than a page left above: the first page itself, full, with what was added since.
    top = paginator.page(back.newer)
    assert [r.pk for r in top] == [r.pk for r in paginator.page(None)] and not top.newer
    assert top.rows[0].pk == newest and len(top) == 10


@pytest.mark.parametrize("descending", [False, True])
def test_rows_without_a_due_date_come_last_and_are_paged_through_both_ways(world: World, descending: bool) -> None:
    world.grow(26)
    no_due = list(cases_of(world).order_by("pk").values_list("pk", flat=True)[:9])
    ServiceRequest.objects.filter(pk__in=no_due).update(due_at=None)
    paginator = KeysetPaginator(cases_of(world), 4, fields=("due_at", "number", "pk"), descending=descending)
    pages = walk(paginator)
    flat = [pk for page in pages for pk in page]
    assert flat == expected_order(cases_of(world), "due_at", descending=descending)
    assert set(flat[-9:]) == set(no_due)
    # From the last page (all nulls) back to the first, across the rows with a date.
    token = None
    for _ in pages[:-1]:
        token = paginator.page(token).older
    seen = []
    page = paginator.page(token)
    while True:
        seen = [r.pk for r in page] + seen
        if not page.newer:
            break
        page = paginator.page(page.newer)
    assert seen == flat


def tampered(token: str) -> list[str]:
    import base64
    import json

    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    other_order = dict(payload, o="-number,-pk")
    wrong_value = dict(payload, k=["not a date", *payload["k"][1:]])
    short = dict(payload, k=payload["k"][:1])

    def encode(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return [
        "garbage!!",
        token[: len(token) // 2],
        "",
        "ÿ",
        encode(other_order),
        encode(wrong_value),
        encode(short),
        encode({"o": payload["o"], "d": "x", "k": payload["k"]}),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
    ]


def test_a_bad_or_stale_cursor_opens_the_first_page_with_a_message(world: World) -> None:
    world.grow(30)
    paginator = KeysetPaginator(cases_of(world), 10, fields=("opened_at", "number", "pk"), descending=True)
    first = paginator.page(None)
    for token in tampered(first.older):
        page = paginator.page(token)
        assert [r.pk for r in page] == [r.pk for r in first], token
        assert bool(page.problem) == bool(token), token
        assert page.older == first.older and not page.newer


def test_a_keyset_order_ends_with_the_id(world: World) -> None:
    with pytest.raises(ValueError):
        KeysetPaginator(cases_of(world), 10, fields=("opened_at",), descending=True)


# --- in the console ------------------------------------------------------------------------------


def links(html: str, url: str) -> dict[str, str]:
    """The page's "prev" and "next" links, resolved against the page's own URL."""
    found = re.findall(r'<a href="([^"]+)" rel="(prev|next)"', html)
    return {rel: urljoin(url, unescape(href)) for href, rel in found}


def listed(html: str) -> list[str]:
    return re.findall(r'name="case" value="(\d+)"', html)


@pytest.fixture
def small_cap() -> Any:
    old = paging.CappedPaginator.cap
    paging.CappedPaginator.cap = 60
    yield
    paging.CappedPaginator.cap = old


@pytest.mark.parametrize("url", ["/console/?queue=all", "/console/?queue=all&sort=due", "/console/overdue/"])
def test_console_lists_past_the_cap_page_by_keyset_to_the_end(
    world: World, client: Client, small_cap: None, url: str
) -> None:
    world.grow(300)
    client.force_login(world.supervisor)
    html = client.get(url).content.decode()
    assert "Page 1 of" not in html and 'rel="next"' in html
    seen, pages = listed(html), 1
    while "next" in links(html, url):
        html = client.get(links(html, url)["next"]).content.decode()
        assert 'rel="prev"' in html
        seen += listed(html)
        pages += 1
    assert len(seen) == len(set(seen)) and pages > 1
    expected = {
        "/console/?queue=all": cases_of(world).count(),
        "/console/?queue=all&sort=due": cases_of(world).count(),
        "/console/overdue/": cases_of(world)
        .filter(status__in=["new", "assigned", "in_progress"], due_at__lt=timezone.now())
        .count(),
    }[url]
    assert len(seen) == expected


def test_console_by_date_says_newer_and_older_and_a_short_list_keeps_numbered_pages(
    world: World, client: Client, small_cap: None
) -> None:
    world.grow(80)
    client.force_login(world.supervisor)
    html = client.get("/console/?queue=all").content.decode()
    assert ">Older</a>" in html
    html = client.get(links(html, "/console/")["next"]).content.decode()
    assert ">Newer</a>" in html and ">Older</a>" in html
    # The 53 closed ones (under the cap): numbered pages, as before.
    closed = client.get("/console/?queue=all&status=closed").content.decode()
    assert "Page 1 of 3" in closed and ">Next</a>" in closed


def test_console_with_a_bad_cursor_shows_the_first_page_and_says_why(
    world: World, client: Client, small_cap: None
) -> None:
    world.grow(300)
    client.force_login(world.supervisor)
    first = client.get("/console/?queue=all").content.decode()
    for token in ["nonsense", "eyJvIjoiLW51bWJlciwtcGsiLCJkIjoiYSIsImsiOlsxLDJdfQ"]:
        response = client.get(f"/console/?queue=all&cursor={token}")
        assert response.status_code == 200
        html = response.content.decode()
        assert "no longer works" in html and listed(html) == listed(first)
    overdue = client.get("/console/overdue/?cursor=nonsense")
    assert overdue.status_code == 200 and "no longer works" in overdue.content.decode()


# --- on the public browse page -------------------------------------------------------------------


def browsed(html: str, slug: str) -> list[str]:
    return re.findall(rf'<a href="/{slug}/requests/(\d+)/">', html)


def test_browse_past_the_cap_pages_by_keyset_through_every_public_report(
    world: World, client: Client, small_cap: None
) -> None:
    from civicdesk.portal.selectors import browse_cases

    world.grow(300)
    slug = world.city.slug
    url = f"/{slug}/requests/"
    html = client.get(url).content.decode()
    assert "More than 60 reports" in html and "Page 1" not in html and ">Older</a>" in html
    seen = browsed(html, slug)
    while "next" in links(html, url):
        html = client.get(links(html, url)["next"]).content.decode()
        assert ">Newer</a>" in html
        seen += browsed(html, slug)
    public = browse_cases(city=world.city, district="", service_type="", status="")
    assert len(seen) == len(set(seen)) == public.count()
    assert seen == [str(n) for n in public.values_list("number", flat=True)]  # newest first throughout
    # A numbered link from before still opens its page; a mangled cursor, the first page and why.
    assert browsed(client.get(f"{url}?page=2").content.decode(), slug) == seen[25:50]
    response = client.get(f"{url}?cursor=nonsense")
    assert response.status_code == 200
    assert "no longer works" in response.content.decode()
    assert browsed(response.content.decode(), slug) == seen[:25]
