"""What every staff request reads first, by plain statements: its session
(civicdesk/core/sessions.py) and the signed-in user with their city and department
(civicdesk/accounts/backends.py), and a question every case page asks, nearly always answered
"no": its duplicates. Each must give what Django's own queries give."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from civicdesk.accounts.backends import UserWithCityBackend, user_with_city
from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.core.sessions import SessionStore
from civicdesk.tenants.models import City, Department

pytestmark = pytest.mark.django_db

HOME = "/console/"


def _orm(user_id: int) -> User:
    return User.objects.select_related("city", "department").defer("city__boundary").get(pk=user_id)


def _same_fields(ours: Any, theirs: Any, *, leave_out: tuple[str, ...] = ()) -> None:
    for field in type(theirs)._meta.concrete_fields:
        if field.name in leave_out:
            continue
        mine, django = getattr(ours, field.attname), getattr(theirs, field.attname)
        assert (mine, type(mine)) == (django, type(django)), field.name


def test_the_user_city_and_department_are_those_the_orm_reads(supervisor: User) -> None:
    User.objects.filter(pk=supervisor.pk).update(last_login=timezone.now(), phone="816-555-0100")
    ours, theirs = user_with_city(supervisor.pk), _orm(supervisor.pk)
    assert ours is not None and ours.pk == supervisor.pk
    _same_fields(ours, theirs)  # a time read as an aware datetime, a flag as a bool, on SQLite too
    assert isinstance(ours.last_login, dt.datetime) and ours.last_login.tzinfo is not None
    with CaptureQueriesContext(connection) as queries:
        city, department = ours.city, ours.department
    assert not queries.captured_queries  # both came with the user
    assert isinstance(city, City) and isinstance(department, Department)
    _same_fields(city, theirs.city, leave_out=("boundary",))
    _same_fields(department, theirs.department)
    assert city.get_deferred_fields() == {"boundary"}  # the limits stay in the database
    assert city.boundary == City.objects.get(pk=city.pk).boundary  # until asked for
    assert ours.get_role_display() == theirs.get_role_display()
    assert ours.is_city_staff and ours.display_name() == theirs.display_name()


def test_a_user_without_a_city_or_a_department(make_staff: Callable[..., User]) -> None:
    regional = make_staff(None, role=Role.REGIONAL_ADMIN)
    ours = user_with_city(regional.pk)
    assert ours is not None and ours.username == regional.username
    with CaptureQueriesContext(connection) as queries:
        assert ours.city is None and ours.department is None
    assert not queries.captured_queries
    assert user_with_city(regional.pk + 10_000) is None


def test_an_inactive_user_is_not_signed_in_and_a_change_shows_on_the_next_request(
    signed_in: Callable[[User], Any], supervisor: User, make_department: Callable[..., Department]
) -> None:
    backend = UserWithCityBackend()
    client = signed_in(supervisor)
    assert client.get(HOME).status_code == 200
    other = make_department(supervisor.city, name="Parks after the move")
    User.objects.filter(pk=supervisor.pk).update(department=other)
    assert "Parks after the move" in client.get(HOME).content.decode()
    User.objects.filter(pk=supervisor.pk).update(is_active=False)
    assert backend.get_user(supervisor.pk) is None
    page = client.get(HOME)
    assert page.status_code == 302 and "/console/login/" in page["Location"]


def test_a_session_is_read_while_it_lasts_and_not_after() -> None:
    store = SessionStore()
    store["case_filter"] = "pothole"
    store.save()
    key = store.session_key
    assert key is not None
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(key)["case_filter"] == "pothole"
    assert len(queries.captured_queries) == 1
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(key)
    assert expired.load() == {} and expired.session_key is None  # a new session is started, as Django's does
    unknown = SessionStore("no-such-session-key-0123456789")
    assert unknown.load() == {} and unknown.session_key is None


def test_a_case_page_lists_the_cases_closed_as_its_duplicates_and_asks_plainly_when_there_are_none(
    signed_in: Callable[[User], Any], supervisor: User, report: Callable[..., Any]
) -> None:
    original, other = report(), report(description="The same sofa, seen from the other side")
    client = signed_in(supervisor)
    url = f"/console/cases/{original.city.slug}/{original.number}/"
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert "Duplicates of this case" not in page
    asked = [q["sql"] for q in queries.captured_queries if '"duplicate_of_id" =' in q["sql"]]
    assert len(asked) == 1 and "JOIN" not in asked[0]  # the plain question, not the join
    services.case_mark_duplicate(case=other, actor=supervisor, original=original, note="")
    page = client.get(url).content.decode()
    link = f'<a href="/console/cases/{other.city.slug}/{other.number}/">{other.reference}</a>'
    assert "Duplicates of this case:" in page and link in page


def test_the_case_list_links_each_row_and_writes_its_dates_in_the_visitor_s_language(
    signed_in: Callable[[User], Any], supervisor: User, report: Callable[..., Any]
) -> None:
    case = report()
    client = signed_in(supervisor)
    day = timezone.localtime(case.opened_at, case.city.tz).date()
    for language in ("en", "es", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(HOME, {"queue": "all"}).content.decode()
        with translation.override(language):
            # The visitor's language orders the date: "Dec. 6, 2026", "6 dic 2026".
            opened = date_format(day, translation.gettext("N j, Y"))
            # The cell says its column's name for a phone's card; "day": one line on a desk.
            column = translation.gettext("Opened")
        assert f'<a href="/console/cases/{case.city.slug}/{case.number}/">{case.reference}</a>' in page
        assert f'<td class="day" data-label="{column}">{opened}</td>' in page, language
