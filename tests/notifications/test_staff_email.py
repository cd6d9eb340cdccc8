"""The staff email of a case: its subject says whose it is (a person's, or a department's
shared mailbox), and its HTML part says what its text part says."""

from __future__ import annotations

import re
from html import unescape

import pytest

from civicdesk.cases import services

pytestmark = pytest.mark.django_db


def subject(m) -> str:
    return str(m.message["Subject"]).strip()


def html_words(m) -> str:
    html = m.message.get_body(preferencelist=("html",)).get_content()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_a_departments_mailbox_is_told_the_case_is_the_departments(
    report, supervisor, worker, independence, make_department, smtp_inbox
):
    case = report()
    [to_department] = [m for m in smtp_inbox() if m.to == "neighborhood@independence.test"]
    assert subject(to_department) == f"[{case.reference}] New case for CD-NEIGHBORHOOD SERVICES: Trash/Rubbish"
    assert "is waiting for CD-NEIGHBORHOOD SERVICES" in to_department.text()

    parks = make_department(independence, "Parks", email="parks@independence.test")
    services.case_assign(case=case, actor=supervisor, department=parks)
    [to_parks] = smtp_inbox()
    assert subject(to_parks) == f"[{case.reference}] New case for Parks: Trash/Rubbish"

    services.case_assign(case=case, actor=supervisor, assignee=worker)
    [to_worker] = smtp_inbox()
    assert (to_worker.to, subject(to_worker)) == (
        worker.email,
        f"[{case.reference}] Case assigned to you: Trash/Rubbish",
    )


def test_the_html_part_says_what_the_text_part_says(report, supervisor, worker, smtp_inbox):
    case = report(description="Sofa on the curb\nand a mattress")
    smtp_inbox()
    services.case_assign(case=case, actor=supervisor, assignee=worker, note="Bring the big truck")
    [email] = smtp_inbox()
    text, html = " ".join(email.text().split()), html_words(email)
    case.refresh_from_db()
    reported = text.split("Reported: ", 1)[1].split(" Due:", 1)[0]
    assert reported.endswith(" by Web")
    assert f"Reported {reported}" in html
    assert "Where (map point only)" in html and "Due " in html
    coordinates = f"({case.lat:.6f}, {case.lng:.6f})"
    assert coordinates in text and coordinates in html
    assert "by Web" in text and "by Web" in html
    for words in ("Sofa on the curb", "and a mattress", "Bring the big truck"):
        assert words in text and words in html
