"""A resident reads a report's dates on its city's clock, not the site's (Central time): a
storm drain reported at 11:30 p.m. in a member city on Mountain time was reported that day, on
the report's page and tracking page, in browsing and on the city's home, among the nearby
reports of the report form, and in the emails (which were already written on the city's
clock, and stay so)."""

from __future__ import annotations

import datetime as dt
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
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

# 11:30 p.m. on Wednesday, December 9, 2026 in Mountain time: 12:30 a.m. on the 10th in
# Central time.
LATE_EVENING = dt.datetime(2026, 12, 9, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
# Closed at 11:45 p.m. on Friday, December 11, Mountain time (12:45 a.m. Saturday in Central).
CLOSED = dt.datetime(2026, 12, 11, 23, 45, tzinfo=dt.timezone(dt.timedelta(hours=-7)))


@pytest.fixture
def drain(raytown: City, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    raytown.timezone = "America/Denver"
    raytown.save(update_fields=["timezone"])
    return make_service_type(raytown, "drain", name="Storm Drain", target_days=3)


@pytest.fixture
def boss(drain: ServiceType, make_staff: Callable[..., User]) -> User:
    return make_staff(drain.city, Role.SUPERVISOR, department=drain.department)


def late_report(drain: ServiceType, *, at: dt.datetime = LATE_EVENING, **kw: Any) -> ServiceRequest:
    lat, lng = INSIDE["raytown"]
    with clock.frozen_at(at):
        return services.case_create(
            service_type=drain,
            lat=lat,
            lng=lng,
            description="Storm drain blocked by leaves",
            reporter_email="resident@example.org",
            notify_reporter=True,
            **kw,
        )


def page(client: Client, url: str, language: str = "en") -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_report_page_and_tracking_page_give_the_citys_days_and_times(
    client: Client, drain: ServiceType, boss: User
) -> None:
    case = late_report(drain)
    with clock.frozen_at(CLOSED):
        services.case_close(case=case, actor=boss, note="We cleared the leaves from the drain.")
    for url in (f"/raytown/requests/{case.number}/", f"/track/{case.tracking_token}/"):
        english = page(client, url)
        assert "Dec. 9, 2026" in english and "Dec. 10, 2026" not in english, url
        # Its history: reported at 11:30 p.m. on the 9th, closed at 11:45 p.m. on the 11th.
        assert "Dec. 9, 2026, 11:30 p.m." in english and "Dec. 11, 2026, 11:45 p.m." in english, url
        assert "Dec. 12, 2026" not in english, url
        spanish = page(client, url, "es")
        assert "9 dic 2026, 23:30" in spanish and "11 dic 2026, 23:45" in spanish, url
        assert "10 dic 2026" not in spanish and "12 dic 2026" not in spanish, url


def test_browsing_the_citys_home_and_the_nearby_reports_give_the_citys_day(client: Client, drain: ServiceType) -> None:
    case = late_report(drain)
    lat, lng = INSIDE["raytown"]
    with clock.frozen_at(LATE_EVENING + dt.timedelta(minutes=30)):
        for url in ("/raytown/requests/", "/raytown/", f"/report/nearby/?service_type={drain.pk}&lat={lat}&lng={lng}"):
            html = page(client, url)
            assert case.reference in html, url
            assert "Dec. 9, 2026" in html and "Dec. 10, 2026" not in html, url


def test_browsing_reads_the_city_once_not_once_a_report(client: Client, drain: ServiceType) -> None:
    def queries(reports: int) -> int:
        for n in range(reports):
            late_report(drain, at=LATE_EVENING - dt.timedelta(minutes=n + 1))
        with CaptureQueriesContext(connection) as seen:
            page(client, "/raytown/requests/")
        return len(seen.captured_queries)

    with clock.frozen_at(LATE_EVENING + dt.timedelta(hours=1)):
        page(client, "/raytown/requests/")  # the first visit fills the kept lists
        two = queries(2)
        seven = queries(5)
    assert seven == two


def test_the_assignment_email_gives_the_citys_day(
    drain: ServiceType, boss: User, make_staff: Callable[..., User], outbox: Callable[[], list[Any]]
) -> None:
    case = late_report(drain)
    worker = make_staff(drain.city, Role.WORKER, department=drain.department)
    with clock.frozen_at(LATE_EVENING + dt.timedelta(minutes=5)):
        services.case_assign(case=case, actor=boss, assignee=worker, note="")
    sent = outbox()
    to_staff = [m for m in sent if worker.email in m.to]
    assert to_staff, [m.to for m in sent]
    body = to_staff[-1].body
    # Reported at 11:30 p.m. on the 9th, due on the 12th: Raytown's clock, not Central time.
    assert "Dec. 9, 2026, 11:30 p.m." in body and "Dec. 12, 2026" in body
    assert "Dec. 10, 2026" not in body
