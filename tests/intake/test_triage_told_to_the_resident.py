"""What a resident reads about an emailed report that went to triage (rv3 #5): it has no
place and no type yet, so they are told so in their words, not "the place you marked on the
map" (they marked none), not the queue's name "Needs triage", and not "we aim to deal with
it by" a date that is only the city's target for sorting the report out.

The acknowledgement is read as the resident gets it (subject, plain text and HTML, in
English and in Spanish), and the tracking page as the resident opens it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from civicdesk.catalog.models import ServiceType
from civicdesk.intake.services import email_ingest
from tests.intake.conftest import triage_code
from tests.intake.mail import RESIDENT, plain, raw

pytestmark = pytest.mark.django_db

NOWHERE_EN = "Something is wrong near my house, please call me."
NOWHERE_ES = "Algo está mal cerca de mi casa, por favor llámenme. Gracias."

INTERNAL = ("Needs triage", "Por clasificar", "the place you marked", "lugar que marcó", "Map location")


def acknowledgement(outbox: Any) -> tuple[str, str, str]:
    [ack] = [m for m in outbox() if m.to == [RESIDENT]]
    [(html, _mime)] = ack.alternatives
    return ack.subject, ack.body, html


def test_an_emailed_report_with_no_place_and_no_type_is_acknowledged_in_the_residents_words(
    catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    case = email_ingest(raw=raw(plain(NOWHERE_EN, subject="Help"))).case
    assert case.service_type.code == triage_code()

    subject, text, html = acknowledgement(outbox)

    for body in (text, html):
        assert "Being reviewed: staff will choose the right team" in body
        assert "Not given yet (staff will contact you if they need it)" in body
        assert "Staff aim to review it and send it to the right team by" in body
        assert "We aim to deal with it by" not in body and "the target for this type" not in body
        assert not [word for word in INTERNAL if word in body]
    assert subject == f"[{case.reference}] We received your report: staff will choose the right team"


def test_a_spanish_email_with_no_place_is_acknowledged_in_spanish_in_the_same_words(
    catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    case = email_ingest(raw=raw(plain(NOWHERE_ES, subject="Ayuda"))).case

    subject, text, html = acknowledgement(outbox)

    for body in (text, html):
        assert "En revisión: el personal elegirá el equipo adecuado" in body
        assert "Aún no indicado (el personal se comunicará con usted si lo necesita)" in body
        assert "El personal procura revisarlo y enviarlo al equipo adecuado a más tardar el" in body
        assert not [word for word in INTERNAL if word in body]
    assert subject == f"[{case.reference}] Recibimos su reporte: el personal elegirá el equipo adecuado"


def test_a_typed_report_with_a_place_still_reads_its_type_place_and_target(
    catalogue: dict[str, ServiceType], outbox: Any
) -> None:
    email_ingest(raw=raw(plain("There is a deep pothole in front of 1234 S Noland Rd.", subject="Pothole")))

    _subject, text, html = acknowledgement(outbox)

    for body in (text, html):
        assert "Pothole" in body and "1234 S Noland Rd" in body
        assert "Being reviewed" not in body and "Not given yet" not in body


@pytest.mark.parametrize(
    ("body", "subject"),
    [
        (NOWHERE_EN, "We received your report: staff will choose the right team"),
        (NOWHERE_ES, "Recibimos su reporte: el personal elegirá el equipo adecuado"),
    ],
)
def test_the_acknowledgement_of_a_report_in_triage_has_one_plain_subject_as_a_mail_program_shows_it(
    catalogue: dict[str, ServiceType], smtp_inbox: Any, body: str, subject: str
) -> None:
    case = email_ingest(raw=raw(plain(body, subject="Help"))).case

    [ack] = [m for m in smtp_inbox() if m.to == RESIDENT]
    shown = " ".join(str(ack.message["Subject"]).split())  # a long encoded subject is folded
    assert shown == f"[{case.reference}] {subject}"
    assert shown.count(":") == 1
    assert "Being reviewed" not in shown and "En revisión" not in shown and "Needs triage" not in shown


@pytest.mark.parametrize(
    ("language", "heading", "where", "when"),
    [
        (
            "en",
            "Being reviewed: staff will choose the right team",
            "Not given yet (staff will contact you if they need it)",
            "Staff aim to review it and send it to the right team by",
        ),
        (
            "es",
            "En revisión: el personal elegirá el equipo adecuado",
            "Aún no indicado (el personal se comunicará con usted si lo necesita)",
            "El personal procura revisarlo y enviarlo al equipo adecuado a más tardar el",
        ),
    ],
)
def test_the_tracking_page_of_a_report_in_triage_says_what_is_happening_and_that_the_place_is_not_given(
    catalogue: dict[str, ServiceType], language: str, heading: str, where: str, when: str
) -> None:
    case = email_ingest(raw=raw(plain(NOWHERE_EN, subject="Help"))).case

    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(f"/track/{case.tracking_token}/").content.decode()

    h1 = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert heading in h1
    assert where in page and when in page
    assert "the target for this type" not in page and "el plazo fijado para este tipo" not in page
    assert not [word for word in INTERNAL if word in page]

    # Anybody else reading the public page is not told staff will contact them.
    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/independence/requests/{case.number}/").content.decode()
    assert "Not given yet" in public and "staff will contact you" not in public


def test_every_later_word_to_the_resident_and_the_public_lists_name_a_report_in_triage_as_being_reviewed(
    catalogue: dict[str, ServiceType], outbox: Any, make_staff: Any
) -> None:
    from civicdesk.accounts.models import Role
    from civicdesk.cases import services

    case = email_ingest(raw=raw(plain(NOWHERE_EN, subject="Help"))).case
    supervisor = make_staff(case.city, Role.SUPERVISOR)
    services.case_add_note(case=case, actor=supervisor, text="We are looking at it.", public=True)
    [update] = [m for m in outbox() if m.to == [RESIDENT] and "We are looking at it." in m.body]
    [(update_html, _mime)] = update.alternatives

    public = Client(HTTP_ACCEPT_LANGUAGE="en")
    pages = {
        "update email": update.body,
        "update email (HTML)": update_html,
        "city home": public.get("/independence/").content.decode(),
        "browse": public.get("/independence/requests/").content.decode(),
        "feed": public.get("/independence/feeds/new.atom").content.decode(),
    }
    for name, text in pages.items():
        text = " ".join(text.split())  # the plain text is folded at 78 columns
        assert case.reference in text, name
        assert "Being reviewed: staff will choose the right team" in text, name
        assert "Needs triage" not in text, name
