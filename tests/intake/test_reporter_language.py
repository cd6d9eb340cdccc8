"""The language an emailed report is answered in: the one the email says it is in
(Content-Language), else the one its words are in. It is the case's language, so every
later email to the resident is in it too."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services as cases
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.guess import written_language
from civicdesk.intake.services import email_ingest
from tests.intake.mail import RESIDENT, plain, raw


def labelled(msg: EmailMessage, language: str) -> EmailMessage:
    """The message as a mail program that says its language sends it."""
    msg["Content-Language"] = language
    return msg


def ingest(msg: EmailMessage) -> ServiceRequest:
    case = email_ingest(raw=raw(msg)).case
    assert case is not None
    return case


SPANISH = (
    "Bache enorme en la calle Main",
    "Hay un bache enorme frente al número 1234 S Noland Rd. Por favor arréglenlo.",
)
ENGLISH = ("Couch on the curb", "Someone dumped a couch in front of 1234 S Noland Rd")


@pytest.mark.parametrize(
    "text, language",
    [
        ("\n".join(SPANISH), "es"),
        ("La basura no ha sido recogida desde hace dos semanas y huele muy mal.", "es"),
        ("¿Pueden venir a arreglar la luz? Está apagada.", "es"),
        ("\n".join(ENGLISH), "en"),
        ("The street light on my block has been out for a week, please fix it.", "en"),
        ("Trash piled up at the curb of 1200 N Main St", "en"),
        ("Pothole", ""),  # one word says nothing
        ("Graffiti 1234 S Noland Rd", ""),
        ("", ""),
    ],
)
def test_the_language_of_a_report_is_told_from_its_common_words(text: str, language: str) -> None:
    assert written_language(text) == language


@pytest.mark.django_db
def test_a_spanish_email_is_acknowledged_in_spanish_and_the_case_keeps_spanish_for_later_emails(
    catalogue: dict[str, ServiceType], outbox: Any, make_staff: Any
) -> None:
    subject, body = SPANISH
    case = ingest(plain(body, subject=subject))

    assert case.language == "es"
    ack = next(m for m in outbox() if m.to == [RESIDENT])
    assert ack.subject.startswith(f"[{case.reference}] Recibimos su reporte")
    assert "Gracias por su reporte a Independence" in ack.body
    assert "Thank you" not in ack.body

    staff = make_staff(case.city, Role.SUPERVISOR)
    before = len(outbox())
    cases.case_add_note(case=case, actor=staff, text="Mañana pasamos a verlo.", public=True)
    update = [m for m in outbox()[before:] if m.to == [RESIDENT]]
    assert update and "Hay novedades sobre su reporte" in update[0].body


@pytest.mark.django_db
def test_an_english_email_is_acknowledged_in_english(catalogue: dict[str, ServiceType], outbox: Any) -> None:
    subject, body = ENGLISH
    case = ingest(plain(body, subject=subject))

    assert case.language == "en"
    ack = next(m for m in outbox() if m.to == [RESIDENT])
    assert "Thank you for your report to Independence" in ack.body


@pytest.mark.django_db
def test_the_content_language_header_says_the_language_before_the_words_do(
    catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    # Too short to tell from the words; the mail program says it is Spanish (Mexico).
    case = ingest(labelled(plain("Pothole, 1234 S Noland Rd", subject="Pothole"), "es-MX"))

    assert case.language == "es"
    ack = next(m for m in outbox() if m.to == [RESIDENT])
    assert "Gracias por su reporte" in ack.body


@pytest.mark.django_db
def test_a_content_language_the_site_does_not_offer_leaves_it_to_the_words(catalogue: dict[str, ServiceType]) -> None:
    subject, body = SPANISH
    assert ingest(labelled(plain(body, subject=subject), "fr")).language == "es"
    assert ingest(labelled(plain("Pothole, 1234 S Noland Rd", subject="Pothole"), "de-DE")).language == ""
