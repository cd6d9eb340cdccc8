"""The audit log: every service writes exactly one event saying who did what, and when;
no event is ever changed or removed."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from civicdesk.cases import services
from civicdesk.cases.models import CaseEvent, EventKind, Resolution, Status
from civicdesk.core import clock
from civicdesk.core.models import AppendOnlyError
from tests.cases import images
from tests.cases.helpers import events_of

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 4, 1, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def pothole(independence, make_service_type, make_department):
    return make_service_type(
        independence, "pothole", name="Pothole", department=make_department(independence, "Streets")
    )


ACTIONS = {
    "assign": (
        EventKind.ASSIGNED,
        lambda c, who, ctx: services.case_assign(case=c, actor=who, assignee=ctx["worker"]),
        {"assignee": [None, "Will Worker"], "department": ["CD-NEIGHBORHOOD SERVICES", "CD-NEIGHBORHOOD SERVICES"]},
    ),
    "public note": (
        EventKind.PUBLIC_NOTE,
        lambda c, who, ctx: services.case_add_note(case=c, actor=who, text="On it", public=True),
        {},
    ),
    "internal note": (
        EventKind.INTERNAL_NOTE,
        lambda c, who, ctx: services.case_add_note(case=c, actor=who, text="Hmm", public=False),
        {},
    ),
    "photo": (
        EventKind.PHOTO_ADDED,
        lambda c, who, ctx: services.case_add_photo(case=c, actor=who, upload=io.BytesIO(images.webp())),
        None,  # the photo's id, checked below
    ),
    "change type": (
        EventKind.TYPE_CHANGED,
        lambda c, who, ctx: services.case_change_type(case=c, actor=who, service_type=ctx["pothole"]),
        None,
    ),
    "change status": (
        EventKind.STATUS_CHANGED,
        lambda c, who, ctx: services.case_change_status(case=c, actor=who, status=Status.IN_PROGRESS),
        {"status": [Status.NEW, Status.IN_PROGRESS]},
    ),
    "close": (
        EventKind.CLOSED,
        lambda c, who, ctx: services.case_close(case=c, actor=who, note="Done"),
        {"status": [Status.NEW, Status.CLOSED], "resolution": [None, Resolution.RESOLVED]},
    ),
}


def test_creating_a_case_writes_one_public_event_naming_the_routing(report):
    with clock.frozen_at(MOMENT):
        case = report()
    [event] = events_of(case)
    assert (event.kind, event.at, event.actor, event.who, event.is_public) == (
        EventKind.CREATED,
        MOMENT,
        None,
        "Resident",
        True,
    )
    assert event.changes["service_type"] == [None, "Trash/Rubbish"]
    assert event.changes["department"] == [None, "CD-NEIGHBORHOOD SERVICES"]
    assert event.changes["district"][1] == case.district.name


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_service_writes_exactly_one_event_with_who_when_and_what(action, report, supervisor, worker, pothole):
    kind, act, expected_changes = ACTIONS[action]
    with clock.frozen_at(MOMENT - dt.timedelta(days=1)):
        case = report()
    before = CaseEvent.objects.count()
    with clock.frozen_at(MOMENT):
        act(case, supervisor, {"worker": worker, "pothole": pothole})
    assert CaseEvent.objects.count() == before + 1
    event = events_of(case)[-1]
    assert (event.kind, event.actor, event.at, event.who) == (kind, supervisor, MOMENT, "Sue Pervisor")
    if expected_changes is not None:
        assert event.changes == expected_changes
    case.refresh_from_db()
    assert case.updated_at == MOMENT


def test_reopening_writes_one_event(report, supervisor):
    with clock.frozen_at(MOMENT - dt.timedelta(days=1)):
        case = services.case_close(case=report(), actor=supervisor, note="Done")
    with clock.frozen_at(MOMENT):
        services.case_reopen(case=case, actor=supervisor, reason="Back again")
    event = events_of(case)[-1]
    assert (event.kind, event.actor, event.at, event.text) == (EventKind.REOPENED, supervisor, MOMENT, "Back again")
    assert event.changes == {"status": [Status.CLOSED, Status.NEW], "resolution": [Resolution.RESOLVED, None]}
    assert len(events_of(case)) == 3


def test_a_refused_action_writes_no_event(report, supervisor):
    case = report()
    with pytest.raises(Exception):
        services.case_close(case=case, actor=supervisor, note="")
    assert [e.kind for e in events_of(case)] == [EventKind.CREATED]


def test_an_event_cannot_be_changed(report):
    event = events_of(report())[0]
    event.text = "rewritten history"
    with pytest.raises(AppendOnlyError, match="append-only"):
        event.save()


def test_an_event_cannot_be_deleted(report):
    event = events_of(report())[0]
    with pytest.raises(AppendOnlyError, match="append-only"):
        event.delete()
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_events_cannot_be_changed_or_deleted_in_bulk(report):
    case = report()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(case=case).update(text="rewritten")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        case.events.update(is_public=False)
    with pytest.raises(AppendOnlyError):
        case.events.all().delete()
    [event] = events_of(case)
    assert event.text == case.description and event.is_public


def test_a_case_with_history_cannot_be_deleted(report):
    from django.db.models import ProtectedError

    case = report()
    with pytest.raises(ProtectedError):
        case.delete()
