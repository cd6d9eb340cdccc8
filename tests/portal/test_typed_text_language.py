"""What a person typed says its language where it differs from the page's (WCAG 3.1.2
Language of Parts): a public note staff wrote in English on the Spanish case page, or in
Spanish on the English one, a resident's own description, a closing note and a reopening's
reason, on the public and tracking pages and in the HTML emails that quote them. The
language is told from the note's words (``core.languages.written_language``): text in the
page's language, or too short to tell ("Done."), is left unmarked, as the page reads it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core.templatetags.written import as_typed
from civicdesk.portal.services import report_submit
from tests.conftest import INSIDE

ENGLISH_NOTE = "We cleared the leaves from the drain this morning."
SPANISH_NOTE = "Limpiamos el drenaje esta mañana, gracias por avisar."
SPANISH_DESCRIPTION = "Hay un bache enorme frente a mi casa y es muy peligroso."
ENGLISH_DESCRIPTION = "There is a huge pothole in front of my house and it is dangerous."


def marked(html: str, text: str) -> str:
    """The ``lang`` of the span that holds ``text``, "" when it stands unmarked."""
    found = re.search(r'<span lang="(\w+)">' + re.escape(text), html)
    assert text in html, text
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    "text, page, lang",
    [
        (ENGLISH_NOTE, "es", "en"),
        (ENGLISH_NOTE, "en", ""),
        (SPANISH_NOTE, "en", "es"),
        (SPANISH_NOTE, "es", ""),
        ("Done.", "es", ""),  # too short to tell: left to the page
        ("RT-1042", "en", ""),
    ],
)
def test_typed_text_is_marked_only_when_its_words_are_in_another_language(text: str, page: str, lang: str) -> None:
    with translation.override(page):
        html = str(as_typed(text))
    assert marked(html, text) == lang
    assert html.count("lang=") == (1 if lang else 0)


def test_a_note_already_made_html_is_marked_around_its_line_breaks_and_stays_escaped() -> None:
    from django.template.defaultfilters import linebreaksbr

    text = "Limpiamos el drenaje.\nGracias por avisar, <b>vecinos</b>."
    with translation.override("en"):
        html = str(as_typed(linebreaksbr(text, autoescape=True)))
    assert html == '<span lang="es">Limpiamos el drenaje.<br>Gracias por avisar, &lt;b&gt;vecinos&lt;/b&gt;.</span>'


@pytest.fixture
def pothole(raytown: Any, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(raytown, "pothole", name="Pothole", name_es="Bache", target_days=3)


@pytest.fixture
def boss(pothole: ServiceType, make_staff: Callable[..., User]) -> User:
    return make_staff(pothole.city, Role.SUPERVISOR, department=pothole.department)


def make_case(pothole: ServiceType, description: str, language: str = "") -> ServiceRequest:
    lat, lng = INSIDE["raytown"]
    return services.case_create(
        service_type=pothole,
        lat=lat,
        lng=lng,
        description=description,
        reporter_email="resident@example.org",
        notify_reporter=True,
        language=language,
    )


def page(client: Client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.django_db
def test_the_public_and_tracking_pages_mark_notes_and_the_description_in_the_other_language(
    client: Client, pothole: ServiceType, boss: User
) -> None:
    case = make_case(pothole, SPANISH_DESCRIPTION)
    services.case_add_note(case=case, actor=boss, text=ENGLISH_NOTE, public=True)
    services.case_add_note(case=case, actor=boss, text=SPANISH_NOTE, public=True)
    services.case_close(case=case, actor=boss, note="Done.")
    for url in (f"/raytown/requests/{case.number}/", f"/track/{case.tracking_token}/"):
        english = page(client, url, "en")
        assert marked(english, SPANISH_DESCRIPTION) == "es"
        assert marked(english, SPANISH_NOTE) == "es"
        assert marked(english, ENGLISH_NOTE) == ""
        spanish = page(client, url, "es")
        assert marked(spanish, SPANISH_DESCRIPTION) == ""
        assert marked(spanish, SPANISH_NOTE) == ""
        assert marked(spanish, ENGLISH_NOTE) == "en"
        # A closing note too short to tell is the page's on both.
        assert '<span lang="en">Done.' not in spanish and '<span lang="es">Done.' not in english


@pytest.mark.django_db
def test_the_confidential_reporters_page_marks_a_reply_in_the_other_language(
    client: Client, raytown: Any, make_service_type: Callable[..., ServiceType], make_staff: Callable[..., User]
) -> None:
    hotline = make_service_type(raytown, "fraud", name="Fraud hotline", is_confidential=True)
    investigator = make_staff(raytown, Role.INVESTIGATOR, department=hotline.department)
    made = report_submit(
        service_type=hotline,
        city=raytown,
        client_token="5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        description=SPANISH_DESCRIPTION,
    )
    assert made.access_code
    services.case_add_note(case=made.case, actor=investigator, text=ENGLISH_NOTE, public=True)
    spanish = client.post("/confidential/", {"code": made.access_code}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert marked(spanish, ENGLISH_NOTE) == "en"
    english = client.post("/confidential/", {"code": made.access_code}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert marked(english, ENGLISH_NOTE) == ""


def html_part(message: Any) -> str:
    (html, kind), *_ = message.alternatives
    assert kind == "text/html"
    return str(html)


@pytest.mark.django_db
def test_the_residents_emails_mark_a_note_a_closing_note_and_a_reason_in_the_other_language(
    pothole: ServiceType, boss: User, outbox: Callable[[], list[Any]]
) -> None:
    spanish_reader = make_case(pothole, SPANISH_DESCRIPTION, language="es")
    english_reader = make_case(pothole, ENGLISH_DESCRIPTION, language="en")
    for case in (spanish_reader, english_reader):
        services.case_add_note(case=case, actor=boss, text=ENGLISH_NOTE, public=True)
        services.case_add_note(case=case, actor=boss, text=SPANISH_NOTE, public=True)
        services.case_close(case=case, actor=boss, note=ENGLISH_NOTE + " " + ENGLISH_NOTE)
        services.case_reopen(case=case, actor=boss, reason=SPANISH_NOTE + " Otra vez.")
    sent = [m for m in outbox() if m.to == ["resident@example.org"]]
    spanish = [html_part(m) for m in sent if 'lang="es"><head>' in html_part(m)]
    english = [html_part(m) for m in sent if 'lang="en"><head>' in html_part(m)]
    assert spanish and english
    every_spanish, every_english = "\n".join(spanish), "\n".join(english)
    # The updates: the English note marked in the Spanish email only, the Spanish one in the English only.
    assert marked(every_spanish, ENGLISH_NOTE) == "en" and marked(every_spanish, SPANISH_NOTE) == ""
    assert marked(every_english, SPANISH_NOTE) == "es" and marked(every_english, ENGLISH_NOTE) == ""
    # The closing note and the reopening's reason, each where the reader's language differs.
    assert f'<span lang="en">{ENGLISH_NOTE} {ENGLISH_NOTE}' in every_spanish
    assert f'<span lang="es">{SPANISH_NOTE} Otra vez.' in every_english
    assert f'<span lang="es">{SPANISH_NOTE} Otra vez.' not in every_spanish
    # The acknowledgement quotes the resident's own words: in their language, unmarked.
    assert marked(every_spanish, SPANISH_DESCRIPTION) == "" and marked(every_english, ENGLISH_DESCRIPTION) == ""
    # The plain-text parts have no markup.
    assert all("<span" not in m.body for m in sent)
