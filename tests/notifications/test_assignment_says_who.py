"""The email that gives a case to a person or a department says who gave it: "Tom Kessler
assigned case IND-1042 to Marcus Ortega.", so that the note under it ("Please look at it
today") is someone's, and the worker knows whom to ask. A case sent on by a change of its
type says who sent it too. A case nobody handed out (a new report) still "is waiting for"
its department."""

from __future__ import annotations

import re
from html import unescape

import pytest

from civicdesk.cases import services

pytestmark = pytest.mark.django_db


def html_words(m) -> str:
    html = m.message.get_body(preferencelist=("html",)).get_content()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def text_words(m) -> str:
    return " ".join(m.text().split())


def test_the_assignee_reads_who_assigned_the_case_and_whose_note_it_is(report, supervisor, worker, smtp_inbox):
    case = report()
    smtp_inbox()
    services.case_assign(case=case, actor=supervisor, assignee=worker, note="Please look at it today")
    [email] = smtp_inbox()
    said = f"{supervisor.display_name()} assigned case {case.reference} to {worker.display_name()}."
    assert said in text_words(email)
    assert said in html_words(email)
    assert "Note: Please look at it today" in html_words(email)


def test_a_departments_mailbox_reads_who_sent_the_case_there(
    report, supervisor, independence, make_department, smtp_inbox
):
    case = report()
    smtp_inbox()
    parks = make_department(independence, "Parks", email="parks@independence.test")
    services.case_assign(case=case, actor=supervisor, department=parks)
    [email] = smtp_inbox()
    said = f"{supervisor.display_name()} sent case {case.reference} to Parks."
    assert said in text_words(email) and said in html_words(email)
    assert "is waiting for" not in text_words(email)


def test_a_new_case_nobody_handed_out_is_still_waiting_for_its_department(report, smtp_inbox):
    case = report()
    [to_department] = [m for m in smtp_inbox() if m.to == "neighborhood@independence.test"]
    assert f"Case {case.reference} is waiting for CD-NEIGHBORHOOD SERVICES." in text_words(to_department)
