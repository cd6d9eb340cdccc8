"""A hand-off's dates between member cities on two clocks: Raytown on Mountain time asks
Independence, on Central time, to take a storm drain reported at 11:30 p.m. on December 9
(12:30 a.m. on the 10th in Independence).

Every date of a case is on the clock of the city whose case it is: while Raytown waits, its
clock (Independence's staff read "Dec. 9, 2026 (Raytown time, MST)"); once Independence has
taken it, Independence's (Raytown's staff read its old page saying so). A reader on the case's
own clock reads the date alone. The emails of the hand-off go to the staff of the city whose
case it is then, on that city's clock, their own."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services, transfers
from civicdesk.cases.models import CaseTransfer, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

MOUNTAIN = dt.timezone(dt.timedelta(hours=-7))
# 11:30 p.m. on Wednesday, December 9, 2026 in Raytown (Mountain time): 12:30 a.m. on the
# 10th in Independence (Central time).
REPORTED = dt.datetime(2026, 12, 9, 23, 30, tzinfo=MOUNTAIN)
ASKED = dt.datetime(2026, 12, 9, 23, 40, tzinfo=MOUNTAIN)
DECIDED = dt.datetime(2026, 12, 9, 23, 50, tzinfo=MOUNTAIN)


@pytest.fixture
def raytown_on_mountain_time(cities: dict[str, City]) -> City:
    raytown = cities["raytown"]
    raytown.timezone = "America/Denver"
    raytown.save(update_fields=["timezone"])
    return raytown


@pytest.fixture
def people(raytown_on_mountain_time: City, staff: Any) -> dict[str, User]:
    return {
        "rt_supervisor": staff("raytown", Role.SUPERVISOR),
        "rt_worker": staff("raytown", Role.WORKER),
        "ind_supervisor": staff("independence", Role.SUPERVISOR),
    }


@pytest.fixture
def case(pothole: dict[str, ServiceType], people: dict[str, User], cities: dict[str, City]) -> ServiceRequest:
    """A Raytown case, assigned to a Raytown worker, that Raytown asks Independence to take."""
    lat, lng = INSIDE["raytown"]
    with clock.frozen_at(REPORTED):
        case = services.case_create(
            service_type=pothole["raytown"], lat=lat, lng=lng, description="Hole at the city line"
        )
        services.case_assign(case=case, actor=people["rt_supervisor"], assignee=people["rt_worker"])
    with clock.frozen_at(ASKED):
        transfers.case_transfer(
            case=case,
            actor=people["rt_supervisor"],
            to_city=cities["independence"],
            reason="Independence maintains this road",
        )
    return case


def page(client: Client, user: User, url: str, language: str = "en") -> str:
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def says(text: str, word: str) -> bool:
    """Whether the text says the word itself, not as letters inside a token (a form's CSRF
    token or a link's, which are random and may hold "MST")."""
    return re.search(rf"(?<![\w-]){word}(?![\w-])", text) is not None


def the_transfer(case: ServiceRequest) -> CaseTransfer:
    return CaseTransfer.objects.get(case=case)


def test_the_city_asked_reads_when_on_the_asking_citys_clock_and_says_whose(
    client: Client, case: ServiceRequest, people: dict[str, User]
) -> None:
    with clock.frozen_at(ASKED + dt.timedelta(minutes=5)):
        incoming = page(client, people["ind_supervisor"], "/console/transfers/")
        spanish = page(client, people["ind_supervisor"], "/console/transfers/", "es")
        the_case = page(client, people["ind_supervisor"], f"/console/cases/raytown/{case.number}/")
    assert case.reference in incoming
    # Asked at 11:40 p.m. on the 9th in Raytown, 12:40 a.m. on the 10th in Independence.
    assert "Dec. 9, 2026 (Raytown time, MST)" in incoming and "Dec. 10, 2026" not in incoming
    assert "9 dic 2026 (hora de Raytown, MST)" in spanish
    # The case's page, which the row links to, is Raytown's, and says so once.
    assert "Dates and times here are on Raytown&#x27;s clock (MST)." in the_case
    assert "Dec. 9, 2026, 11:30 p.m." in the_case and "Dec. 10, 2026, 12:30 a.m." not in the_case
    assert "Dec. 9, 2026 (Raytown time, MST): " in the_case  # the hand-off


def test_the_asking_city_reads_its_own_case_on_its_clock_without_a_zone(
    client: Client, case: ServiceRequest, people: dict[str, User]
) -> None:
    with clock.frozen_at(ASKED + dt.timedelta(minutes=5)):
        own = page(client, people["rt_worker"], f"/console/cases/raytown/{case.number}/")
    assert "clock-note" not in own and not says(own, "MST")
    assert f"Dec. 9, 2026: {case.reference} → Independence" in own


def test_once_taken_the_case_is_on_the_new_citys_clock_and_the_city_that_gave_it_is_told(
    client: Client, case: ServiceRequest, people: dict[str, User], outbox: Callable[[], list[Any]]
) -> None:
    old_number, old_reference = case.number, case.reference
    outbox()
    mail.outbox.clear()  # what the case's creation and assignment sent is not read here
    with clock.frozen_at(DECIDED):
        moved = transfers.case_transfer_accept(transfer=the_transfer(case), actor=people["ind_supervisor"])
    # The receiving department's email: the case reported at 12:30 a.m. on the 10th on
    # Independence's clock, its own (no zone said), due 5 days after.
    told = [m for m in outbox() if m.to == [moved.department.email]]
    assert len(told) == 1
    body = told[0].body + str(told[0].alternatives[0][0])
    assert "Dec. 10, 2026, 12:30 a.m." in body and "Dec. 9, 2026" not in body and not says(body, "MST")

    with clock.frozen_at(DECIDED + dt.timedelta(minutes=5)):
        theirs = page(client, people["ind_supervisor"], f"/console/cases/independence/{moved.number}/")
        given = page(client, people["rt_worker"], f"/console/cases/raytown/{old_number}/")
    assert "clock-note" not in theirs
    assert "Dec. 10, 2026, 12:30 a.m." in theirs and "Dec. 9, 2026, 11:30 p.m." not in theirs
    assert f"Dec. 10, 2026: {old_reference} → Independence" in theirs
    # Raytown reads the case it gave away on Independence's clock, and is told so.
    assert "Dates and times here are on Independence&#x27;s clock (CST)." in given
    assert "Dec. 10, 2026, 12:30 a.m." in given
    assert f"Dec. 10, 2026 (Independence time, CST): {old_reference} → Independence" in given


def test_a_refusal_is_emailed_to_the_asking_citys_staff_on_their_clock(
    case: ServiceRequest, people: dict[str, User], outbox: Callable[[], list[Any]]
) -> None:
    outbox()
    mail.outbox.clear()  # what the case's creation and assignment sent is not read here
    with clock.frozen_at(DECIDED):
        transfers.case_transfer_refuse(
            transfer=the_transfer(case), actor=people["ind_supervisor"], reason="Ours ends at the curb"
        )
    told = [m for m in outbox() if m.to == [people["rt_worker"].email]]
    assert len(told) == 1
    body = told[0].body + str(told[0].alternatives[0][0])
    assert "Ours ends at the curb" in body
    assert "Dec. 9, 2026, 11:30 p.m." in body and "Dec. 10, 2026" not in body and not says(body, "CST")
