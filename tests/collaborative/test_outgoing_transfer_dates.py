"""The console's "Asked by your city" says when each hand-off was asked, and answered once it
was: Raytown, on Mountain time, asks Independence, on Central time, to take three cases late
on December 9 (past midnight in Independence). Each date is on the clock of the city whose
case it is now, as on the case page the row links to: Raytown's while Independence decides
or after it refused (Raytown's staff read the date alone), Independence's once it took the
case (read "Dec. 10, 2026 (Independence time, CST)")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
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
# 11:40 p.m. on December 9 in Raytown is 12:40 a.m. on the 10th in Independence.
ASKED = dt.datetime(2026, 12, 9, 23, 40, tzinfo=MOUNTAIN)
DECIDED = dt.datetime(2026, 12, 9, 23, 50, tzinfo=MOUNTAIN)
# Read two days later, so no row is dated "today" by accident.
READ = dt.datetime(2026, 12, 11, 9, 0, tzinfo=MOUNTAIN)


@pytest.fixture
def people(cities: dict[str, City], staff: Any) -> dict[str, User]:
    raytown = cities["raytown"]
    raytown.timezone = "America/Denver"
    raytown.save(update_fields=["timezone"])
    return {"rt": staff("raytown", Role.SUPERVISOR), "ind": staff("independence", Role.SUPERVISOR)}


@pytest.fixture
def asked(pothole: dict[str, ServiceType], people: dict[str, User], cities: dict[str, City]) -> dict[str, Any]:
    """Three Raytown cases Raytown asks Independence to take: one Independence takes, one it
    refuses, one it has not answered."""
    lat, lng = INSIDE["raytown"]
    made: dict[str, Any] = {}
    for name in ("taken", "refused", "waiting"):
        with clock.frozen_at(ASKED):
            case = services.case_create(service_type=pothole["raytown"], lat=lat, lng=lng, description="Hole")
            transfers.case_transfer(case=case, actor=people["rt"], to_city=cities["independence"], reason="Their road")
        made[name] = CaseTransfer.objects.get(case=case)
    with clock.frozen_at(DECIDED):
        transfers.case_transfer_accept(transfer=made["taken"], actor=people["ind"])
        transfers.case_transfer_refuse(transfer=made["refused"], actor=people["ind"], reason="Ours ends at the curb")
    for transfer in made.values():
        transfer.refresh_from_db()
    return made


def outgoing_rows(client: Client, user: User, language: str = "en") -> dict[str, str]:
    """Each row of "Asked by your city" as read (tags dropped), by the reference it starts with."""
    client.force_login(user)
    with clock.frozen_at(READ):
        response = client.get("/console/transfers/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    found = re.search(r'<ul class="outgoing-transfers">(.*?)</ul>', response.content.decode(), re.S)
    assert found, response.content.decode()
    rows = {}
    for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", item).replace("&#x27;", "'").split())
        rows[text.split(" ")[0]] = text
    return rows


def test_each_hand_off_says_when_it_was_asked_and_answered_on_the_clock_of_the_city_whose_case_it_is(
    client: Client, asked: dict[str, CaseTransfer], people: dict[str, User]
) -> None:
    rows = outgoing_rows(client, people["rt"])
    taken, refused, waiting = (rows[asked[k].from_reference] for k in ("taken", "refused", "waiting"))
    # Not answered yet: asked on Raytown's clock, the reader's own, and nothing said answered.
    assert waiting.endswith("Waiting for the receiving city Asked Dec. 9, 2026"), waiting
    assert "answered" not in waiting and "MST" not in waiting
    # Refused: still Raytown's case, so Raytown's day, and the reason read with it.
    assert refused.endswith("Refused: Ours ends at the curb Asked Dec. 9, 2026 · answered Dec. 9, 2026"), refused
    # Taken: Independence's case now, whose page reads its dates on Independence's clock.
    assert taken.endswith(
        "Accepted Asked Dec. 10, 2026 (Independence time, CST) · answered Dec. 10, 2026 (Independence time, CST)"
    ), taken


def test_the_dates_read_in_spanish(client: Client, asked: dict[str, CaseTransfer], people: dict[str, User]) -> None:
    rows = outgoing_rows(client, people["rt"], "es")
    assert rows[asked["waiting"].from_reference].endswith("Solicitado el 9 dic 2026")
    assert rows[asked["refused"].from_reference].endswith("Solicitado el 9 dic 2026 · respondido el 9 dic 2026")
    assert rows[asked["taken"].from_reference].endswith(
        "Solicitado el 10 dic 2026 (hora de Independence, CST) · respondido el 10 dic 2026 (hora de Independence, CST)"
    )


def test_a_city_on_the_same_clock_reads_the_dates_alone(
    client: Client, pothole: dict[str, ServiceType], cities: dict[str, City], staff: Any
) -> None:
    """Independence asks Grandview (both Central): 12:40 a.m. on the 10th, no zone said."""
    ind, grandview = staff("independence", Role.SUPERVISOR), staff("grandview", Role.SUPERVISOR)
    lat, lng = INSIDE["independence"]
    with clock.frozen_at(ASKED):
        case: ServiceRequest = services.case_create(service_type=pothole["independence"], lat=lat, lng=lng)
        transfers.case_transfer(case=case, actor=ind, to_city=cities["grandview"], reason="Theirs")
    with clock.frozen_at(DECIDED):
        transfers.case_transfer_accept(transfer=CaseTransfer.objects.get(case=case), actor=grandview)
    [row] = outgoing_rows(client, ind).values()
    assert row.endswith("Accepted Asked Dec. 10, 2026 · answered Dec. 10, 2026"), row
