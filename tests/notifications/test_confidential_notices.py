"""A confidential case's notices read as correct sentences to each reader: the reporter is
told what happened to their report, in their language; the unit's mailbox and the
investigators are told what happened to a confidential report. Neither holds the report's
content or number. Read from a real SMTP server on loopback."""

from __future__ import annotations

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

UNIT = "fraud-unit@independence.test"
WHISTLE = "whistle@example.org"
SECRET = "The contractor bills for hours never worked"


@pytest.fixture
def hotline(independence, make_service_type, make_department):
    unit = make_department(independence, "Fraud unit", email=UNIT)
    return make_service_type(
        independence, "fraud", name="Fraud, waste or abuse hotline", department=unit, is_confidential=True
    )


@pytest.fixture
def investigator(independence, hotline, make_staff):
    return make_staff(independence, Role.INVESTIGATOR, department=hotline.department, is_staff=True)


def report(hotline, language=""):
    lat, lng = INSIDE["independence"]
    return services.case_create(
        service_type=hotline,
        lat=lat,
        lng=lng,
        description=SECRET,
        reporter_email=WHISTLE,
        notify_reporter=True,
        language=language,
    )


def subject(m) -> str:
    return str(m.message["Subject"]).strip()


def html(m) -> str:
    return m.message.get_body(preferencelist=("html",)).get_content()


def flat(text: str) -> str:
    return " ".join(text.split())


def the_life_of_a_tip(hotline, investigator, smtp_inbox, language=""):
    """Each notice of a tip's life, as (recipient, subject, text, html)."""
    case = report(hotline, language)
    sent = smtp_inbox()
    services.case_add_reporter_information(case=case, text="He also bills for a second truck")
    sent += smtp_inbox()
    services.case_add_note(case=case, actor=investigator, text="We opened an audit", public=True)
    sent += smtp_inbox()
    services.case_close(case=case, actor=investigator, note="Referred to the auditor")
    sent += smtp_inbox()
    for m in sent:
        for part in (subject(m), m.text(), html(m)):
            assert SECRET not in part and "second truck" not in part and "audit" not in part
            assert case.reference not in part
    return [(m.to, subject(m), flat(m.text()), flat(html(m))) for m in sent]


def test_the_reporter_and_the_unit_each_read_a_correct_sentence(hotline, investigator, smtp_inbox):
    notices = the_life_of_a_tip(hotline, investigator, smtp_inbox)
    assert [(to, subject) for to, subject, _t, _h in notices] == [
        (WHISTLE, "Independence 311: We received your report"),
        (UNIT, "Independence 311: A confidential report is waiting"),
        (UNIT, "Independence 311: The reporter of a confidential report added information"),
        (WHISTLE, "Independence 311: There is a reply to your report"),
        (WHISTLE, "Independence 311: Your report is closed"),
        (UNIT, "Independence 311: A confidential report was closed"),
    ]
    sentences = [
        "We received your report. For your safety this email holds none of its content.",
        "A confidential report (Fraud, waste or abuse hotline) is waiting for you in the console. "
        "For the reporter's safety this email holds none of its content",
        "The reporter of a confidential report (Fraud, waste or abuse hotline) added information. "
        "For the reporter's safety",
        "There is a reply to your report. For your safety",
        "Your report is closed. For your safety",
        "A confidential report (Fraud, waste or abuse hotline) was closed. For the reporter's safety",
    ]
    for (to, _subject, text, body_html), sentence in zip(notices, sentences, strict=True):
        assert sentence in text and sentence in body_html
        if to == UNIT:
            assert "/console/cases/independence/" in text and "/console/cases/independence/" in body_html
            assert "your report" not in text.lower() and "for a confidential report" not in text
        else:
            assert "/confidential/" in text and "/console/" not in text
            assert "Fraud, waste" not in text


def test_a_spanish_reporter_reads_them_in_spanish_and_staff_in_the_sites_language(hotline, investigator, smtp_inbox):
    notices = the_life_of_a_tip(hotline, investigator, smtp_inbox, language="es")
    assert [(to, subject) for to, subject, _t, _h in notices] == [
        (WHISTLE, "Independence 311: Recibimos su reporte"),
        (UNIT, "Independence 311: A confidential report is waiting"),
        (UNIT, "Independence 311: The reporter of a confidential report added information"),
        (WHISTLE, "Independence 311: Hay una respuesta a su reporte"),
        (WHISTLE, "Independence 311: Su reporte está cerrado"),
        (UNIT, "Independence 311: A confidential report was closed"),
    ]
    to_reporter = [text for to, _s, text, _h in notices if to == WHISTLE]
    for text, sentence in zip(
        to_reporter,
        ["Recibimos su reporte.", "Hay una respuesta a su reporte.", "Su reporte está cerrado."],
        strict=True,
    ):
        assert sentence in text


def test_the_staff_sentences_in_spanish(hotline, investigator, smtp_inbox, settings):
    settings.LANGUAGE_CODE = "es"
    notices = the_life_of_a_tip(hotline, investigator, smtp_inbox)
    to_unit = [(s, t) for to, s, t, _h in notices if to == UNIT]
    assert [s for s, _t in to_unit] == [
        "Independence 311: Un reporte confidencial está en espera",
        "Independence 311: La persona que hizo un reporte confidencial agregó información",
        "Independence 311: Se cerró un reporte confidencial",
    ]
    assert "Un reporte confidencial (Fraud, waste or abuse hotline) lo espera en la consola." in to_unit[0][1]
