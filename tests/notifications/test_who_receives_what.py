"""Which emails a change to a case writes to the outbox, and to whom."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from civicdesk.cases import services
from civicdesk.notifications.models import OutboxMessage
from civicdesk.notifications.outbox import outbox_enqueue, suppressed

pytestmark = pytest.mark.django_db


def test_a_new_report_acknowledges_the_resident_and_tells_the_department(report, written, trash):
    case = report(reporter_email="resident@example.org")
    assert written() == [("case_created", "resident@example.org"), ("case_assigned", trash.department.email)]
    ack = OutboxMessage.objects.get(kind="case_created")
    assert ack.subject.startswith(f"[{case.reference}] ")
    assert f"http://testserver/track/{case.tracking_token}/" in ack.body_text
    assert "/console/" not in ack.body_text
    staff = OutboxMessage.objects.get(kind="case_assigned")
    assert f"http://testserver/console/cases/independence/{case.number}/" in staff.body_text
    assert ack.reply_to == case.city.email


def test_a_report_without_an_email_only_tells_the_department(report, written, trash):
    report(reporter_email="")
    assert written() == [("case_assigned", trash.department.email)]


def test_assigning_to_a_person_tells_that_person_not_the_department(report, written, last_id, supervisor, worker):
    case = report()
    before = last_id()
    services.case_assign(case=case, actor=supervisor, assignee=worker, note="Please look today")
    assert written(after=before) == [("case_assigned", "will@independence.test")]
    assert "Please look today" in OutboxMessage.objects.get(pk__gt=before).body_text


def test_assigning_to_a_department_only_tells_its_shared_address(
    report, written, last_id, supervisor, independence, make_department
):
    case = report()
    parks = make_department(independence, "Parks", email="parks@independence.test")
    before = last_id()
    services.case_assign(case=case, actor=supervisor, department=parks)
    assert written(after=before) == [("case_assigned", "parks@independence.test")]


def test_a_public_note_reaches_a_reporter_who_asked_for_updates(report, written, last_id, worker):
    case = report(notify_reporter=True)
    before = last_id()
    services.case_add_note(case=case, actor=worker, text="Crew booked for Tuesday", public=True)
    assert written(after=before) == [("case_updated", "resident@example.org")]
    assert "Crew booked for Tuesday" in OutboxMessage.objects.get(pk__gt=before).body_text


def test_a_public_note_does_not_email_a_reporter_who_only_wants_the_closing(report, written, last_id, worker):
    case = report(notify_reporter=False)
    before = last_id()
    services.case_add_note(case=case, actor=worker, text="Crew booked for Tuesday", public=True)
    assert written(after=before) == []


def test_an_internal_note_never_emails_the_resident(report, written, last_id, worker):
    case = report(notify_reporter=True)
    before = last_id()
    services.case_add_note(case=case, actor=worker, text="Owner is a repeat offender", public=False)
    assert written(after=before) == []
    assert not OutboxMessage.objects.filter(body_text__contains="repeat offender").exists()


def test_an_internal_note_handed_to_the_notifier_by_mistake_is_still_not_sent(report, written, last_id, worker):
    from civicdesk.cases.models import CaseEvent
    from civicdesk.notifications import messages

    case = report(notify_reporter=True)
    before = last_id()
    internal = CaseEvent.objects.create(
        case=case, at=case.opened_at, kind="internal_note", text="secret", is_public=False
    )
    messages.case_public_note(case, internal)
    assert written(after=before) == []


def test_closing_a_case_emails_the_resident_the_assignee_and_the_department(
    report, written, last_id, supervisor, worker, trash
):
    case = report()
    services.case_assign(case=case, actor=supervisor, assignee=worker)
    before = last_id()
    services.case_close(case=case, actor=worker, note="Sofa collected")
    assert written(after=before) == [
        ("case_closed", "resident@example.org"),
        ("case_closed", "will@independence.test"),
        ("case_closed", trash.department.email),
    ]
    for message in OutboxMessage.objects.filter(pk__gt=before):
        assert "Sofa collected" in message.body_text
    resident = OutboxMessage.objects.get(pk__gt=before, recipient="resident@example.org")
    assert case.tracking_token in resident.body_text and "/console/" not in resident.body_text


def test_closing_sends_one_email_per_address_even_when_people_share_one(
    report, written, last_id, supervisor, worker, trash
):
    worker.email = trash.department.email.upper()
    worker.save()
    case = report(reporter_email=trash.department.email)
    services.case_assign(case=case, actor=supervisor, assignee=worker)
    before = last_id()
    services.case_close(case=case, actor=worker, note="Done")
    # The reporter's address is also the department's and (spelled in capitals) the
    # worker's: one email, the resident's version.
    assert written(after=before) == [("case_closed", trash.department.email)]
    assert "Your report" in OutboxMessage.objects.get(pk__gt=before).subject


def test_nothing_is_written_while_notifications_are_suppressed(report, written):
    with suppressed():
        report()
        assert outbox_enqueue(kind="test", recipient="someone@example.org", subject="s", body_text="b") is None
    assert written() == []
    # And it is switched back on after the block.
    report()
    assert len(written()) == 2


@override_settings(TIME_ZONE="UTC")
def test_dates_in_emails_are_in_the_citys_time_zone(report):
    # 03:30 UTC on Jan 15 is 9:30 p.m. on Jan 14 in the member cities (Central time); the
    # server's own time zone is UTC here, so only the city's zone can produce that.
    opened = dt.datetime(2025, 1, 15, 3, 30, tzinfo=dt.UTC)
    report(opened_at=opened)
    staff = OutboxMessage.objects.get(kind="case_assigned")
    assert "Reported: Jan. 14, 2025, 9:30 p.m." in staff.body_text
    # Due five days later, also in local time: Jan 19 in the city, though Jan 20 in UTC.
    ack = OutboxMessage.objects.get(kind="case_created")
    assert "Sunday, January 19, 2025" in ack.body_text


def test_a_line_break_in_a_subject_cannot_make_a_message_unsendable(db):
    message = outbox_enqueue(kind="test", recipient="a@example.org", subject="Broken\r\nname", body_text="b")
    assert message is not None
    assert message.subject == "Broken name"
