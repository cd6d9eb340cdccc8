"""A resident answers the acknowledgement of their report after another member city took
it (IND-1004 is now RT-1002): the reply goes to the first city's address, quoting the old
number, and is added to the same case, now the other city's, whose staff hear of it. It
once opened a new case in the first city's triage queue, which nobody there could act on,
and the staff who had the report never read it. Read from a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.cases import transfers
from civicdesk.cases.models import EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.models import Outcome
from civicdesk.intake.services import email_ingest
from civicdesk.tenants.models import City, Department
from tests.intake.mail import CITY_ADDRESS, RESIDENT, plain, raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed_to_raytown(
    catalogue: dict[str, ServiceType],
    independence: City,
    raytown: City,
    make_service_type: Callable[..., ServiceType],
    make_department: Callable[..., Department],
    make_staff: Callable[..., User],
    smtp_inbox: Any,
) -> tuple[ServiceRequest, Any]:
    """A pothole emailed to Independence, then taken by Raytown; and its acknowledgement as
    the resident received it."""
    make_service_type(raytown, "pothole", name="Pothole", department=make_department(raytown, "Public Works"))
    case = email_ingest(raw=raw(plain("Deep pothole at 1234 S Noland Rd", subject="Pothole"))).case
    [acknowledgement] = [m for m in smtp_inbox() if m.to == RESIDENT]
    old = case.reference
    requested = transfers.case_transfer(
        case=case, actor=make_staff(independence, Role.SUPERVISOR), to_city=raytown, reason="Raytown's side."
    )
    case = transfers.case_transfer_accept(transfer=requested, actor=make_staff(raytown, Role.SUPERVISOR))
    assert case.city == raytown and case.reference != old and old in str(acknowledgement.message["Subject"])
    smtp_inbox()
    return case, acknowledgement


def test_a_reply_to_the_first_citys_acknowledgement_adds_to_the_case_the_other_city_now_has(
    handed_to_raytown: tuple[ServiceRequest, Any], smtp_inbox: Any
) -> None:
    case, acknowledgement = handed_to_raytown
    before = ServiceRequest.objects.count()
    reply = plain(
        "It is twice as big now.",
        subject=f"Re: {acknowledgement.message['Subject']}",
        to=CITY_ADDRESS,
        In_Reply_To=acknowledgement.message_id,
        References=acknowledgement.message_id,
    )

    result = email_ingest(raw=raw(reply))

    assert result.outcome == Outcome.NOTE and result.case == case
    assert ServiceRequest.objects.count() == before
    assert case.events.filter(kind=EventKind.PUBLIC_NOTE, text="It is twice as big now.").exists()
    told = [m for m in smtp_inbox() if "New information from a resident" in str(m.message["Subject"])]
    assert [m.to for m in told] == [case.department.email]
    assert case.reference in str(told[0].message["Subject"]) and "It is twice as big now." in told[0].text()


def test_a_reply_quoting_only_the_old_number_in_its_subject_finds_the_case_too(
    handed_to_raytown: tuple[ServiceRequest, Any],
) -> None:
    case, acknowledgement = handed_to_raytown
    old = str(acknowledgement.message["Subject"]).split("]")[0].lstrip(" [")

    result = email_ingest(raw=raw(plain("Any news?", subject=f"About [{old}]", to=CITY_ADDRESS)))

    assert result.outcome == Outcome.NOTE and result.case == case
