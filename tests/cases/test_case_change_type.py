"""case_change_type: correcting the problem type routes the case again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from civicdesk.cases import services
from civicdesk.cases.models import EventKind, Status
from civicdesk.core.errors import InvalidTransition
from tests.cases.helpers import events_of, fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def pothole(independence, make_service_type, make_department):
    streets = make_department(independence, "Streets", email="streets@independence.test")
    return make_service_type(independence, "pothole", name="Pothole", department=streets, target_days=10)


def test_a_new_type_reroutes_to_its_department_and_clears_the_assignee(report, supervisor, worker, pothole, outbox):
    case = services.case_assign(case=report(), actor=supervisor, assignee=worker)
    outbox()
    mail.outbox.clear()
    case = fresh(services.case_change_type(case=case, actor=supervisor, service_type=pothole))
    assert case.service_type == pothole
    assert case.department == pothole.department
    assert case.assignee is None
    assert case.status == Status.NEW
    # The new department hears of its new case.
    assert [m.to for m in outbox()] == [["streets@independence.test"]]


def test_the_due_date_is_recomputed_from_the_opening(report, supervisor, pothole):
    case = report()
    case = fresh(services.case_change_type(case=case, actor=supervisor, service_type=pothole))
    assert case.due_at == case.opened_at + dt.timedelta(days=10)


def test_a_type_of_the_same_department_keeps_the_assignee(
    report, supervisor, worker, trash, independence, make_service_type
):
    bulky = make_service_type(independence, "bulky", department=trash.department, target_days=2)
    case = services.case_assign(case=report(), actor=supervisor, assignee=worker)
    case = fresh(services.case_change_type(case=case, actor=worker, service_type=bulky))
    assert (case.assignee, case.department, case.status) == (worker, trash.department, Status.ASSIGNED)


def test_another_citys_type_is_refused(report, supervisor, raytown, make_service_type):
    raytown_trash = make_service_type(raytown, "pothole", name="Raytown pothole")
    case = report()
    with pytest.raises(ValidationError, match="not a type of Independence"):
        services.case_change_type(case=case, actor=supervisor, service_type=raytown_trash)
    assert fresh(case).service_type_id == case.service_type_id


def test_an_inactive_type_is_refused(report, supervisor, pothole):
    pothole.active = False
    pothole.save()
    with pytest.raises(ValidationError, match="no longer offered"):
        services.case_change_type(case=report(), actor=supervisor, service_type=pothole)


def test_a_closed_case_keeps_its_type(report, supervisor, pothole):
    case = services.case_close(case=report(), actor=supervisor, note="Done")
    with pytest.raises(InvalidTransition, match="reopen it first"):
        services.case_change_type(case=case, actor=supervisor, service_type=pothole)


def test_the_audit_event_records_before_and_after(report, supervisor, worker, trash, pothole):
    case = services.case_assign(case=report(), actor=supervisor, assignee=worker)
    services.case_change_type(case=case, actor=supervisor, service_type=pothole)
    event = events_of(case)[-1]
    assert (event.kind, event.actor) == (EventKind.TYPE_CHANGED, supervisor)
    assert event.changes["service_type"] == ["Trash/Rubbish", "Pothole"]
    assert event.changes["department"] == ["CD-NEIGHBORHOOD SERVICES", "Streets"]
    assert event.changes["assignee"] == [str(worker), None]
    assert event.changes["status"] == [Status.ASSIGNED, Status.NEW]


def test_the_same_type_changes_nothing(report, supervisor, trash):
    case = report()
    services.case_change_type(case=case, actor=supervisor, service_type=trash)
    assert [e.kind for e in events_of(case)] == [EventKind.CREATED]
