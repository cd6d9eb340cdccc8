"""Public pages the same for every visitor are kept for a few seconds; a page with a session, a
staff view or a visitor's form never is (civicdesk/core/pagecache.py)."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicdesk.core import pagecache
from tests.pages.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept_pages(settings: Any) -> Iterator[None]:
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    pagecache.clear()
    yield
    pagecache.clear()


def queries_of(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries), response.content.decode()


def without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]+"', "", html)


def test_a_city_home_is_kept_for_the_next_anonymous_visitor_and_costs_no_query(world: World) -> None:
    url = f"/{world.city.slug}/"
    first, html = queries_of(Client(), url)
    again, same = queries_of(Client(), url)
    assert first > 0 and again == 0 and without_token(same) == without_token(html)


def test_the_kept_page_is_per_language(world: World) -> None:
    url = f"/{world.city.slug}/requests/"
    english = Client().get(url).content.decode()
    spanish = Client(headers={"accept-language": "es"}).get(url).content.decode()
    assert '<html lang="es">' in spanish and '<html lang="en">' in english


def test_a_visitor_with_a_session_gets_a_fresh_page(world: World) -> None:
    url = f"/{world.city.slug}/"
    queries_of(Client(), url)  # kept
    with_session = Client()
    with_session.cookies["sessionid"] = "anything"
    count, _html = queries_of(with_session, url)
    assert count > 0


def test_a_visitor_who_has_just_sent_a_report_gets_a_fresh_page(world: World) -> None:
    # The cookie a write leaves (core/replica.py): their own report must show at once.
    url = f"/{world.city.slug}/requests/"
    queries_of(Client(), url)  # kept
    just_wrote = Client()
    just_wrote.cookies[pagecache.JUST_WROTE_COOKIE] = "9999999999"
    count, _html = queries_of(just_wrote, url)
    assert count > 0


def test_a_staff_member_is_never_served_a_kept_page_and_their_page_is_never_kept(world: World) -> None:
    url = f"/{world.city.slug}/requests/"
    staff = Client()
    staff.force_login(world.supervisor)
    staff_html = staff.get(url).content.decode()
    count, _html = queries_of(staff, url)
    assert count > 0  # not served from the cache
    # Nor was the staff member's page kept for the next anonymous visitor.
    anonymous_count, _anonymous_html = queries_of(Client(), url)
    assert anonymous_count > 0 and staff_html


def test_the_console_is_never_kept(world: World) -> None:
    staff = Client()
    staff.force_login(world.worker)
    staff.get("/console/?queue=all")
    count, _html = queries_of(staff, "/console/?queue=all")
    assert count > 0


def test_each_visitor_of_a_kept_page_gets_their_own_csrf_token_and_can_post_its_form(world: World) -> None:
    url = f"/{world.city.slug}/requests/{world.first.number}/"
    Client().get(url)  # kept
    visitor = Client(enforce_csrf_checks=True)
    count, html = queries_of(visitor, url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', html)
    assert count == 0 and token is not None and "\x00" not in html
    followed = visitor.post(
        f"{url}follow/", {"follow_email": "neighbour@example.org", "csrfmiddlewaretoken": token.group(1)}
    )
    assert followed.status_code == 302


def test_a_new_report_shows_on_the_kept_list_once_the_seconds_pass(world: World, settings: Any) -> None:
    url = f"/{world.city.slug}/requests/"
    Client().get(url)
    world.grow(1)
    newest = f"IND-{world.first.number + 1}"
    assert newest not in Client().get(url).content.decode()  # kept: at most a few seconds old
    pagecache.clear()  # what the seconds passing does
    assert newest in Client().get(url).content.decode()


def test_open311s_list_of_requests_is_kept_for_the_next_app_and_a_post_still_files(
    world: World,
) -> None:
    from civicdesk.open311.services import api_key_create

    _key, raw_key = api_key_create(city=world.city, name="Pothole Pal")
    juris = world.city.jurisdiction_id
    url = f"/open311/v2/requests.json?jurisdiction_id={juris}"
    first, body = queries_of(Client(), url)
    again, same = queries_of(Client(), url)
    assert first > 0 and again == 0 and same == body
    assert Client().get(url)["Content-Type"].startswith("application/json")
    xml_first, xml = queries_of(Client(), url.replace(".json", ".xml"))
    assert xml_first > 0 and xml.startswith("<?xml")
    posted = Client().post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": juris,
            "api_key": raw_key,
            "service_code": "pothole",
            "lat": world.first.lat,
            "long": world.first.lng,
            "description": "A deep pothole",
        },
    )
    assert posted.status_code == 201, posted.content


def test_a_page_kept_by_another_worker_is_served_from_the_shared_cache_in_one_query(world: World) -> None:
    url = f"/{world.city.slug}/"
    first, html = queries_of(Client(), url)
    pagecache._pages.clear()  # this worker's copy gone: as in another worker, or another node
    shared, same = queries_of(Client(), url)
    assert first > 1 and shared == 1 and without_token(same) == without_token(html)
    again, _html = queries_of(Client(), url)
    assert again == 0  # kept here too now


def test_a_shared_copy_is_kept_here_only_for_what_is_left_of_its_seconds(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"/{world.city.slug}/requests/"
    Client().get(url)
    pagecache._pages.clear()
    made = time.time()
    monkeypatch.setattr(pagecache.time, "time", lambda: made + 59.5)  # half a second left of 60
    assert queries_of(Client(), url)[0] == 1
    monkeypatch.setattr(pagecache.time, "time", lambda: made + 61)
    pagecache._pages.clear()
    world.grow(1)
    count, html = queries_of(Client(), url)  # the shared copy is past its seconds: rendered afresh
    assert count > 1 and f"IND-{world.first.number + 1}" in html


def test_a_shared_cache_out_of_reach_is_a_page_rendered_afresh(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("could not connect to server")

    monkeypatch.setattr(pagecache.cache, "get", unreachable)
    monkeypatch.setattr(pagecache.cache, "set", unreachable)
    url = f"/{world.city.slug}/"
    first, html = queries_of(Client(), url)
    again, _same = queries_of(Client(), url)
    assert first > 0 and again == 0 and world.city.name in html  # rendered, and kept in this process


def test_the_shared_cache_s_expired_rows_are_deleted_at_most_once_a_minute(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django's database cache keeps expired rows until it holds MAX_ENTRIES: kept pages of
    every path and query string would pile up until then."""
    table = caches["default"].cache_model_class._meta.db_table  # type: ignore[attr-defined]

    def rows() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key FROM {table}")  # noqa: S608 (the test's cache table)
            return {key for (key,) in cursor.fetchall()}

    pagecache._pruned_at[0] = 0.0
    Client().get(f"/{world.city.slug}/")
    old = rows()
    assert any("pagecache:" in key for key in old)
    with connection.cursor() as cursor:  # every row past its time, as a minute later
        cursor.execute(f"UPDATE {table} SET expires = %s", [timezone.now() - dt.timedelta(minutes=1)])  # noqa: S608
    Client().get(f"/{world.city.slug}/requests/")  # within the minute: nothing deleted
    fresh = rows() - old
    assert old <= rows() and len(fresh) == 1
    monkeypatch.setattr(pagecache, "PRUNE_SECONDS", 0.0)
    Client().get(f"/{world.city.slug}/requests/?status=open")
    left = rows()
    assert not (old & left)  # the expired rows gone
    assert fresh < left and len(left) == 2  # the pages still within their seconds kept
