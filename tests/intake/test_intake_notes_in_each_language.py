"""The email intake's notes on a case ("Sent to triage: …", "Attachments not added as
photos: …", the text an email without any is given) are stored in English and read in each
reader's language: the Spanish console says "Enviado a clasificación: …", the English one
says what is stored. Notes stored before they were the catalog's sentences read the same
way. What the resident wrote stays as written, and an internal note never reaches the
public page."""

from __future__ import annotations

import io
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from civicdesk.accounts.models import Role, User
from civicdesk.cases import event_words
from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.intake.services import email_ingest
from civicdesk.tenants.models import City
from tests.intake.conftest import triage_code
from tests.intake.mail import plain, raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(independence: City, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.SUPERVISOR, email="sue@independence.test")


def console(case: ServiceRequest, user: User, language: str) -> str:
    client = Client()
    client.force_login(user)
    url = reverse("console:case", kwargs={"city": case.city.slug, "number": case.number})
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def public_page(case: ServiceRequest, language: str) -> str:
    url = reverse("portal:case", kwargs={"city": case.city.slug, "number": case.number})
    response = Client().get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format="JPEG")
    return out.getvalue()


BODY = " ".join(["Something is wrong near my house and nobody has come to look at it yet."] * 150)


def long_vague_email_with_attachments() -> EmailMessage:
    """A long email that names no problem type and no place, with a PDF, three photos and
    a file with no name."""
    msg = plain(BODY, subject="Help")
    msg.add_attachment(b"%PDF-1.4 minutes", maintype="application", subtype="pdf", filename="minutes.pdf")
    for n, color in enumerate([(200, 0, 0), (0, 200, 0), (0, 0, 200)], start=1):
        msg.add_attachment(jpeg(color), maintype="image", subtype="jpeg", filename=f"IMG_{n}.jpg")
    msg.add_attachment(b"plain words", maintype="application", subtype="octet-stream")
    return msg


def test_the_intakes_notes_on_a_triage_case_read_in_spanish_on_the_spanish_console(
    catalogue: dict[str, ServiceType], supervisor: User, settings: Any
) -> None:
    settings.INTAKE_MAX_PHOTOS = 2
    email = long_vague_email_with_attachments()
    written = len(f"Help\n\n{BODY}")  # the subject, then the text
    case = email_ingest(raw=raw(email)).case
    assert case is not None and case.service_type.code == triage_code()

    # Stored in English, as the audit log and the admin read it.
    stored = list(case.events.filter(kind=EventKind.INTERNAL_NOTE).values_list("text", flat=True))
    assert stored == [
        f"The email's text was {written:,} characters long; the case keeps the first 10,000. "
        "Sent to triage: The intake found no words of any problem type in it. It gives no address or map point. "
        "Choose the type (which routes it) and add the place.",
        "Attachments not added as photos: minutes.pdf (not an image); IMG_3.jpg (more than 2 photos); "
        "attachment 5 (not an image)",
    ]

    spanish = console(case, supervisor, "es")
    assert (
        f"El texto del correo tenía {written:,} caracteres; el caso guarda los primeros 10,000. "
        "Enviado a clasificación: la recepción no encontró en él palabras de ningún tipo de problema. "
        "No da dirección ni punto en el mapa. Elija el tipo (que lo dirige) y agregue el lugar."
    ) in spanish
    assert (
        "Archivos adjuntos no agregados como fotos: minutes.pdf (no es una imagen); IMG_3.jpg (más de 2 fotos); "
        "adjunto 5 (no es una imagen)"
    ) in spanish
    assert "Sent to triage" not in spanish and "not added as photos" not in spanish
    # What the resident wrote is not translated.
    assert "Something is wrong near my house" in spanish

    english = console(case, supervisor, "en")
    for text in stored:
        assert escape(text) in english
    assert "Enviado a clasificación" not in english

    # Internal notes stay off the public page, in either language.
    for language in ("en", "es"):
        public = public_page(case, language)
        assert "Sent to triage" not in public and "Enviado a clasificación" not in public
        assert "not added as photos" not in public and "no agregados como fotos" not in public


def test_a_typed_email_with_no_place_says_so_in_spanish(catalogue: dict[str, ServiceType], supervisor: User) -> None:
    case = email_ingest(raw=raw(plain("The pothole is back again, please fix it.", subject="pothole again"))).case
    assert case is not None

    spanish = console(case, supervisor, "es")
    assert (
        "El correo parecía tratar de “Pothole”, pero no dice en ninguna parte dónde. "
        "Enviado a clasificación: la recepción lo leyó como “Pothole”. No da dirección ni punto en el mapa. "
        "Elija el tipo (que lo dirige) y agregue el lugar."
    ) in spanish
    english = console(case, supervisor, "en")
    assert (
        "The email looked like “Pothole” but says nowhere where. Sent to triage: The intake read it as “Pothole”."
    ) in english


def test_the_email_to_the_supervisors_gives_the_note_in_the_emails_language(
    catalogue: dict[str, ServiceType], supervisor: User, outbox: Any, settings: Any
) -> None:
    email_ingest(raw=raw(plain("Something is wrong near my house, please call me.", subject="Help")))
    settings.LANGUAGE_CODE = "es"  # staff emails are written in the site's language
    email_ingest(raw=raw(plain("Something else is wrong near my house, please call me.", subject="Help")))

    to_staff = [m.body for m in outbox() if m.to == ["sue@independence.test"]]
    assert len(to_staff) == 2
    english, spanish = (" ".join(body.split()) for body in to_staff)
    assert "Sent to triage: The intake found no words of any problem type in it." in english
    assert "Enviado a clasificación: la recepción no encontró en él palabras de ningún tipo de problema." in spanish
    assert "Sent to triage" not in spanish


def test_an_email_with_no_text_reads_so_in_each_language_on_the_console_and_the_public_page(
    catalogue: dict[str, ServiceType], supervisor: User
) -> None:
    case = email_ingest(raw=raw(plain("", subject=""))).case
    assert case is not None and case.description == "(The email had no text.)"
    # A stranger's empty reply is an internal note, which says who sent it.
    email_ingest(raw=raw(plain("", subject=f"Re: [{case.reference}] Your report", sender="Stranger <who@example.net>")))
    note = case.events.filter(kind=EventKind.INTERNAL_NOTE, actor_label__startswith="From email").get()
    assert note.text == "From email by who@example.net:\n\n(The email had no text.)"

    spanish = console(case, supervisor, "es")
    assert '<p class="description">(El correo no tenía texto).</p>' in spanish
    assert "Por correo de who@example.net:<br><br>(El correo no tenía texto)." in spanish
    assert "(The email had no text.)" not in spanish
    english = console(case, supervisor, "en")
    assert '<p class="description">(The email had no text.)</p>' in english
    assert "From email by who@example.net:<br><br>(The email had no text.)" in english

    assert "(El correo no tenía texto)." in public_page(case, "es")
    assert "(The email had no text.)" in public_page(case, "en")
    assert "who@example.net" not in public_page(case, "es")


def test_notes_stored_before_read_in_spanish_too(catalogue: dict[str, ServiceType], supervisor: User) -> None:
    case = email_ingest(raw=raw(plain("Deep pothole in front of 1234 S Noland Rd.", subject="Pothole"))).case
    assert case is not None
    # The intake's notes as it wrote them before they were the catalog's sentences.
    before = [
        "The coordinates 38.9, -94.1 in the email are outside every member city. "
        "The email could be about “Pothole”, “Street light out” or “Trash”: the intake could not choose. "
        "Sent to triage: The intake could not choose a type. It gives an address. "
        "Choose the type (which routes it) and add the place.",
        "The email might be about “Trash”, but says too little to be sure. "
        "The email looked like “Pothole”, which Raytown does not take. "
        "Sent to triage: The intake read it as “Pothole”. It gives an address. "
        "Choose the type (which routes it) and add the place.",
        "From email by an unknown sender:\n\nIt is still there. It gives an address.",
    ]
    for text in before:
        CaseEvent.objects.create(
            case=case, at=clock.now(), kind=EventKind.INTERNAL_NOTE, actor_label=event_words.EMAIL_INTAKE, text=text
        )

    spanish = console(case, supervisor, "es")
    assert (
        "Las coordenadas 38.9, -94.1 del correo están fuera de todas las ciudades miembro. "
        "El correo podría tratar de “Pothole”, “Street light out” o de “Trash”: la recepción no pudo elegir. "
        "Enviado a clasificación: la recepción no pudo elegir un tipo. Da una dirección. "
        "Elija el tipo (que lo dirige) y agregue el lugar."
    ) in spanish
    assert (
        "El correo podría tratar de “Trash”, pero dice muy poco para estar seguros. "
        "El correo parecía tratar de “Pothole”, que Raytown no atiende. "
        "Enviado a clasificación: la recepción lo leyó como “Pothole”. Da una dirección."
    ) in spanish
    # The resident's words inside a note stay as written, though they end like a sentence of ours.
    assert "Por correo de un remitente desconocido:<br><br>It is still there. It gives an address." in spanish
    assert "Recepción de correo" in spanish  # who wrote them
    english = console(case, supervisor, "en")
    for text in before:
        assert escape(text).replace("\n", "<br>") in english
