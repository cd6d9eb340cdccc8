"""On a site whose language is Spanish, the emails staff get about a case are Spanish in
both their parts, not a Spanish subject over an English template: a new case in a
department's mailbox and a case given to a worker ("Tom Kessler asignó el caso IND-1042 a …"),
what a resident added by email, as a public note or, from a stranger, as an internal one
("… agregó información al caso …"), and the closing ("El caso … se cerró: Resuelto.").
Read from a real SMTP server on loopback, as the outbox delivers them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.accounts.models import User
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.intake.services import email_ingest
from tests.intake.mail import RESIDENT, plain, raw
from tests.outbox_harness import Received

pytestmark = pytest.mark.django_db

DEPARTMENT = "neighborhood@independence.test"  # the trash type's department (tests/conftest.py)
DESCRIPTION = "Dejaron un sofá y un colchón en la acera, junto al buzón."
# Words of the English templates, none of which may be left in a Spanish staff email.
ENGLISH = (
    "is assigned to",
    "assigned case",
    "sent case",
    "is waiting for",
    "Type:",
    "Priority",
    "Where",
    "District",
    "Reported",
    " by Web",
    "Due",
    "Description",
    "no description",
    "map point only",
    "Note:",
    "Open the case",
    "start working",
    "added information",
    "kept as an internal note",
    "the sender is not",
    "From email by",
    "was closed",
    "Closing note",
    "Resolved",
)


@pytest.fixture
def spanish_site(settings: Any) -> None:
    settings.LANGUAGE_CODE = "es"


def parts(message: Received) -> tuple[str, str]:
    """The plain text and the HTML's words, each on one line, as a mail program shows them."""
    html = message.message.get_body(preferencelist=("html",))
    assert html is not None
    words = re.sub(r"<[^>]+>", " ", str(html.get_content())).replace("&lt;", "<").replace("&gt;", ">")
    return " ".join(message.text().split()), " ".join(words.replace("&nbsp;", " ").split())


def subject(message: Received) -> str:
    return " ".join(str(message.message["Subject"]).split())  # an encoded subject is folded


def english_left(text: str) -> list[str]:
    return [words for words in ENGLISH if words in text]


def assert_spanish(message: Received, case: ServiceRequest) -> tuple[str, str]:
    """Both parts, once no English template word is left in them but the city's names."""
    text, html = parts(message)
    for words in (text, html):
        # The district's name is the city's ("Council District 1"), as written.
        left = english_left(words.replace(case.district.name, "") if case.district else words)
        assert not left, (left, words)
    assert '<html lang="es">' in str(message.message.get_body(preferencelist=("html",)).get_content())
    return text, html


def test_a_new_case_and_its_assignment_are_told_to_staff_in_spanish(
    spanish_site: None,
    report: Callable[..., ServiceRequest],
    supervisor: User,
    worker: User,
    smtp_inbox: Callable[[], list[Received]],
) -> None:
    case = report(description=DESCRIPTION, reporter_email=RESIDENT)
    [to_department] = [m for m in smtp_inbox() if m.to == DEPARTMENT]
    assert subject(to_department) == f"[{case.reference}] Nuevo caso para CD-NEIGHBORHOOD SERVICES: Trash/Rubbish"
    for words in assert_spanish(to_department, case):
        assert f"El caso {case.reference} espera a CD-NEIGHBORHOOD SERVICES." in words
        assert re.search(r"Tipo:? Trash/Rubbish", words)  # the city's name of the type, as staff know it
        assert re.search(r"Prioridad:? Normal", words)
        assert re.search(r"Reportado:? \d{1,2} dic 2026, \d\d:\d\d, vía Web", words)
        assert re.search(r"Fecha límite:? \d{1,2} (dic 2026|ene 2027)", words)
        assert "Descripción:" in words and DESCRIPTION in words
    text, html = parts(to_department)
    assert (
        f"Abra el caso para empezar a trabajarlo: http://testserver/console/cases/independence/{case.number}/" in text
    )
    assert "Abra el caso para empezar a trabajarlo" in html

    services.case_assign(case=case, actor=supervisor, assignee=worker, note="Lleven el camión grande, por favor.")
    [to_worker] = smtp_inbox()
    assert (to_worker.to, subject(to_worker)) == (
        worker.email,
        f"[{case.reference}] Caso asignado a usted: Trash/Rubbish",
    )
    for words in assert_spanish(to_worker, case):
        assert f"{supervisor.display_name()} asignó el caso {case.reference} a {worker.display_name()}." in words
        assert "Nota: Lleven el camión grande, por favor." in words or "Nota: > Lleven el camión" in words


def test_what_a_resident_adds_by_email_is_told_to_the_worker_in_spanish(
    spanish_site: None,
    report: Callable[..., ServiceRequest],
    supervisor: User,
    worker: User,
    smtp_inbox: Callable[[], list[Received]],
) -> None:
    case = report(description=DESCRIPTION, reporter_email=RESIDENT)
    services.case_assign(case=case, actor=supervisor, assignee=worker)
    smtp_inbox()

    email_ingest(raw=raw(plain("Ahora también hay basura en la calle.", subject=f"Re: [{case.reference}]")))
    [from_reporter] = [m for m in smtp_inbox() if m.to == worker.email]
    assert subject(from_reporter) == f"[{case.reference}] Nueva información de un residente: Trash/Rubbish"
    for words in assert_spanish(from_reporter, case):
        assert f"{RESIDENT} agregó información al caso {case.reference} (Trash/Rubbish):" in words
        assert "Ahora también hay basura en la calle." in words
        assert "nota interna" not in words
    text, html = parts(from_reporter)
    assert f"Abra el caso: http://testserver/console/cases/independence/{case.number}/" in text
    assert "Abrir el caso" in html

    stranger = "vecino@example.net"
    email_ingest(
        raw=raw(plain("Ese sofá es mío, lo recojo mañana.", subject=f"Re: [{case.reference}]", sender=stranger))
    )
    [from_stranger] = [m for m in smtp_inbox() if m.to == worker.email]
    for words in assert_spanish(from_stranger, case):
        assert (
            f"{stranger} agregó información al caso {case.reference} (Trash/Rubbish); se guardó como nota interna, "
            "porque quien la envió no es quien hizo el reporte ni un seguidor:"
        ) in words
        # The stored note's own words ("From email by …") in Spanish, the resident's as written.
        assert re.search(rf"Por correo de {re.escape(stranger)}:? (> )?Ese sofá es mío", words), words


def test_the_closing_is_told_to_staff_in_spanish(
    spanish_site: None,
    report: Callable[..., ServiceRequest],
    supervisor: User,
    worker: User,
    smtp_inbox: Callable[[], list[Received]],
) -> None:
    case = report(description=DESCRIPTION, reporter_email=RESIDENT)
    services.case_assign(case=case, actor=supervisor, assignee=worker)
    smtp_inbox()

    services.case_close(case=case, actor=worker, note="Recogimos el sofá y el colchón esta mañana.")
    received = {m.to: m for m in smtp_inbox()}
    assert set(received) == {RESIDENT, worker.email, DEPARTMENT}
    for to in (worker.email, DEPARTMENT):
        assert subject(received[to]) == f"[{case.reference}] Caso cerrado: Trash/Rubbish"
        for words in assert_spanish(received[to], case):
            assert f"El caso {case.reference} (Trash/Rubbish) se cerró: Resuelto." in words
            assert "Recogimos el sofá y el colchón esta mañana." in words
        text, html = parts(received[to])
        assert "Nota de cierre:" in text and "Abrir el caso" in html
        assert f"Abra el caso: http://testserver/console/cases/independence/{case.number}/" in text
