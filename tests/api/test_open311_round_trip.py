"""Round trip: a report posted by an application reaches the city's staff, is worked and
closed there, the reporter hears of each step by email, and the application reads it back
closed with its closing note."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import selectors as case_selectors
from civicdesk.cases.models import Channel, Status
from civicdesk.cases.services import case_add_note, case_assign, case_close
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City
from tests.api.conftest import API
from tests.api.open311_client import body, get
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

REPORTER = "ada.lovelace@example.org"


def test_a_report_posted_through_open311_is_worked_and_closed_in_the_console_and_reads_back_closed(
    client: Any,
    independence: City,
    asks_everything: ServiceType,
    api_key: str,
    make_staff: Callable[..., Any],
    outbox: Callable[[], list[Any]],
) -> None:
    # An application posts a report with the reporter's email.
    lat, lng = INSIDE["independence"]
    posted = client.post(
        f"{API}/requests.json",
        {
            "jurisdiction_id": independence.jurisdiction_id,
            "api_key": api_key,
            "service_code": "trash",
            "lat": str(lat),
            "long": str(lng),
            "description": "Sofa and tyres on the curb",
            "email": REPORTER,
            "first_name": "Ada",
            "attribute[bags]": "2",
            "attribute[kind]": "sofa",
        },
    )
    assert posted.status_code == 201, posted.content
    [created] = posted.json()
    reference = created["service_request_id"]

    # The reporter is acknowledged at once.
    [acknowledgement] = [m for m in outbox() if REPORTER in m.to]
    assert "We received your report" in acknowledgement.subject
    assert reference in acknowledgement.body

    # The city's supervisor finds it in the unassigned queue; staff of another city do not.
    supervisor = make_staff(independence, Role.SUPERVISOR)
    worker = make_staff(independence, Role.WORKER, department=asks_everything.department)
    elsewhere = make_staff(City.objects.exclude(pk=independence.pk).first(), Role.SUPERVISOR)
    unassigned = case_selectors.case_queue(user=supervisor, queue="unassigned")
    [case] = [c for c in unassigned if c.reference == reference]
    assert case.channel == Channel.OPEN311 and case.reporter_email == REPORTER
    assert not case_selectors.case_list_for_staff(user=elsewhere).filter(pk=case.pk).exists()

    # The worker sees it on its console page.
    client.force_login(worker)
    page = client.get(f"/console/cases/{independence.slug}/{case.number}/")
    assert page.status_code == 200
    assert reference in page.content.decode()
    client.logout()

    # Worked: assigned, a public update, closed with a closing note.
    case = case_selectors.case_get_for_staff(user=supervisor, city_slug=independence.slug, number=case.number)
    case_assign(case=case, actor=supervisor, assignee=worker)
    case_add_note(case=case, actor=worker, text="A crew is booked for Thursday.", public=True)
    case_add_note(case=case, actor=worker, text="Owner has had three warnings.", public=False)
    case_close(case=case, actor=worker, note="Sofa and tyres collected on Thursday.")

    to_reporter = [m for m in outbox() if REPORTER in m.to]
    subjects = [m.subject for m in to_reporter]
    assert subjects == [
        f"[{reference}] We received your report: Trash/Rubbish",
        f"[{reference}] Update on your report: Trash/Rubbish",
        f"[{reference}] Your report is closed: Trash/Rubbish",
    ]
    update, closing = to_reporter[1], to_reporter[2]
    assert "A crew is booked for Thursday." in update.body
    assert "Sofa and tyres collected on Thursday." in closing.body
    assert not any("three warnings" in m.body for m in to_reporter)

    # The application reads it back closed, with the closing note, in both formats.
    [read_back] = body(get(client, f"requests/{reference}", "json", jurisdiction_id=independence.jurisdiction_id))
    assert (read_back["status"], read_back["status_notes"]) == ("closed", "Sofa and tyres collected on Thursday.")
    xml = body(get(client, f"requests/{reference}", "xml", jurisdiction_id=independence.jurisdiction_id))
    assert xml.findtext("request/status") == "closed"
    assert xml.findtext("request/status_notes") == "Sofa and tyres collected on Thursday."
    # The POST answered with the id alone (no token: the id is known at once); the
    # extensions show the public notes only.
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    [extended] = body(
        get(client, f"requests/{reference}", "json", extensions="true", jurisdiction_id=independence.jurisdiction_id)
    )
    notes = [n["description"] for n in extended["extended_attributes"]["notes"]]
    assert notes == ["A crew is booked for Thursday.", "Sofa and tyres collected on Thursday."]
    assert extended["extended_attributes"]["channel"] == "open311"
    case.refresh_from_db()
    assert case.status == Status.CLOSED
