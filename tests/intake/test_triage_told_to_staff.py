"""An emailed report no department has (triage) is not left unseen (rv3 #7): the city's
supervisors, who route its cases, get an email with what the intake read, and the case
carries an internal note saying the same. Read from a real SMTP server on loopback, as
the outbox delivers it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.cases.models import EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.services import email_ingest
from civicdesk.tenants.models import City
from tests.intake.conftest import triage_code
from tests.intake.mail import RESIDENT, plain, raw
from tests.outbox_harness import Received

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(independence: City, raytown: City, make_staff: Callable[..., User], pothole: ServiceType) -> dict[str, User]:
    return {
        "sue": make_staff(independence, Role.SUPERVISOR, email="sue@independence.test"),
        "sam": make_staff(independence, Role.SUPERVISOR, email="sam@independence.test"),
        "ada": make_staff(independence, Role.CITY_ADMIN, email="ada@independence.test"),
        "will": make_staff(independence, Role.WORKER, department=pothole.department, email="will@independence.test"),
        "gone": make_staff(independence, Role.SUPERVISOR, email="gone@independence.test", is_active=False),
        "ray": make_staff(raytown, Role.SUPERVISOR, email="ray@raytown.test"),
    }


def intake_note(case: ServiceRequest) -> str:
    return " ".join(case.events.filter(kind=EventKind.INTERNAL_NOTE).values_list("text", flat=True))


def html_of(message: Received) -> str:
    body = message.message.get_body(preferencelist=("html",))
    assert body is not None
    return re.sub(r"<[^>]+>", "", str(body.get_content()))  # the words, as a mail program shows them


def test_an_email_with_no_type_and_no_place_is_noted_and_sent_to_the_citys_supervisors(
    catalogue: dict[str, ServiceType], staff: dict[str, User], smtp_inbox: Callable[[], list[Received]]
) -> None:
    case = email_ingest(raw=raw(plain("Something is wrong near my house, please call me.", subject="Help"))).case
    assert case.service_type.code == triage_code()

    # The note the docs promise: what the intake read, though it read nothing it knew.
    note = intake_note(case)
    assert "Sent to triage" in note
    assert "no words of any problem type" in note and "no address or map point" in note

    received = smtp_inbox()
    told = {m.to: m for m in received if m.to != RESIDENT}
    assert set(told) == {"sue@independence.test", "sam@independence.test"}  # not the admin, worker or others
    for message in told.values():
        assert message.message["Subject"] == f"[{case.reference}] New report to route (waiting in triage)"
        for body in (" ".join(message.text().split()), " ".join(html_of(message).split())):
            assert f"Case {case.reference} came by email and is waiting in triage" in body
            assert "no address or map point" in body
            assert "Something is wrong near my house" in body
            assert f"/console/independence/cases/{case.number}/" in body or case.reference in body
    assert [m for m in received if m.to == RESIDENT]  # the resident is still acknowledged


def test_a_city_with_no_supervisor_tells_its_administrators(
    catalogue: dict[str, ServiceType], independence: City, make_staff: Callable[..., User], outbox: Any
) -> None:
    make_staff(independence, Role.CITY_ADMIN, email="ada@independence.test")

    email_ingest(raw=raw(plain("The pothole is back again, please fix it.", subject="pothole again")))

    assert [m.to for m in outbox() if m.to != [RESIDENT]] == [["ada@independence.test"]]


def test_an_email_with_its_type_and_place_goes_to_its_department_and_not_to_the_supervisors(
    catalogue: dict[str, ServiceType], staff: dict[str, User], outbox: Any
) -> None:
    case = email_ingest(raw=raw(plain("Deep pothole in front of 1234 S Noland Rd.", subject="Pothole"))).case

    assert case.service_type.code == "pothole"
    recipients = {address for m in outbox() for address in m.to}
    assert not recipients & {"sue@independence.test", "sam@independence.test"}
    assert "Sent to triage" not in intake_note(case)


def test_a_typed_email_with_no_place_says_what_the_intake_read(
    catalogue: dict[str, ServiceType], staff: dict[str, User], outbox: Any
) -> None:
    case = email_ingest(raw=raw(plain("The pothole is back again, please fix it.", subject="pothole again"))).case

    note = intake_note(case)
    assert "Sent to triage: The intake read it as “Pothole”." in note
    assert "no address or map point" in note
    assert {"sue@independence.test", "sam@independence.test"} <= {a for m in outbox() for a in m.to}
