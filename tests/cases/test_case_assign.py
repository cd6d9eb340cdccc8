"""case_assign: giving a case to a person or to a department."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import EventKind, Status
from civicdesk.core.errors import InvalidTransition
from tests.cases.helpers import events_of, fresh

pytestmark = pytest.mark.django_db


def test_assigning_to_a_person_moves_a_new_case_to_assigned_in_their_department(
    report, supervisor, independence, make_department, make_staff
):
    parks = make_department(independence, "Parks")
    gardener = make_staff(independence, Role.WORKER, department=parks)
    case = services.case_assign(case=report(), actor=supervisor, assignee=gardener)
    case = fresh(case)
    assert case.assignee == gardener
    assert case.department == parks
    assert case.status == Status.ASSIGNED


def test_a_person_without_a_department_keeps_the_cases_department(report, supervisor, trash, independence, make_staff):
    floater = make_staff(independence, Role.WORKER, department=None)
    case = fresh(services.case_assign(case=report(), actor=supervisor, assignee=floater))
    assert (case.assignee, case.department) == (floater, trash.department)


def test_assigning_to_a_department_only_leaves_it_unassigned_and_emails_the_department(
    report, supervisor, independence, make_department, outbox
):
    streets = make_department(independence, "Streets", email="streets@independence.test")
    case = report()
    outbox()
    mail.outbox.clear()
    case = fresh(services.case_assign(case=case, actor=supervisor, department=streets))
    assert (case.assignee, case.department, case.status) == (None, streets, Status.NEW)
    sent = outbox()
    assert [m.to for m in sent] == [["streets@independence.test"]]
    assert case.reference in sent[0].subject


def test_moving_a_case_from_a_person_to_a_department_puts_it_back_in_the_queue(
    report, supervisor, worker, independence, make_department
):
    case = services.case_assign(case=report(), actor=supervisor, assignee=worker)
    streets = make_department(independence, "Streets")
    case = fresh(services.case_assign(case=case, actor=supervisor, department=streets))
    assert (case.assignee, case.department, case.status) == (None, streets, Status.NEW)


def test_the_assignee_is_emailed_a_console_link_that_opens_the_case(report, supervisor, worker, outbox, client):
    case = report()
    outbox()
    mail.outbox.clear()
    services.case_assign(case=case, actor=supervisor, assignee=worker, note="Bring the big truck")
    sent = outbox()
    assert [m.to for m in sent] == [[worker.email]]
    body = sent[0].body
    assert "Bring the big truck" in body
    link = re.search(r"http://testserver(/console/\S+)", body).group(1)
    client.force_login(worker)
    page = client.get(link)
    assert page.status_code == 200
    assert case.reference in page.content.decode()


def test_a_worker_may_take_a_case_themselves(report, worker):
    case = fresh(services.case_assign(case=report(), actor=worker, assignee=worker))
    assert case.assignee == worker and case.status == Status.ASSIGNED


def test_a_worker_may_not_give_a_case_to_someone_else(report, worker, independence, make_staff):
    colleague = make_staff(independence, Role.WORKER, department=worker.department)
    case = report()
    with pytest.raises(PermissionDenied, match="supervisor"):
        services.case_assign(case=case, actor=worker, assignee=colleague)
    with pytest.raises(PermissionDenied):
        services.case_assign(case=case, actor=worker, department=worker.department)
    assert fresh(case).assignee is None


def test_a_call_taker_may_route_a_case(report, independence, make_staff, worker):
    call_taker = make_staff(independence, Role.CALL_TAKER)
    assert fresh(services.case_assign(case=report(), actor=call_taker, assignee=worker)).assignee == worker


def test_staff_of_another_city_cannot_be_the_assignee(report, supervisor, raytown, make_staff):
    outsider = make_staff(raytown, Role.WORKER)
    case = report()
    with pytest.raises(ValidationError) as err:
        services.case_assign(case=case, actor=supervisor, assignee=outsider)
    assert "Independence" in err.value.message_dict["assignee"][0]
    assert fresh(case).assignee is None


def test_an_inactive_or_regional_account_cannot_be_the_assignee(report, supervisor, independence, make_staff):
    gone = make_staff(independence, Role.WORKER, is_active=False)
    regional = make_staff(None, Role.REGIONAL_ADMIN)
    case = report()
    for who in (gone, regional):
        with pytest.raises(ValidationError):
            services.case_assign(case=case, actor=supervisor, assignee=who)


def test_a_department_of_another_city_is_refused(report, supervisor, raytown, make_department):
    with pytest.raises(ValidationError, match="not a department of Independence"):
        services.case_assign(case=report(), actor=supervisor, department=make_department(raytown))


def test_an_inactive_department_is_refused(report, supervisor, independence, make_department):
    with pytest.raises(ValidationError, match="no longer"):
        services.case_assign(case=report(), actor=supervisor, department=make_department(independence, active=False))


def test_nobody_and_no_department_is_refused(report, supervisor):
    with pytest.raises(ValidationError, match="person or a department"):
        services.case_assign(case=report(), actor=supervisor)


def test_a_closed_case_cannot_be_assigned(report, supervisor, worker):
    case = services.case_close(case=report(), actor=supervisor, note="Picked up")
    with pytest.raises(InvalidTransition, match="closed; reopen it first"):
        services.case_assign(case=case, actor=supervisor, assignee=worker)


def test_an_in_progress_case_keeps_its_status_when_handed_to_a_colleague(
    report, supervisor, worker, independence, make_staff
):
    case = services.case_assign(case=report(), actor=supervisor, assignee=worker)
    case = services.case_change_status(case=case, actor=worker, status=Status.IN_PROGRESS)
    colleague = make_staff(independence, Role.WORKER, department=worker.department)
    case = fresh(services.case_assign(case=case, actor=supervisor, assignee=colleague))
    assert (case.assignee, case.status) == (colleague, Status.IN_PROGRESS)


def test_assigning_to_the_current_assignee_changes_nothing(report, supervisor, worker, outbox):
    case = services.case_assign(case=report(), actor=supervisor, assignee=worker)
    outbox()
    mail.outbox.clear()
    services.case_assign(case=case, actor=supervisor, assignee=worker)
    assert [e.kind for e in events_of(case)].count(EventKind.ASSIGNED) == 1
    assert outbox() == []


def test_the_assignment_note_is_recorded_and_sent_cleaned(report, supervisor, worker, outbox):
    case = report()
    outbox()
    mail.outbox.clear()
    services.case_assign(case=case, actor=supervisor, assignee=worker, note="  Big\x00 truck  ")
    assert events_of(case)[-1].text == "Big truck"
    assert "Note:\n\n    Big truck\n" in outbox()[0].body
