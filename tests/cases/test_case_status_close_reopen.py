"""case_change_status, case_close and case_reopen: the life of a case and its refusals."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from civicdesk.cases import services
from civicdesk.cases.models import EventKind, Resolution, Status
from civicdesk.core.errors import InvalidTransition
from tests.cases.helpers import events_of, fresh
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(report, supervisor, worker, outbox):
    """A report assigned to the worker, its emails already delivered."""
    case = services.case_assign(case=report(reporter_name="Rita Resident"), actor=supervisor, assignee=worker)
    outbox()
    mail.outbox.clear()
    return case


def test_a_worker_moves_an_assigned_case_to_in_progress(assigned, worker):
    case = fresh(services.case_change_status(case=assigned, actor=worker, status=Status.IN_PROGRESS))
    assert case.status == Status.IN_PROGRESS
    assert events_of(case)[-1].changes == {"status": [Status.ASSIGNED, Status.IN_PROGRESS]}


def test_setting_the_current_status_again_changes_nothing(assigned, worker):
    services.case_change_status(case=assigned, actor=worker, status=Status.ASSIGNED)
    assert events_of(assigned)[-1].kind == EventKind.ASSIGNED


def test_assigned_without_an_assignee_is_refused(report, supervisor):
    with pytest.raises(InvalidTransition, match="Assign the case to someone"):
        services.case_change_status(case=report(), actor=supervisor, status=Status.ASSIGNED)


def test_closed_cannot_be_set_as_a_status(assigned, worker):
    with pytest.raises(InvalidTransition, match="Use Close, with a closing note"):
        services.case_change_status(case=assigned, actor=worker, status=Status.CLOSED)


def test_an_unknown_status_is_refused(assigned, worker):
    with pytest.raises(ValidationError, match="Unknown status waiting"):
        services.case_change_status(case=assigned, actor=worker, status="waiting")


def test_a_closed_case_cannot_change_status(assigned, worker):
    services.case_close(case=assigned, actor=worker, note="Done")
    with pytest.raises(InvalidTransition, match=r"IND-1001 is closed; reopen it first\."):
        services.case_change_status(case=assigned, actor=worker, status=Status.IN_PROGRESS)


def test_closing_records_the_note_resolution_and_time(assigned, worker):
    case = fresh(services.case_close(case=assigned, actor=worker, note="Sofa removed", resolution=Resolution.RESOLVED))
    assert (case.status, case.resolution, case.closing_note) == (Status.CLOSED, Resolution.RESOLVED, "Sofa removed")
    assert case.closed_at is not None and not case.is_open


def test_closing_a_closed_case_is_refused(assigned, worker):
    services.case_close(case=assigned, actor=worker, note="Done")
    with pytest.raises(InvalidTransition, match=r"IND-1001 is already closed\."):
        services.case_close(case=assigned, actor=worker, note="Done again")


@pytest.mark.parametrize("note", ["", "   \n", None])
def test_closing_needs_a_note(assigned, worker, note):
    with pytest.raises(ValidationError, match="cannot be empty"):
        services.case_close(case=assigned, actor=worker, note=note)
    assert fresh(assigned).status == Status.ASSIGNED


def test_an_unknown_resolution_is_refused(assigned, worker):
    with pytest.raises(ValidationError, match="Unknown resolution"):
        services.case_close(case=assigned, actor=worker, note="x", resolution="vanished")


def test_a_duplicate_names_the_case_it_duplicates(report, assigned, worker):
    original = report()
    with pytest.raises(ValidationError, match="which case this one duplicates"):
        services.case_close(case=assigned, actor=worker, note="Dup", resolution=Resolution.DUPLICATE)
    case = fresh(
        services.case_close(
            case=assigned, actor=worker, note="Dup", resolution=Resolution.DUPLICATE, duplicate_of=original
        )
    )
    assert case.duplicate_of == original and case.resolution == Resolution.DUPLICATE


def test_a_case_is_not_a_duplicate_of_itself(assigned, worker):
    with pytest.raises(ValidationError, match="another case of the same city"):
        services.case_close(
            case=assigned, actor=worker, note="Dup", resolution=Resolution.DUPLICATE, duplicate_of=assigned
        )


def test_a_duplicate_of_another_citys_case_is_refused(assigned, worker, raytown, make_service_type):
    lat, lng = INSIDE["raytown"]
    theirs = services.case_create(service_type=make_service_type(raytown), lat=lat, lng=lng)
    with pytest.raises(ValidationError, match="another case of the same city"):
        services.case_close(
            case=assigned, actor=worker, note="Dup", resolution=Resolution.DUPLICATE, duplicate_of=theirs
        )
    assert fresh(assigned).status == Status.ASSIGNED


def test_closing_emails_the_resident_the_assignee_and_the_department_once_each_with_the_note(assigned, worker, outbox):
    services.case_close(case=assigned, actor=worker, note="Sofa removed by the crew")
    sent = outbox()
    assert sorted(m.to[0] for m in sent) == sorted(
        ["resident@example.org", worker.email, "neighborhood@independence.test"]
    )
    for message in sent:
        assert "Sofa removed by the crew" in message.body
        assert "IND-1001" in message.subject
    to_resident = next(m for m in sent if m.to == ["resident@example.org"])
    assert "Dear Rita Resident" in to_resident.body
    assert "/track/" in to_resident.body and "/console/" not in to_resident.body


def test_closing_emails_a_resident_who_is_also_the_department_address_once(report, supervisor, outbox):
    case = report(reporter_email="neighborhood@independence.test")
    outbox()
    mail.outbox.clear()
    services.case_close(case=case, actor=supervisor, note="Done")
    assert [m.to for m in outbox()] == [["neighborhood@independence.test"]]


def test_closing_emails_a_resident_who_asked_for_no_updates(report, supervisor, outbox):
    case = report(notify_reporter=False)
    outbox()
    mail.outbox.clear()
    services.case_close(case=case, actor=supervisor, note="Done")
    assert "resident@example.org" in [m.to[0] for m in outbox()]


def test_reopening_restores_the_status_the_case_had(assigned, worker, supervisor):
    services.case_change_status(case=assigned, actor=worker, status=Status.IN_PROGRESS)
    services.case_close(case=assigned, actor=worker, note="Done", resolution=Resolution.NO_ACTION)
    case = fresh(services.case_reopen(case=assigned, actor=supervisor, reason="Sofa is back"))
    assert case.status == Status.IN_PROGRESS
    assert (case.resolution, case.closed_at, case.closing_note, case.assignee) == ("", None, "", worker)
    event = events_of(case)[-1]
    assert event.kind == EventKind.REOPENED and event.text == "Sofa is back"
    assert event.changes["status"] == [Status.CLOSED, Status.IN_PROGRESS]


def test_reopening_an_unassigned_case_puts_it_back_in_the_queue(report, supervisor):
    case = services.case_close(case=report(), actor=supervisor, note="Done")
    assert fresh(services.case_reopen(case=case, actor=supervisor, reason="Back")).status == Status.NEW


def test_reopening_tells_the_assignee_and_the_reporter(assigned, worker, supervisor, outbox):
    services.case_close(case=assigned, actor=worker, note="Done")
    outbox()
    mail.outbox.clear()
    services.case_reopen(case=assigned, actor=supervisor, reason="Sofa is back")
    sent = outbox()
    assert [m.to for m in sent] == [[worker.email], [assigned.reporter_email]]
    assert all("Sofa is back" in m.body for m in sent)


def test_reopening_an_open_case_is_refused(assigned, supervisor):
    with pytest.raises(InvalidTransition, match=r"IND-1001 is not closed\."):
        services.case_reopen(case=assigned, actor=supervisor, reason="Why not")


def test_reopening_needs_a_reason(assigned, worker, supervisor):
    services.case_close(case=assigned, actor=worker, note="Done")
    with pytest.raises(ValidationError, match="cannot be empty"):
        services.case_reopen(case=assigned, actor=supervisor, reason=" ")
    assert fresh(assigned).status == Status.CLOSED


def test_a_call_taker_may_not_close_or_change_status(assigned, independence, make_staff):
    from django.core.exceptions import PermissionDenied

    from civicdesk.accounts.models import Role

    call_taker = make_staff(independence, Role.CALL_TAKER)
    with pytest.raises(PermissionDenied):
        services.case_close(case=assigned, actor=call_taker, note="Done")
    with pytest.raises(PermissionDenied):
        services.case_change_status(case=assigned, actor=call_taker, status=Status.IN_PROGRESS)


def test_closing_emails_an_assignee_who_reads_the_department_address_once(
    report, supervisor, independence, trash, make_staff, outbox
):
    shared = make_staff(independence, "worker", department=trash.department, email="neighborhood@independence.test")
    case = services.case_assign(case=report(reporter_email=""), actor=supervisor, assignee=shared)
    outbox()
    mail.outbox.clear()
    services.case_close(case=case, actor=supervisor, note="Done")
    assert [m.to for m in outbox()] == [["neighborhood@independence.test"]]
