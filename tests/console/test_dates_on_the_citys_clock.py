"""A case's dates are written on its own city's clock, not the site's (TIME_ZONE, Central
time): a report made at 11:30 p.m. in a member city on Mountain time was made that day, though
it is already half past midnight the next day in Central time. The console's list, case page
and timeline, its overdue, not-placed and similar lists, and the overdue report all say so,
and the list reads each row's city with the row (no query per case)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

MOUNTAIN = "America/Denver"
# 11:30 p.m. on Wednesday, December 9, 2026 in Mountain time: 12:30 a.m. on the 10th in
# Central time, 6:30 a.m. on the 10th in UTC.
LATE_EVENING = dt.datetime(2026, 12, 9, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
# Closed at 11:45 p.m. on Friday, December 11, Mountain time (12:45 a.m. Saturday in Central).
CLOSED = dt.datetime(2026, 12, 11, 23, 45, tzinfo=dt.timezone(dt.timedelta(hours=-7)))


@pytest.fixture
def mountain_city(raytown: City) -> City:
    raytown.timezone = MOUNTAIN
    raytown.save(update_fields=["timezone"])
    return raytown


@pytest.fixture
def streets(mountain_city: City, make_department: Callable[..., Department]) -> Department:
    return make_department(mountain_city, "Streets")


@pytest.fixture
def drain(mountain_city: City, streets: Department, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(mountain_city, "drain", name="Storm Drain", department=streets, target_days=3)


@pytest.fixture
def boss(mountain_city: City, streets: Department, make_staff: Callable[..., User]) -> User:
    return make_staff(mountain_city, Role.SUPERVISOR, department=streets, first_name="Ray", last_name="Boss")


def late_report(drain: ServiceType, *, at: dt.datetime = LATE_EVENING, **kw: Any) -> ServiceRequest:
    lat, lng = INSIDE["raytown"]
    kw.setdefault("lat", lat)
    kw.setdefault("lng", lng)
    with clock.frozen_at(at):
        return services.case_create(
            service_type=drain, description="Storm drain blocked by leaves", reporter_email="r@example.org", **kw
        )


def page(client: Client, url: str, language: str = "en") -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's text, its tags taken out."""
    return re.sub(r"<[^>]+>", "", html)


def test_the_case_list_shows_the_day_a_case_was_opened_and_is_due_on_its_citys_clock(
    client: Client, drain: ServiceType, boss: User
) -> None:
    case = late_report(drain)
    # Due 3 days later at the same time: 11:30 p.m. on Saturday the 12th, Mountain time.
    assert case.due_at == LATE_EVENING + dt.timedelta(days=3)
    client.force_login(boss)
    with clock.frozen_at(LATE_EVENING + dt.timedelta(minutes=5)):
        listed = page(client, "/console/?queue=all")
        spanish = page(client, "/console/?queue=all", "es")
    assert case.reference in listed
    assert "Dec. 9, 2026" in listed and "Dec. 10, 2026" not in listed
    assert "Dec. 12" in listed and "Dec. 13" not in listed
    assert "9 dic 2026" in spanish and "10 dic 2026" not in spanish


def test_the_case_page_and_its_timeline_are_on_the_citys_clock(client: Client, drain: ServiceType, boss: User) -> None:
    case = late_report(drain)
    with clock.frozen_at(CLOSED):
        services.case_close(case=case, actor=boss, note="Cleared the leaves.")
    client.force_login(boss)
    url = f"/console/cases/{case.city.slug}/{case.number}/"
    raw = page(client, url)
    english = text_of(raw)  # a timeline entry's date and time are two spans
    # Opened, and its timeline entry, at 11:30 p.m. on the 9th; closed at 11:45 p.m. on the 11th.
    assert english.count("Dec. 9, 2026, 11:30 p.m.") >= 2
    assert english.count("Dec. 11, 2026, 11:45 p.m.") >= 2
    assert "Dec. 10, 2026, 12:30 a.m." not in english and "Dec. 12, 2026, 12:45 a.m." not in english
    # The due date (11:30 p.m. on the 12th) is the 12th, and the machine form keeps the offset.
    assert "Dec. 12, 2026" in english and "Dec. 13, 2026" not in english
    assert 'datetime="2026-12-09T23:30:00-07:00"' in raw
    spanish = text_of(page(client, url, "es"))
    assert "9 dic 2026, 23:30" in spanish and "11 dic 2026, 23:45" in spanish
    assert "10 dic 2026, 00:30" not in spanish


def test_a_changed_due_date_on_the_timeline_is_the_citys_day(
    client: Client, drain: ServiceType, boss: User, streets: Department, make_service_type: Callable[..., ServiceType]
) -> None:
    case = late_report(drain)
    grass = make_service_type(case.city, "grass", name="Tall Grass", department=streets, target_days=5)
    with clock.frozen_at(LATE_EVENING + dt.timedelta(minutes=10)):
        services.case_change_type(case=case, actor=boss, service_type=grass)
    client.force_login(boss)
    html = page(client, f"/console/cases/{case.city.slug}/{case.number}/")
    # From 11:30 p.m. on the 12th to 11:30 p.m. on the 14th, Mountain time.
    assert "Dec. 12, 2026 → Dec. 14, 2026" in html


def test_the_overdue_and_not_placed_lists_and_the_overdue_report_are_on_the_citys_clock(
    client: Client, drain: ServiceType, boss: User
) -> None:
    late = late_report(drain)
    unplaced = late_report(drain, lat=None, lng=None, address="Somewhere near the park")
    assert unplaced.lat is None
    client.force_login(boss)
    with clock.frozen_at(LATE_EVENING + dt.timedelta(days=8)):
        overdue = page(client, "/console/overdue/")
        not_placed = page(client, "/console/not-placed/")
        report = page(client, f"/{late.city.slug}/reports/overdue/")
    assert late.reference in overdue and "Dec. 12, 2026" in overdue and "Dec. 13, 2026" not in overdue
    assert unplaced.reference in not_placed
    assert "opened Dec. 9, 2026" in not_placed and "Dec. 10, 2026" not in not_placed
    assert late.reference in report and "12/12/2026" in report and "12/13/2026" not in report


def test_similar_cases_near_a_new_call_give_their_citys_day(client: Client, drain: ServiceType, boss: User) -> None:
    case = late_report(drain)
    lat, lng = INSIDE["raytown"]
    client.force_login(boss)
    with clock.frozen_at(LATE_EVENING + dt.timedelta(minutes=20)):
        html = page(client, f"/console/new/similar/?service_type={drain.pk}&lat={lat}&lng={lng}")
    assert case.reference in html
    assert "Dec. 9" in html and "Dec. 10" not in html


def test_the_case_list_reads_each_cases_city_with_the_case(client: Client, drain: ServiceType, boss: User) -> None:
    def queries(cases: int) -> int:
        for n in range(cases):
            late_report(drain, at=LATE_EVENING - dt.timedelta(minutes=n))
        with CaptureQueriesContext(connection) as seen:
            page(client, "/console/?queue=all")
        return len(seen.captured_queries)

    client.force_login(boss)
    with clock.frozen_at(LATE_EVENING + dt.timedelta(hours=1)):
        page(client, "/console/?queue=all")  # the first visit fills the kept lists
        two = queries(2)
        seven = queries(5)
    assert seven == two
