"""A shared-service agreement's days are its client city's: at 11:30 p.m. on New Year's Eve
in Central time (05:30 UTC on January 1) an agreement whose last day is December 31 still
works the city's cases, and the agreements page offers December 31 as the day to end one,
not UTC's January 1 (``tenants.services.city_today``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.test import Client

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.catalog.models import AgreementStatus, ServiceAgreement, ServiceType
from civicdesk.catalog.routing import department_for
from civicdesk.catalog.services import agreement_accept, agreement_propose
from civicdesk.core import clock
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
# As the clock gives it, in UTC: 05:30 on January 1, 2027.
NEW_YEARS_EVE = dt.datetime(2026, 12, 31, 23, 30, tzinfo=CENTRAL).astimezone(dt.UTC)
NEW_YEARS_DAY = dt.datetime(2027, 1, 1, 0, 30, tzinfo=CENTRAL).astimezone(dt.UTC)


@pytest.fixture
def shelter(cities: dict[str, City], make_department: Any) -> Department:
    return make_department(cities["blue-springs"], "Regional Animal Shelter", email="shelter@bluesprings.test")


@pytest.fixture
def stray(cities: dict[str, City], make_service_type: Any) -> ServiceType:
    return make_service_type(cities["independence"], "stray-animal", name="Stray animal")


@pytest.fixture
def admins(staff: Any) -> dict[str, User]:
    return {slug: staff(slug, Role.CITY_ADMIN) for slug in ("independence", "blue-springs")}


def agreed(admins: dict[str, User], shelter: Department, stray: ServiceType, **days: Any) -> ServiceAgreement:
    proposed = agreement_propose(
        actor=admins["independence"], provider_department=shelter, service_types=[stray], **days
    )
    return agreement_accept(agreement=proposed, actor=admins["blue-springs"])


def test_the_agreements_page_offers_and_ends_on_december_31_at_half_past_eleven_that_night(
    client: Client, admins: dict[str, User], shelter: Department, stray: ServiceType
) -> None:
    agreement = agreed(admins, shelter, stray, starts_on=dt.date(2026, 12, 1))
    client.force_login(admins["independence"])
    with clock.frozen_at(NEW_YEARS_EVE):
        body = client.get("/console/agreements/").content.decode()
        assert f'id="last-{agreement.pk}" value="2026-12-31"' in body
        # The box emptied: it ends today, the city's December 31.
        response = client.post(f"/console/agreements/{agreement.pk}/end/", {"last_day": ""})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.status, agreement.ends_on) == (AgreementStatus.ENDED, dt.date(2026, 12, 31))


def test_an_agreement_to_december_31_still_takes_a_case_retyped_at_half_past_eleven_that_night(
    admins: dict[str, User],
    shelter: Department,
    stray: ServiceType,
    make_service_type: Any,
    cities: dict[str, City],
    staff: Any,
) -> None:
    agreed(admins, shelter, stray, starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 31))
    other = make_service_type(cities["independence"], "loose-dog", name="Loose dog")
    lat, lng = INSIDE["independence"]
    supervisor = staff("independence", Role.SUPERVISOR)
    with clock.frozen_at(NEW_YEARS_EVE):
        assert department_for(stray) == shelter
        case = services.case_create(service_type=other, lat=lat, lng=lng, description="A dog loose on the road")
        retyped = services.case_change_type(case=case, actor=supervisor, service_type=stray)
    assert retyped.department == shelter
    with clock.frozen_at(NEW_YEARS_DAY):
        assert department_for(stray) == stray.department
        case = services.case_create(service_type=other, lat=lat, lng=lng, description="Another loose dog")
        retyped = services.case_change_type(case=case, actor=supervisor, service_type=stray)
    assert retyped.department == stray.department
