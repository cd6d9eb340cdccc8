"""On a site whose language is Spanish, an emailed report that goes to triage is told in
Spanish: the supervisors' email ("Nuevo reporte por dirigir …"), which is in the site's
language like every staff email, is Spanish in its subject and both its parts, not a
Spanish subject over an English template; and the resident, who wrote in Spanish or in
too few words to tell, is acknowledged in Spanish. Read from a real SMTP server on
loopback, as the outbox delivers them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.services import email_ingest
from civicdesk.tenants.models import City
from tests.intake.conftest import triage_code
from tests.intake.mail import RESIDENT, plain, raw
from tests.outbox_harness import Received

pytestmark = pytest.mark.django_db

SUPERVISOR = "sue@independence.test"
# Words of the English template, none of which may be left in a Spanish email.
ENGLISH = (
    "came by",
    "waiting in triage",
    "What the intake read",
    "Type:",
    "Where:",
    "From:",
    "Reported",
    "Route it by",
    "Description",
    "Open the case",
    "Dear",
    "Thank you",
    "You wrote",
    "Follow your report",
    "Being reviewed",
    "Not given yet",
)


@pytest.fixture
def spanish_site(settings: Any) -> None:
    settings.LANGUAGE_CODE = "es"


@pytest.fixture
def supervisor(independence: City, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.SUPERVISOR, email=SUPERVISOR)


def parts(message: Received) -> tuple[str, str]:
    """The plain text and the HTML's words, each on one line, as a mail program shows them."""
    html = message.message.get_body(preferencelist=("html",))
    assert html is not None
    words = re.sub(r"<[^>]+>", " ", str(html.get_content())).replace("&lt;", "<").replace("&gt;", ">")
    return " ".join(message.text().split()), " ".join(words.split())


def english_left(text: str) -> list[str]:
    return [words for words in ENGLISH if words in text]


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Ayuda", "Algo está mal cerca de mi casa, por favor llámenme. Gracias."),
        ("Help", "Please"),  # too few words to tell: the site's language
    ],
)
def test_a_report_sent_to_triage_on_a_spanish_site_is_told_in_spanish_to_the_supervisor_and_the_resident(
    spanish_site: None,
    catalogue: dict[str, ServiceType],
    supervisor: User,
    smtp_inbox: Callable[[], list[Received]],
    subject: str,
    body: str,
) -> None:
    case = email_ingest(raw=raw(plain(body, subject=subject))).case
    assert case is not None and case.service_type.code == triage_code()

    received = {m.to: m for m in smtp_inbox()}
    assert set(received) == {SUPERVISOR, RESIDENT}

    to_staff = received[SUPERVISOR]
    shown = " ".join(str(to_staff.message["Subject"]).split())  # an encoded subject is folded
    assert shown == f"[{case.reference}] Nuevo reporte por dirigir (en espera de clasificación)"
    for text in parts(to_staff):
        assert (
            f"El caso {case.reference} llegó por correo electrónico y espera clasificación: "
            "todavía no lo tiene ningún departamento."
        ) in text
        assert "Lo que leyó la recepción: Enviado a clasificación: la recepción no encontró" in text
        assert re.search(r"Tipo:? Needs triage", text)  # the queue's name, as the city has it
        assert re.search(r"Dónde:? \(no indicado\)", text)
        assert f"Maria Lopez <{RESIDENT}>" in text
        assert "Reportado" in text and "Plazo para dirigirlo" in text and " dic 2026" in text
        assert "Descripción:" in text and body in text
        assert not english_left(text), english_left(text)
    text, html_words = parts(to_staff)
    assert f"Abra el caso para dirigirlo: http://testserver/console/cases/independence/{case.number}/" in text
    assert "Abra el caso para dirigirlo" in html_words

    ack = received[RESIDENT]
    assert " ".join(str(ack.message["Subject"]).split()) == (
        f"[{case.reference}] Recibimos su reporte: el personal elegirá el equipo adecuado"
    )
    for text in parts(ack):
        assert "Estimado/a Maria Lopez:" in text
        assert "Qué: En revisión: el personal elegirá el equipo adecuado" in text or (
            "Qué En revisión: el personal elegirá el equipo adecuado" in text
        )
        assert "El personal procura revisarlo y enviarlo al equipo adecuado a más tardar el" in text
        assert not english_left(text), english_left(text)


def test_the_supervisors_email_stays_english_on_an_english_site(
    catalogue: dict[str, ServiceType], supervisor: User, smtp_inbox: Callable[[], list[Received]]
) -> None:
    """Staff emails are in the site's language, whatever the resident wrote in."""
    case = email_ingest(
        raw=raw(plain("Algo está mal cerca de mi casa, por favor llámenme. Gracias.", subject="Ayuda"))
    ).case
    assert case is not None

    [to_staff] = [m for m in smtp_inbox() if m.to == SUPERVISOR]
    assert to_staff.message["Subject"] == f"[{case.reference}] New report to route (waiting in triage)"
    for text in parts(to_staff):
        assert f"Case {case.reference} came by email and is waiting in triage: no department has it yet." in text
        assert "What the intake read: Sent to triage: The intake found no words of any problem type in it." in text
        assert "Route it by" in text and "Open the case to route it" in text
        assert "llegó por" not in text and "Plazo para dirigirlo" not in text
