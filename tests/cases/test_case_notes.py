"""case_add_note: public notes reach the resident; internal notes stay with the city's staff."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from civicdesk.cases import selectors, services
from civicdesk.cases.models import EventKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(report, outbox):
    """A fresh report whose acknowledgement has already gone out."""

    def make(**kw):
        case = report(**kw)
        outbox()
        mail.outbox.clear()
        return case

    return make


def test_a_public_note_shows_on_the_tracking_page_and_is_emailed_to_the_reporter(reported, worker, outbox, client):
    case = reported()
    services.case_add_note(case=case, actor=worker, text="Crew scheduled for Tuesday", public=True)
    page = client.get(f"/track/{case.tracking_token}/").content.decode()
    assert "Crew scheduled for Tuesday" in page
    sent = outbox()
    assert [m.to for m in sent] == [["resident@example.org"]]
    assert "Crew scheduled for Tuesday" in sent[0].body


def test_a_reporter_who_did_not_ask_for_updates_is_not_emailed_a_public_note(reported, worker, outbox, client):
    case = reported(notify_reporter=False)
    services.case_add_note(case=case, actor=worker, text="Crew scheduled for Tuesday", public=True)
    assert outbox() == []
    assert "Crew scheduled for Tuesday" in client.get(f"/track/{case.tracking_token}/").content.decode()


def test_an_internal_note_stays_off_the_tracking_page_and_out_of_every_resident_email(
    reported, worker, supervisor, outbox, client
):
    case = reported()
    secret = "Owner is a repeat offender, cite them"
    services.case_add_note(case=case, actor=worker, text=secret, public=False)
    assert outbox() == []
    assert secret not in client.get(f"/track/{case.tracking_token}/").content.decode()
    assert secret not in [e.text for e in selectors.public_timeline(case)]
    # Nor does it leak into later messages: a public note and the closing.
    services.case_add_note(case=case, actor=worker, text="Crew booked", public=True)
    services.case_close(case=case, actor=supervisor, note="Cleared")
    resident_mail = [m for m in outbox() if m.to == ["resident@example.org"]]
    assert len(resident_mail) == 2
    for message in resident_mail:
        assert secret not in message.body
        assert all(secret not in alt for alt, _ in message.alternatives)


def test_an_internal_note_is_in_the_console_timeline(reported, worker, client):
    case = reported()
    services.case_add_note(case=case, actor=worker, text="Owner is a repeat offender", public=False)
    timeline = selectors.case_timeline(user=worker, case=case)
    assert [(e.kind, e.text) for e in timeline if e.kind == EventKind.INTERNAL_NOTE] == [
        (EventKind.INTERNAL_NOTE, "Owner is a repeat offender")
    ]
    client.force_login(worker)
    page = client.get(f"/console/cases/{case.city.slug}/{case.number}/").content.decode()
    assert "Owner is a repeat offender" in page


@pytest.mark.parametrize("text", ["", "   ", "\x00", None])
def test_an_empty_note_is_refused(reported, worker, text):
    case = reported()
    with pytest.raises(ValidationError, match="cannot be empty"):
        services.case_add_note(case=case, actor=worker, text=text, public=True)
    assert not case.events.filter(kind__in=[EventKind.PUBLIC_NOTE, EventKind.INTERNAL_NOTE]).exists()


def test_a_note_is_returned_as_its_event_and_touches_the_case(reported, worker):
    case = reported()
    before = case.updated_at
    event = services.case_add_note(case=case, actor=worker, text="Looked at it", public=False)
    assert (event.kind, event.actor, event.is_public) == (EventKind.INTERNAL_NOTE, worker, False)
    case.refresh_from_db()
    assert case.updated_at >= before


def test_line_breaks_are_stored_and_counted_as_a_browser_counts_them_whichever_way_the_text_came(reported, worker):
    # A browser's box takes MAX_DESCRIPTION characters counting a line break as one, and sends
    # each as CR LF: the resident's report (portal, Open311) and staff notes alike are kept.
    typed = ("x" * 99 + "\r\n") * (services.MAX_DESCRIPTION // 100)
    case = reported(description=typed)
    note = services.case_add_note(case=case, actor=worker, text=typed, public=False)
    case.refresh_from_db()
    assert "\r" not in case.description and len(case.description) == services.MAX_DESCRIPTION - 1
    assert "\r" not in note.text and len(note.text) == services.MAX_DESCRIPTION - 1
