"""Reopening a closed case tells the residents who were told of its closing: the reporter
who asked for updates and the followers, with the reason, in their language; a confidential
case's reporter gets the notice without content. Read from a real SMTP server on loopback."""

from __future__ import annotations

import pytest

from civicdesk.cases import services
from civicdesk.notifications.services import case_follow

pytestmark = pytest.mark.django_db


def by_recipient(received):
    return {m.to: m for m in received}


def subject(received) -> str:
    # A long encoded subject is folded onto a second line: the unfolded header starts with a space.
    return str(received.message["Subject"]).strip()


def test_reopening_tells_the_reporter_and_the_followers_with_the_reason(report, supervisor, smtp_inbox):
    case = report(notify_reporter=True, reporter_name="Ana")
    case_follow(case=case, email="neighbor@example.org")
    case_follow(case=case, email="vecina@example.org", language="es")
    services.case_close(case=case, actor=supervisor, note="Picked up")
    smtp_inbox()
    services.case_reopen(case=case, actor=supervisor, reason="The trash is back.")
    mail = by_recipient(smtp_inbox())
    assert set(mail) == {"resident@example.org", "neighbor@example.org", "vecina@example.org"}

    reporter = mail["resident@example.org"]
    assert subject(reporter) == f"[{case.reference}] Your report was reopened: Trash/Rubbish"
    text = reporter.text()
    assert "Dear Ana," in text
    assert f"Your report {case.reference} (Trash/Rubbish) was reopened" in text
    assert "The trash is back." in text
    assert f"/track/{case.tracking_token}/" in text
    html = reporter.message.get_body(preferencelist=("html",)).get_content()
    assert "The trash is back." in html and "was reopened" in html

    neighbor = mail["neighbor@example.org"]
    assert subject(neighbor) == f"[{case.reference}] A report you follow was reopened: Trash/Rubbish"
    assert "which you follow, was reopened" in neighbor.text()
    assert "The trash is back." in neighbor.text()
    assert case.tracking_token not in neighbor.text()
    assert neighbor.message["List-Unsubscribe"]

    vecina = mail["vecina@example.org"]
    assert subject(vecina) == f"[{case.reference}] Se reabrió un reporte que usted sigue: Trash/Rubbish"
    assert "que usted sigue, se reabrió" in vecina.text()
    assert "The trash is back." in vecina.text()


def test_a_spanish_reporter_reads_it_in_spanish(report, supervisor, smtp_inbox):
    case = report(notify_reporter=True, language="es")
    services.case_close(case=case, actor=supervisor, note="Recogido")
    smtp_inbox()
    services.case_reopen(case=case, actor=supervisor, reason="La basura volvió.")
    [reporter] = smtp_inbox()
    assert subject(reporter) == f"[{case.reference}] Se reabrió su reporte: Trash/Rubbish"
    assert f"Su reporte {case.reference} (Trash/Rubbish) se reabrió" in reporter.text()
    assert "La basura volvió." in reporter.text()


def test_a_reporter_who_wanted_only_the_closing_is_not_told(report, supervisor, smtp_inbox):
    case = report(notify_reporter=False)
    services.case_close(case=case, actor=supervisor, note="Picked up")
    smtp_inbox()
    services.case_reopen(case=case, actor=supervisor, reason="The trash is back.")
    assert smtp_inbox() == []


def test_the_assignee_still_hears_of_it_as_before(report, supervisor, worker, smtp_inbox):
    case = report(notify_reporter=True)
    services.case_assign(case=case, actor=supervisor, assignee=worker)
    services.case_close(case=case, actor=worker, note="Picked up")
    smtp_inbox()
    services.case_reopen(case=case, actor=supervisor, reason="The trash is back.")
    assert sorted(m.to for m in smtp_inbox()) == ["resident@example.org", worker.email]


def test_a_reason_not_made_public_tells_no_resident(report, supervisor, smtp_inbox):
    from civicdesk.cases.models import CaseEvent, EventKind
    from civicdesk.notifications import messages

    case = report(notify_reporter=True)
    case_follow(case=case, email="neighbor@example.org")
    smtp_inbox()
    internal = CaseEvent(case=case, kind=EventKind.REOPENED, text="Inspector's own reasons", is_public=False)
    messages.case_reopened(case, internal)
    assert smtp_inbox() == []


def test_a_confidential_reporter_gets_the_notice_without_content(
    independence, make_service_type, make_department, make_staff, smtp_inbox
):
    from civicdesk.accounts.models import Role
    from tests.conftest import INSIDE

    unit = make_department(independence, "Fraud unit", email="fraud-unit@independence.test")
    hotline = make_service_type(independence, "fraud", name="Fraud hotline", department=unit, is_confidential=True)
    investigator = make_staff(independence, Role.INVESTIGATOR, department=unit, is_staff=True)
    lat, lng = INSIDE["independence"]
    case = services.case_create(
        service_type=hotline,
        lat=lat,
        lng=lng,
        description="Billing for hours never worked",
        reporter_email="whistle@example.org",
        notify_reporter=True,
        language="es",
    )
    services.case_close(case=case, actor=investigator, note="Referred to the auditor")
    smtp_inbox()
    services.case_reopen(case=case, actor=investigator, reason="New evidence from the auditor")
    [notice] = [m for m in smtp_inbox() if m.to == "whistle@example.org"]
    assert subject(notice) == "Independence 311: Se reabrió su reporte"
    for part in (notice.text(), notice.message.get_body(preferencelist=("html",)).get_content()):
        assert "New evidence" not in part and "auditor" not in part
        assert case.reference not in part and str(case.number) not in part
        assert "/confidential/" in part


def html_words(received) -> str:
    import re
    from html import unescape

    html = received.message.get_body(preferencelist=("html",)).get_content()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize(
    ("language", "subject_words", "sentence", "by", "back", "why", "when_format"),
    [
        (
            "en",
            "Case reopened",
            "was reopened on",
            "by",
            "It is back with you.",
            "Why it was reopened:",
            "N j, Y, P",
        ),
        (
            "es",
            "Caso reabierto",
            "fue reabierto el",
            "por",
            "Vuelve a estar a su cargo.",
            "Por qué se reabrió:",
            "j b Y, H:i",
        ),
    ],
)
def test_the_assignee_reads_that_the_case_was_reopened_by_whom_when_and_why(
    report, supervisor, worker, smtp_inbox, settings, language, subject_words, sentence, by, back, why, when_format
):
    from django.utils import dateformat, timezone, translation

    from civicdesk.notifications import messages

    settings.LANGUAGE_CODE = language  # staff emails are in the site's language
    case = report(notify_reporter=False)
    services.case_assign(case=case, actor=supervisor, assignee=worker)
    services.case_close(case=case, actor=worker, note="Picked up")
    smtp_inbox()
    services.case_reopen(case=case, actor=supervisor, reason="The sofa is back on the curb.")
    [to_worker] = smtp_inbox()

    assert to_worker.to == worker.email
    assert subject(to_worker) == f"[{case.reference}] {subject_words}: Trash/Rubbish"
    event = case.events.get(kind="reopened")
    with translation.override(language):
        when = dateformat.format(timezone.localtime(event.at, case.city.tz), when_format)
    for body in (" ".join(to_worker.text().split()), html_words(to_worker)):
        assert f"{case.reference} {sentence} {when}, {by} {supervisor.display_name()}." in body
        assert back in body and why in body
        assert "The sofa is back on the curb." in body
        assert "assigned to you" not in body.lower() and "Note:" not in body
    assert messages.console_url(case) in to_worker.text()
    assert f'href="{messages.console_url(case)}"' in to_worker.message.get_body(preferencelist=("html",)).get_content()


def test_the_assignee_hears_of_a_reopening_whose_reason_is_not_public(report, supervisor, worker, smtp_inbox):
    from civicdesk.cases.models import CaseEvent, EventKind
    from civicdesk.notifications import messages

    case = report(notify_reporter=True)
    case = services.case_assign(case=case, actor=supervisor, assignee=worker)
    smtp_inbox()
    internal = CaseEvent(
        case=case, kind=EventKind.REOPENED, actor=supervisor, text="Inspector's own reasons", is_public=False
    )
    internal.at = case.opened_at
    messages.case_reopened(case, internal)
    [to_worker] = smtp_inbox()
    assert to_worker.to == worker.email and "Inspector's own reasons" in to_worker.text()


def test_an_assignee_who_reopens_their_own_case_is_not_emailed_about_it(report, supervisor, worker, smtp_inbox):
    case = report(notify_reporter=True)
    services.case_assign(case=case, actor=supervisor, assignee=worker)
    services.case_close(case=case, actor=worker, note="Picked up")
    smtp_inbox()
    services.case_reopen(case=case, actor=worker, reason="Missed the second bag.")
    assert [m.to for m in smtp_inbox()] == ["resident@example.org"]
    case.refresh_from_db()
    assert case.assignee_id == worker.pk and case.status != "closed"
